import { formatZxid } from "@warden/protocol";
import { decodeLegacyLogValue, decodeLogRecord, logCorrupt, type LogEntry, type LogRecord } from "./codec.js";
import { StorageError, StorageErrorReason } from "./errors.js";
import { LEGACY_LOG_RANGE, LOG_RANGE, logKey, zxidOfLogKey, type LogRange } from "./keys.js";
import type { Database } from "./writer.js";

/** Records fetched from LevelDB per iterator step while streaming the log. */
const READ_BATCH_RECORDS = 1024;
/**
 * Bytes one step may hold (classic-level's highWaterMarkBytes, 16 KiB by default: a round trip
 * to LevelDB's thread per record or two of a busy server's group commits).
 */
const READ_BATCH_BYTES = 1024 * 1024;

/** Format 1's entries (if any are left) come before every record of format 2. */
const RANGES_IN_ZXID_ORDER = [LEGACY_LOG_RANGE, LOG_RANGE] as const;

/**
 * Streams the log entries after `fromExclusive`, verifying each record's checksum and the chain
 * of prevZxid links; any damage throws LOG_CORRUPT naming the record's zxid. Reads a consistent
 * view of each key range: writes made after its first step are not seen.
 */
export async function* readLogEntries(db: Database, fromExclusive: bigint, file: string): AsyncGenerator<LogEntry> {
  let previousZxid: bigint | undefined;
  for (const range of RANGES_IN_ZXID_ORDER) {
    const iterator = db.iterator({ gt: logKey(fromExclusive, range), lt: range.end, highWaterMarkBytes: READ_BATCH_BYTES });
    try {
      for (;;) {
        const rows = await nextRows(iterator, file);
        if (rows.length === 0) break;
        for (const [key, value] of rows) {
          const zxid = verifiedZxid(key, file);
          const record = decodeRecord(range, key, zxid, value);
          if (!record) throw logCorrupt(zxid, recordWhat(range, "fails its checksum"), file);
          // The first record read may hold entries at or before the start: the entry before
          // the first one returned must be at or before it; each later record follows the last.
          let first = 0;
          while (record.entries[first]!.zxid <= fromExclusive) first++;
          const before = first > 0 ? record.entries[first - 1]!.zxid : record.prevZxid;
          if (previousZxid === undefined ? before > fromExclusive : before !== previousZxid) {
            const expected = previousZxid === undefined ? `at most ${formatZxid(fromExclusive)}` : formatZxid(previousZxid);
            throw logCorrupt(
              record.entries[first]!.zxid,
              `follows ${formatZxid(before)} but the entry before it is ${expected}: entries are missing`,
              file,
            );
          }
          for (let i = first; i < record.entries.length; i++) yield record.entries[i]!;
          previousZxid = zxid;
        }
      }
    } finally {
      await iterator.close();
    }
  }
}

export interface TailRepair {
  /** Zxid of the last entry that verifies (0n when the log is empty). */
  lastZxid: bigint;
  /** The damaged records cut from the end of the log, if any: the entries after `afterZxid` up to `toZxid`. */
  cut: { afterZxid: bigint; toZxid: bigint; records: number } | undefined;
}

/**
 * A torn or damaged tail: records failing their checksum with no valid record after them.
 * They are deleted (synced). More of them than one write makes (a record of format 2,
 * `legacyCutMax` entries of format 1) cannot be one torn write, so that refuses instead.
 * Damage before a valid record is left for readLog to report.
 */
export async function repairTail(db: Database, legacyCutMax: number, file: string): Promise<TailRepair> {
  const damaged: Uint8Array[] = [];
  let lastZxid: bigint | undefined;
  for (const range of [...RANGES_IN_ZXID_ORDER].reverse()) {
    // One torn write is one record of format 2, or up to a write's entries of format 1; a cut
    // in the newer range leaves none to cut in the older one.
    const cutMax = damaged.length > 0 ? damaged.length : range === LOG_RANGE ? 1 : legacyCutMax;
    lastZxid = await lastValid(db, range, damaged, cutMax, file);
    if (lastZxid !== undefined) break;
  }
  lastZxid ??= 0n;
  if (damaged.length === 0) return { lastZxid, cut: undefined };
  await db.batch(
    damaged.map((key) => ({ type: "del" as const, key })),
    { sync: true },
  );
  return { lastZxid, cut: { afterZxid: lastZxid, toZxid: zxidOfLogKey(damaged[0]!)!, records: damaged.length } };
}

/** The zxid of the last record of `range` that verifies; adds the damaged ones after it to `damaged`. */
async function lastValid(db: Database, range: LogRange, damaged: Uint8Array[], cutMax: number, file: string): Promise<bigint | undefined> {
  const iterator = db.iterator({ gte: range.start, lt: range.end, reverse: true });
  try {
    for (;;) {
      const rows = await nextRows(iterator, file);
      if (rows.length === 0) return undefined;
      for (const [key, value] of rows) {
        const zxid = verifiedZxid(key, file);
        if (decodeRecord(range, key, zxid, value)) return zxid;
        damaged.push(key);
        if (damaged.length > cutMax) {
          throw logCorrupt(
            zxid,
            recordWhat(range, `and ${damaged.length - 1} records after it fail their checksums: more than one write holds`),
            file,
          );
        }
      }
    }
  } finally {
    await iterator.close();
  }
}

function decodeRecord(range: LogRange, key: Uint8Array, zxid: bigint, value: Uint8Array): LogRecord | undefined {
  return range === LOG_RANGE ? decodeLogRecord(key, zxid, value) : decodeLegacyLogValue(key, zxid, value);
}

function recordWhat(range: LogRange, what: string): string {
  return range === LOG_RANGE ? `(the record of the group ending there) ${what}` : what;
}

function verifiedZxid(key: Uint8Array, file: string): bigint {
  const zxid = zxidOfLogKey(key);
  if (zxid === undefined) throw new StorageError(StorageErrorReason.LOG_CORRUPT, `a log key of ${key.length} bytes in ${file}`, { file });
  return zxid;
}

type RowIterator = { nextv(size: number): Promise<Array<[Uint8Array, Uint8Array]>> };

async function nextRows(iterator: RowIterator, file: string): Promise<Array<[Uint8Array, Uint8Array]>> {
  try {
    return await iterator.nextv(READ_BATCH_RECORDS);
  } catch (error) {
    throw databaseFailed(error, file);
  }
}

export function databaseFailed(error: unknown, file: string): StorageError {
  const message = (error as Error)?.message ?? String(error);
  return new StorageError(StorageErrorReason.DATABASE_FAILED, `LevelDB in ${file}: ${message}`, { file, cause: error });
}
