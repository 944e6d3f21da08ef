import { formatZxid } from "@warden/protocol";
import { decodeLogValue, logCorrupt, type LogEntry } from "./codec.js";
import { StorageError, StorageErrorReason } from "./errors.js";
import { LOG_RANGE_END, LOG_RANGE_START, logKey, zxidOfLogKey } from "./keys.js";
import type { Database } from "./writer.js";

/** Entries fetched from LevelDB per iterator step while streaming the log. */
const READ_BATCH_ENTRIES = 1024;
/**
 * Bytes one step may hold (classic-level's highWaterMarkBytes, 16 KiB by default: about 75
 * entries of 200 bytes, so a replay made a round trip to LevelDB's thread per 75 entries).
 */
const READ_BATCH_BYTES = 1024 * 1024;

/**
 * Streams the log entries after `fromExclusive`, verifying each checksum and the chain of
 * prevZxid links; any damage throws LOG_CORRUPT naming the entry. Reads a consistent view:
 * writes made after the first step are not seen.
 */
export async function* readLogEntries(db: Database, fromExclusive: bigint, file: string): AsyncGenerator<LogEntry> {
  const iterator = db.iterator({ gt: logKey(fromExclusive), lt: LOG_RANGE_END, highWaterMarkBytes: READ_BATCH_BYTES });
  let previousZxid: bigint | undefined;
  try {
    for (;;) {
      const rows = await nextRows(iterator, file);
      if (rows.length === 0) return;
      for (const [key, value] of rows) {
        const entry = verifiedEntry(key, value, file);
        if (previousZxid === undefined ? entry.prevZxid > fromExclusive : entry.prevZxid !== previousZxid) {
          const expected = previousZxid === undefined ? `at most ${formatZxid(fromExclusive)}` : formatZxid(previousZxid);
          throw logCorrupt(
            entry.zxid,
            `follows ${formatZxid(entry.prevZxid)} but the entry before it is ${expected}: entries are missing`,
            file,
          );
        }
        previousZxid = entry.zxid;
        yield { zxid: entry.zxid, data: entry.data };
      }
    }
  } finally {
    await iterator.close();
  }
}

export interface TailRepair {
  /** Zxid of the last entry that verifies (0n when the log is empty). */
  lastZxid: bigint;
  /** The damaged entries cut from the end of the log, if any. */
  cut: { fromZxid: bigint; toZxid: bigint; entries: number } | undefined;
}

/**
 * A torn or damaged tail: entries failing their checksum with no valid entry after them.
 * They are deleted (synced). More of them than one write can hold cannot be one torn write,
 * so that refuses instead. Damage before a valid entry is left for readLog to report.
 */
export async function repairTail(db: Database, cutEntriesMax: number, file: string): Promise<TailRepair> {
  const iterator = db.iterator({ gte: LOG_RANGE_START, lt: LOG_RANGE_END, reverse: true });
  const damaged: Uint8Array[] = [];
  let lastZxid = 0n;
  try {
    for (;;) {
      const rows = await nextRows(iterator, file);
      if (rows.length === 0) break;
      const misshapen = rows.find(([key]) => key.length !== 9);
      if (misshapen)
        throw new StorageError(StorageErrorReason.LOG_CORRUPT, `a log key of ${misshapen[0].length} bytes in ${file}`, { file });
      const valid = rows.findIndex(([key, value]) => isValid(key, value));
      for (const [key] of valid === -1 ? rows : rows.slice(0, valid)) damaged.push(key);
      if (damaged.length > cutEntriesMax) {
        throw logCorrupt(
          zxidOfLogKey(damaged[damaged.length - 1]!),
          `and ${damaged.length - 1} entries after it fail their checksums: more than one write holds`,
          file,
        );
      }
      if (valid !== -1) {
        lastZxid = zxidOfLogKey(rows[valid]![0]);
        break;
      }
    }
  } finally {
    await iterator.close();
  }
  if (damaged.length === 0) return { lastZxid, cut: undefined };
  await db.batch(
    damaged.map((key) => ({ type: "del" as const, key })),
    { sync: true },
  );
  const cut = { fromZxid: zxidOfLogKey(damaged[damaged.length - 1]!), toZxid: zxidOfLogKey(damaged[0]!), entries: damaged.length };
  return { lastZxid, cut };
}

function isValid(key: Uint8Array, value: Uint8Array): boolean {
  return decodeLogValue(key, zxidOfLogKey(key), value) !== undefined;
}

function verifiedEntry(key: Uint8Array, value: Uint8Array, file: string) {
  if (key.length !== 9) throw new StorageError(StorageErrorReason.LOG_CORRUPT, `a log key of ${key.length} bytes in ${file}`, { file });
  const zxid = zxidOfLogKey(key);
  const entry = decodeLogValue(key, zxid, value);
  if (!entry) throw logCorrupt(zxid, "fails its checksum", file);
  return entry;
}

type RowIterator = { nextv(size: number): Promise<Array<[Uint8Array, Uint8Array]>> };

async function nextRows(iterator: RowIterator, file: string): Promise<Array<[Uint8Array, Uint8Array]>> {
  try {
    return await iterator.nextv(READ_BATCH_ENTRIES);
  } catch (error) {
    throw databaseFailed(error, file);
  }
}

export function databaseFailed(error: unknown, file: string): StorageError {
  const message = (error as Error)?.message ?? String(error);
  return new StorageError(StorageErrorReason.DATABASE_FAILED, `LevelDB in ${file}: ${message}`, { file, cause: error });
}
