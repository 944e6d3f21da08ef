import { StorageError, StorageErrorReason } from "./errors.js";

/** Every setting of the storage package, with its default. All sizes and counts are bounds. */
export interface StorageOptions {
  /** Most entries one synced LevelDB write (one fsync) carries; also the most one `append` may pass. */
  writeEntriesMax?: number;
  /** Most bytes of entry data one synced write carries; also the most one `append` may pass. */
  writeBytesMax?: number;
  /** Most entries accepted but not yet durable; further appends wait (back-pressure). */
  queueEntriesMax?: number;
  /** Most bytes accepted but not yet durable; further appends wait (back-pressure). */
  queueBytesMax?: number;
  /** Most appends waiting for room in the queue; one more is refused with QUEUE_FULL. */
  blockedAppendsMax?: number;
  /** Largest `data` of one log entry. */
  entryBytesMax?: number;
  /** Largest value `setMeta` stores. */
  metaValueBytesMax?: number;
  /** Largest chunk a snapshot stream may yield (chunks come back exactly as written). */
  snapshotChunkBytesMax?: number;
  /** Size of the buffer snapshot frames are gathered in before a write(2), and of each read(2). */
  snapshotIoBytes?: number;
  /**
   * Bytes of a snapshot written between two fdatasyncs while it is written, so that it reaches
   * the disk in pieces: a single sync of a large snapshot at its end holds up every log fsync
   * queued behind it (about 100 ms for 173 MB here).
   */
  snapshotSyncBytes?: number;
  /** LevelDB's memtable size (its `writeBufferSize`). */
  levelWriteBufferBytes?: number;
  /**
   * ZooKeeper's forceSync (default true): false writes the log without fsync, so a power loss
   * (not a process crash) may lose acknowledged writes.
   */
  forceSync?: boolean;
  /** ZooKeeper's fsync.warningthresholdms (default 1000): a synced write slower than this is reported. */
  fsyncWarningThresholdMs?: number;
  /** Called with the time of each synced write slower than fsyncWarningThresholdMs. */
  onSlowFsync?: (elapsedMs: number) => void;
}

export type ResolvedStorageOptions = Required<StorageOptions>;
/** The options that are not positive integer bounds. */
const BEHAVIOUR_OPTIONS = new Set(["forceSync", "fsyncWarningThresholdMs", "onSlowFsync"]);

const MiB = 1024 * 1024;

export const DEFAULT_STORAGE_OPTIONS: ResolvedStorageOptions = {
  writeEntriesMax: 10_000,
  writeBytesMax: 16 * MiB,
  queueEntriesMax: 50_000,
  queueBytesMax: 64 * MiB,
  blockedAppendsMax: 10_000,
  entryBytesMax: 8 * MiB,
  metaValueBytesMax: 64 * 1024,
  snapshotChunkBytesMax: 64 * MiB,
  snapshotIoBytes: 1 * MiB,
  snapshotSyncBytes: 8 * MiB,
  levelWriteBufferBytes: 16 * MiB,
  forceSync: true,
  fsyncWarningThresholdMs: 1000,
  onSlowFsync: () => undefined,
};

/** ZooKeeper's autopurge.snapRetainCount minimum: purge always leaves at least this many snapshots. */
export const SNAPSHOT_RETAIN_COUNT_MIN = 3;

export function resolveOptions(options: StorageOptions = {}): ResolvedStorageOptions {
  const resolved = { ...DEFAULT_STORAGE_OPTIONS };
  for (const [name, value] of Object.entries(options)) {
    if (!(name in DEFAULT_STORAGE_OPTIONS)) invalid(`unknown storage option "${name}"`);
    if (value === undefined) continue;
    if (BEHAVIOUR_OPTIONS.has(name)) {
      if (typeof value !== typeof DEFAULT_STORAGE_OPTIONS[name as keyof StorageOptions])
        invalid(`option ${name} has the wrong type: ${typeof value}`);
      if (name === "fsyncWarningThresholdMs" && !(Number.isSafeInteger(value) && (value as number) >= 0))
        invalid(`option ${name} must be an integer >= 0: ${value}`);
      (resolved as Record<string, unknown>)[name] = value;
      continue;
    }
    if (!Number.isSafeInteger(value) || (value as number) < 1) invalid(`option ${name} must be a positive integer: ${value}`);
    (resolved as Record<string, unknown>)[name] = value;
  }
  if (resolved.queueEntriesMax < resolved.writeEntriesMax) invalid("queueEntriesMax must be >= writeEntriesMax");
  if (resolved.queueBytesMax < resolved.writeBytesMax) invalid("queueBytesMax must be >= writeBytesMax");
  if (resolved.writeBytesMax < resolved.entryBytesMax) invalid("writeBytesMax must be >= entryBytesMax");
  return resolved;
}

function invalid(message: string): never {
  throw new StorageError(StorageErrorReason.INVALID_ARGUMENT, message);
}
