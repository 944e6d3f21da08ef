import { decodeLogRecord, encodeLogRecord, entriesOfLogValue, logCorrupt } from "./codec.js";
import { LEGACY_LOG_RANGE, LOG_RANGE, logKey, zxidOfLogKey, type LogRange } from "./keys.js";
import { writeBatch } from "./level-write.js";
import type { Database } from "./writer.js";

/** Records deleted per LevelDB batch while truncating or purging. */
export const DELETE_CHUNK_RECORDS = 10_000;

/**
 * Deletes every entry after `zxid`, newest first, one synced batch per chunk: a crash part way
 * leaves a shorter log that is still a prefix, never one with a hole. The record holding both
 * `zxid` and entries after it is replaced by one of its entries up to `zxid`, in the last batch.
 * Returns the zxid of the last entry left (0n when none).
 */
export async function deleteLogAfter(db: Database, zxid: bigint, file: string): Promise<bigint> {
  const [straddling] = await db.iterator({ gt: logKey(zxid), lt: LOG_RANGE.end, limit: 1 }).all();
  if (straddling) {
    const [key, value] = straddling;
    const record = decodeLogRecord(key, zxidOfLogKey(key)!, value);
    if (!record) throw logCorrupt(zxidOfLogKey(key)!, "(the record of the group ending there) fails its checksum", file);
    await deleteNewestFirst(db, key, LOG_RANGE);
    const prefix = record.entries.filter((entry) => entry.zxid <= zxid);
    const kept = prefix.length > 0 ? [encodeLogRecord([prefix], record.prevZxid)] : [];
    await writeBatch(db, [{ type: "del", key }, ...kept.map(({ key, value }) => ({ type: "put" as const, key, value }))], true);
  }
  await deleteNewestFirst(db, logKey(zxid, LEGACY_LOG_RANGE), LEGACY_LOG_RANGE);
  for (const range of [LOG_RANGE, LEGACY_LOG_RANGE]) {
    const [last] = await db.keys({ gte: range.start, lte: logKey(zxid, range), reverse: true, limit: 1 }).all();
    if (last !== undefined) return zxidOfLogKey(last)!;
  }
  return 0n;
}

/** Deletes the records of `range` after `key`, newest first, one synced batch per chunk. */
async function deleteNewestFirst(db: Database, key: Uint8Array, range: LogRange): Promise<void> {
  for (;;) {
    const keys = await db.keys({ gt: key, lt: range.end, reverse: true, limit: DELETE_CHUNK_RECORDS }).all();
    if (keys.length === 0) return;
    await writeBatch(
      db,
      keys.map((k) => ({ type: "del" as const, key: k })),
      true,
    );
  }
}

/**
 * Deletes every record whose entries are all at or before `zxid`, oldest first, and returns how
 * many entries they held. Not synced: records a crash brings back lie below the durable floor,
 * are never read, and go at the next purge. A record holding entries on both sides stays whole.
 */
export async function deleteLogThrough(db: Database, zxid: bigint): Promise<number> {
  let deleted = 0;
  for (const range of [LEGACY_LOG_RANGE, LOG_RANGE]) deleted += await deleteRangeThrough(db, range, zxid);
  return deleted;
}

async function deleteRangeThrough(db: Database, range: LogRange, zxid: bigint): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await db.iterator({ gte: range.start, lte: logKey(zxid, range), limit: DELETE_CHUNK_RECORDS }).all();
    if (rows.length === 0) return deleted;
    await writeBatch(
      db,
      rows.map(([key]) => ({ type: "del" as const, key })),
      false,
    );
    for (const [, value] of rows) deleted += entriesOfLogValue(value, range === LEGACY_LOG_RANGE);
  }
}
