// Reading the log at restart: classic-level's iterator stops a nextv() step at 16 KiB by
// default, a record or two of a busy server's group commits (and, when each entry was a record,
// about 120 entries: replaying 100k entries took some 800 round trips to LevelDB's thread).
// The reader asks for READ_BATCH_RECORDS per step and lets a step hold up to READ_BATCH_BYTES.
import { ClassicLevel } from "classic-level";
import { describe, expect, it } from "vitest";
import { Storage } from "@warden/storage";
import { LOG_RANGE } from "../src/keys.js";
import { readLogEntries } from "../src/log-reader.js";
import { layoutOf } from "../src/open.js";
import { entries, range, tempDir, track } from "./helpers.js";

describe("reading the log in steps", () => {
  it("takes 1,024 records of 200 bytes per iterator step, and stops a step at about 1 MiB of large ones", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir, { forceSync: false }));
    // One write, so one record, per entry.
    for (let zxid = 1n; zxid <= 3000n; zxid++) await storage.append(entries(zxid, 1, 200));
    for (let zxid = 3001n; zxid <= 3300n; zxid++) await storage.append(entries(zxid, 1, 16 * 1024));
    await storage.close();

    const db = new ClassicLevel<Uint8Array, Uint8Array>(layoutOf(dir).databaseDir, { keyEncoding: "view", valueEncoding: "view" });
    await db.open();
    try {
      const steps: number[] = [];
      const iterator = db.iterator.bind(db);
      const counting = Object.create(db) as typeof db;
      counting.iterator = ((options: Parameters<typeof db.iterator>[0]) => {
        const it = iterator(options);
        if ((options?.lt as Uint8Array | undefined)?.[0] !== LOG_RANGE.end[0]) return it; // format 1's range: empty
        const nextv = it.nextv.bind(it);
        it.nextv = (async (size: number) => {
          const rows = await nextv(size);
          steps.push(rows.length);
          return rows;
        }) as typeof it.nextv;
        return it;
      }) as typeof db.iterator;

      const zxids: bigint[] = [];
      for await (const entry of readLogEntries(counting, 0n, "test")) zxids.push(entry.zxid);
      expect(zxids).toEqual(range(1n, 3300n));
      // 3,000 small records: two full steps, then the rest with the first large ones.
      expect(steps.slice(0, 2)).toEqual([1024, 1024]);
      // 16 KiB records: a step ends once it has passed 1 MiB, at 64 or 65 records.
      const large = steps.slice(3, -2);
      expect(large.length).toBeGreaterThan(0);
      for (const n of large) expect(n).toBeGreaterThanOrEqual(64), expect(n).toBeLessThanOrEqual(65);
      expect(steps.at(-1)).toBe(0);
    } finally {
      await db.close();
    }
  });
});
