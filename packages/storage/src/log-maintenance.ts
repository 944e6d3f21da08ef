import { writeBatch } from "./level-write.js";
import { LOG_RANGE_END, LOG_RANGE_START, logKey, zxidOfLogKey } from "./keys.js";
import type { Database } from "./writer.js";

/** Keys deleted per LevelDB batch while truncating or purging. */
export const DELETE_CHUNK_ENTRIES = 10_000;

/**
 * Deletes every entry after `zxid`, newest first, one synced batch per chunk: a crash part way
 * leaves a shorter log that is still a prefix, never one with a hole. Returns the zxid of the
 * last entry left (0n when none).
 */
export async function deleteLogAfter(db: Database, zxid: bigint): Promise<bigint> {
  for (;;) {
    const keys = await db.keys({ gt: logKey(zxid), lt: LOG_RANGE_END, reverse: true, limit: DELETE_CHUNK_ENTRIES }).all();
    if (keys.length === 0) break;
    await writeBatch(
      db,
      keys.map((key) => ({ type: "del" as const, key })),
      true,
    );
  }
  const [last] = await db.keys({ gte: LOG_RANGE_START, lte: logKey(zxid), reverse: true, limit: 1 }).all();
  return last === undefined ? 0n : zxidOfLogKey(last);
}

/**
 * Deletes every entry up to and including `zxid`, oldest first. Not synced: entries a crash
 * brings back lie below the durable floor, are never read, and go at the next purge.
 */
export async function deleteLogThrough(db: Database, zxid: bigint): Promise<number> {
  let deleted = 0;
  for (;;) {
    const keys = await db.keys({ gte: LOG_RANGE_START, lte: logKey(zxid), limit: DELETE_CHUNK_ENTRIES }).all();
    if (keys.length === 0) return deleted;
    await writeBatch(
      db,
      keys.map((key) => ({ type: "del" as const, key })),
      false,
    );
    deleted += keys.length;
  }
}
