import { formatZxid } from "@warden/protocol";
import { decodeCheckedValue, encodeCheckedValue, type LogEntry } from "./codec.js";
import { StorageError, StorageErrorReason } from "./errors.js";
import { assertZxid, FLOOR_KEY, metaKey } from "./keys.js";
import { deleteLogAfter, deleteLogThrough } from "./log-maintenance.js";
import { readLogEntries, repairTail, type TailRepair } from "./log-reader.js";
import { checkFormat, floorValue, checkPlacement, layoutOf, recordLogDir, openDatabase, readFloor, type DirectoryLayout } from "./open.js";
import { resolveOptions, SNAPSHOT_RETAIN_COUNT_MIN, type ResolvedStorageOptions, type StorageOptions } from "./options.js";
import { listSnapshotZxids, removeTemporaryFiles } from "./snapshot-files.js";
import type { SnapshotReader } from "./snapshot-reader.js";
import type { SnapshotChunks, WrittenSnapshot } from "./snapshot-writer.js";
import { SnapshotStore, type LoadedSnapshot } from "./snapshots.js";
import { GroupCommitWriter, type Database, type WriterStats } from "./writer.js";

/** What `Storage.open` found and repaired. */
export interface RecoveryInfo {
  /** The zxid appends must exceed: the last log entry, or the log floor if that is higher. */
  lastZxid: bigint;
  /** Entries at or below this may be missing (purged, or replaced by an installed snapshot). */
  logFloorZxid: bigint;
  /** Complete snapshot files found, ascending (not yet verified: loadNewestSnapshot does that). */
  snapshotZxids: bigint[];
  /** Damaged entries cut from the end of the log (a torn write), if any. */
  truncatedTail: TailRepair["cut"];
  /** Half-written snapshot files removed. */
  removedTemporaryFiles: number;
}

export interface PurgeResult {
  retainedSnapshotZxids: bigint[];
  deletedSnapshotZxids: bigint[];
  deletedEntries: number;
  logFloorZxid: bigint;
}

/**
 * One server's durable state: the transaction log and small values in LevelDB, snapshots as
 * files beside it. See README.md for the layout, the guarantees and the recovery procedure.
 */
export class Storage {
  private readonly writer: GroupCommitWriter;
  private readonly snapshots: SnapshotStore;
  private floorZxid: bigint;
  private closing: Promise<void> | undefined;
  private purging: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly layout: DirectoryLayout,
    private readonly db: Database,
    private readonly options: ResolvedStorageOptions,
    readonly recovery: RecoveryInfo,
    lastEntryZxid: bigint,
  ) {
    this.floorZxid = recovery.logFloorZxid;
    this.writer = new GroupCommitWriter(db, options, recovery.lastZxid, lastEntryZxid);
    this.snapshots = new SnapshotStore(layout.snapshotDir, {
      chunkBytesMax: options.snapshotChunkBytesMax,
      ioBytes: options.snapshotIoBytes,
      syncBytes: options.snapshotSyncBytes,
    });
  }

  /**
   * Locks `dir` (LOCKED if another Storage has it), checks the format version, removes
   * half-written snapshots, cuts a damaged tail off the log, and reports what it found.
   * `logDir` (ZooKeeper's dataLogDir) holds the log database instead of `dir`; snapshots stay in
   * `dir`. Data found where that layout does not look is refused (MISPLACED_DATA).
   */
  static async open(dir: string, options?: StorageOptions, logDir?: string): Promise<Storage> {
    const resolved = resolveOptions(options);
    const layout = layoutOf(dir, logDir);
    await checkPlacement(layout);
    const db = await openDatabase(layout, resolved);
    try {
      await checkFormat(db, layout.databaseDir);
      await recordLogDir(layout);
      const removedTemporaryFiles = await removeTemporaryFiles(layout.snapshotDir);
      const repair = await repairTail(db, resolved.writeEntriesMax, layout.databaseDir);
      const snapshotZxids = await listSnapshotZxids(layout.snapshotDir);
      let floor = await readFloor(db, layout.databaseDir);
      // A snapshot newer than the whole log was installed (or the tail after it was cut):
      // the log cannot serve the zxids before it. Normally recorded by writeSnapshot; this
      // covers a crash between the snapshot's rename and that record.
      const newest = snapshotZxids.at(-1) ?? 0n;
      if (newest > repair.lastZxid && newest > floor) {
        floor = newest;
        await db.put(FLOOR_KEY, floorValue(floor), { sync: true });
      }
      const lastZxid = repair.lastZxid > floor ? repair.lastZxid : floor;
      const recovery = { lastZxid, logFloorZxid: floor, snapshotZxids, truncatedTail: repair.cut, removedTemporaryFiles };
      return new Storage(layout, db, resolved, recovery, repair.lastZxid);
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  get dir(): string {
    return this.layout.dir;
  }

  /** The zxid the next append must exceed (accepted, not necessarily durable yet). */
  get lastZxid(): bigint {
    return this.writer.lastAcceptedZxid;
  }

  get logFloorZxid(): bigint {
    return this.floorZxid;
  }

  get stats(): Readonly<WriterStats> {
    return this.writer.stats;
  }

  /**
   * Appends entries (zxids strictly increasing, above `lastZxid`); resolves once they are
   * durable. Concurrent calls share fsyncs (group commit); a full queue makes calls wait.
   */
  append(entries: readonly LogEntry[]): Promise<void> {
    this.checkOpen();
    return this.writer.append(entries);
  }

  /** Streams durable entries after `fromZxidExclusive`, verified; LOG_PURGED below the floor. */
  readLog(fromZxidExclusive: bigint): AsyncIterable<LogEntry> {
    assertZxid(fromZxidExclusive, "fromZxidExclusive");
    this.checkOpen();
    if (fromZxidExclusive < this.floorZxid) {
      throw new StorageError(
        StorageErrorReason.LOG_PURGED,
        `the log before ${formatZxid(this.floorZxid)} is gone; cannot read from ${formatZxid(fromZxidExclusive)}`,
        { zxid: fromZxidExclusive },
      );
    }
    return readLogEntries(this.db, fromZxidExclusive, this.layout.databaseDir);
  }

  /** Reads and verifies the whole log after `fromZxidExclusive` (default: the floor). */
  async verifyLog(fromZxidExclusive = this.floorZxid): Promise<{ entries: number; lastZxid: bigint }> {
    let entries = 0;
    let lastZxid = fromZxidExclusive;
    for await (const entry of this.readLog(fromZxidExclusive)) {
      entries++;
      lastZxid = entry.zxid;
    }
    return { entries, lastZxid };
  }

  /**
   * Deletes every entry after `zxid` and every snapshot above it (they hold that state), after
   * the writes accepted before this call; appends made after it continue above `zxid`.
   */
  async truncateAfter(zxid: bigint): Promise<void> {
    assertZxid(zxid, "zxid");
    this.checkOpen();
    if (zxid < this.floorZxid) {
      throw new StorageError(
        StorageErrorReason.LOG_PURGED,
        `cannot truncate to ${formatZxid(zxid)}, below the log floor ${formatZxid(this.floorZxid)}`,
        { zxid },
      );
    }
    this.snapshots.abortAbove(zxid, `log truncated to ${formatZxid(zxid)}`);
    const tail = this.writer.lastAcceptedZxid;
    await this.writer.exclusive(
      async () => {
        await this.snapshots.delete((await this.snapshots.list()).filter((z) => z > zxid));
        return deleteLogAfter(this.db, zxid, this.layout.databaseDir);
      },
      zxid < tail ? zxid : tail,
    );
  }

  /** Stores a small value durably, ordered with appends (it shares their group commit). */
  setMeta(key: string, value: Uint8Array): Promise<void> {
    this.checkOpen();
    const encodedKey = metaKey(key);
    if (!(value instanceof Uint8Array) || value.length > this.options.metaValueBytesMax) {
      throw new StorageError(
        StorageErrorReason.INVALID_ARGUMENT,
        `meta value must be a Uint8Array of at most ${this.options.metaValueBytesMax} bytes`,
      );
    }
    return this.writer.put(encodedKey, encodeCheckedValue(encodedKey, value));
  }

  /** The value last stored durably under `key` (a setMeta not yet resolved may not be seen). */
  async getMeta(key: string): Promise<Uint8Array | undefined> {
    this.checkOpen();
    const encodedKey = metaKey(key);
    const stored = await this.db.get(encodedKey);
    if (stored === undefined) return undefined;
    const value = decodeCheckedValue(encodedKey, stored);
    if (value === undefined) {
      throw new StorageError(StorageErrorReason.META_CORRUPT, `meta value "${key}" in ${this.layout.databaseDir} fails its checksum`, {
        file: this.layout.databaseDir,
      });
    }
    return value;
  }

  /**
   * Writes a snapshot of the state at `zxid` from a stream of chunks; visible only once
   * complete and durable. A snapshot ahead of the log (installed from a leader) raises the
   * log floor to `zxid`: appends continue after it. One at a time.
   */
  async writeSnapshot(zxid: bigint, chunks: SnapshotChunks): Promise<WrittenSnapshot> {
    assertZxid(zxid, "zxid");
    this.checkOpen();
    if (zxid < this.floorZxid) {
      throw new StorageError(
        StorageErrorReason.LOG_PURGED,
        `snapshot ${formatZxid(zxid)} is below the log floor ${formatZxid(this.floorZxid)}`,
        { zxid },
      );
    }
    const written = await this.snapshots.write(zxid, chunks);
    if (zxid > this.writer.lastAcceptedZxid) {
      await this.writer.exclusive(async () => {
        await this.db.put(FLOOR_KEY, floorValue(zxid), { sync: true });
        this.floorZxid = zxid;
        return undefined;
      }, zxid);
    }
    return written;
  }

  /** Zxids of complete snapshot files, ascending. */
  listSnapshots(): Promise<bigint[]> {
    this.checkOpen();
    return this.snapshots.list();
  }

  openSnapshot(zxid: bigint): Promise<SnapshotReader> {
    assertZxid(zxid, "zxid");
    this.checkOpen();
    return this.snapshots.open(zxid);
  }

  /** Recovery: the newest snapshot `consume` reads without a checksum failure (see SnapshotStore). */
  loadNewestSnapshot<T>(consume: (snapshot: SnapshotReader) => Promise<T>): Promise<LoadedSnapshot<T>> {
    this.checkOpen();
    return this.snapshots.loadNewest(this.floorZxid, consume);
  }

  /**
   * Keeps the newest `retainCount` (>= 3) snapshots, deletes older ones and the log entries
   * below the oldest kept one. Does nothing until `retainCount` snapshots exist, so recovery
   * always has that many to fall back on, or the whole log.
   */
  purge(retainCount = SNAPSHOT_RETAIN_COUNT_MIN): Promise<PurgeResult> {
    this.checkOpen();
    if (!Number.isSafeInteger(retainCount) || retainCount < SNAPSHOT_RETAIN_COUNT_MIN) {
      throw new StorageError(
        StorageErrorReason.INVALID_ARGUMENT,
        `retainCount must be an integer >= ${SNAPSHOT_RETAIN_COUNT_MIN}: ${retainCount}`,
      );
    }
    const result = this.purging.then(() => this.purgeNow(retainCount));
    this.purging = result.catch(() => undefined);
    return result;
  }

  private async purgeNow(retainCount: number): Promise<PurgeResult> {
    let retained: bigint[] = [];
    let doomed: bigint[] = [];
    await this.writer.exclusive(async () => {
      const zxids = await this.snapshots.list();
      if (zxids.length < retainCount) return undefined;
      retained = zxids.slice(-retainCount);
      doomed = zxids.slice(0, -retainCount);
      const floor = retained[0]! - 1n;
      if (floor > this.floorZxid) {
        await this.db.put(FLOOR_KEY, floorValue(floor), { sync: true });
        this.floorZxid = floor;
      }
      return undefined;
    });
    await this.snapshots.delete(doomed);
    const deletedEntries = retained.length > 0 ? await deleteLogThrough(this.db, this.floorZxid) : 0;
    return { retainedSnapshotZxids: retained, deletedSnapshotZxids: doomed, deletedEntries, logFloorZxid: this.floorZxid };
  }

  /** Waits for accepted writes, abandons a snapshot being written, releases the lock. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.snapshots.abortAndWait("storage closed");
      await this.writer.close();
      await this.purging;
      await this.db.close();
    })();
    return this.closing;
  }

  private checkOpen(): void {
    if (this.closing) throw new StorageError(StorageErrorReason.CLOSED, `storage ${this.layout.dir} is closed`);
    const failure = this.writer.failed;
    if (failure) throw failure;
  }
}
