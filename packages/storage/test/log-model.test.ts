// The log against a model: random groups of appends (one record each), truncations to any zxid
// (inside a record, between records, in a gap of the zxids), snapshots with purges, reopens,
// and a start from a database of format 1. After every step, reading from any zxid at or above
// the floor returns exactly the model's entries after it, byte for byte.
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Storage } from "@warden/storage";
import { propertyRuns } from "../../testing/src/sizes.js";
import { collect, entries, payloadOf, tempDir, writeFormat1 } from "./helpers.js";

type Step =
  | { kind: "append"; batches: number[]; step: number }
  | { kind: "truncate"; at: number }
  | { kind: "snapshot-and-purge" }
  | { kind: "reopen" }
  | { kind: "read"; at: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("append" as const),
      batches: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
      step: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("snapshot-and-purge" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reopen" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("read" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
);

/** A zxid between `low` and `high` (inclusive) at fraction `at`. */
const between = (low: bigint, high: bigint, at: number): bigint => low + BigInt(Math.floor(Number(high - low) * at));

describe("the log against a model", () => {
  it("reads back exactly the model's entries after appends, truncations, purges and reopens, from format 1 or 2", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 12 }), fc.array(step, { minLength: 1, maxLength: 25 }), async (format1Entries, steps) => {
        const dir = await tempDir();
        let model: bigint[] = [];
        if (format1Entries > 0) {
          model = entries(1n, format1Entries).map((e) => e.zxid);
          await writeFormat1(join(dir, "db"), entries(1n, format1Entries));
        }
        let storage = await Storage.open(dir, { forceSync: false });
        // lastZxid: the last entry appended, or the point truncated to if lower (even between entries).
        let last = model.at(-1) ?? 0n;
        const check = async (from: bigint) => {
          const read = await collect(storage.readLog(from));
          expect(read.map((e) => e.zxid)).toEqual(model.filter((z) => z > from));
          for (const e of read) expect(e.data).toEqual(payloadOf(e.zxid));
        };
        try {
          for (const s of steps) {
            if (s.kind === "append") {
              // Issued in one tick: one write, so one record, for all of them.
              let next = last + BigInt(s.step);
              const writes = s.batches.map((n) => {
                const batch = entries(next, n);
                next += BigInt(n);
                return storage.append(batch);
              });
              await Promise.all(writes);
              for (let z = last + BigInt(s.step); z < next; z++) model.push(z);
              last = next - 1n;
            } else if (s.kind === "truncate") {
              const zxid = between(storage.logFloorZxid, last, s.at);
              await storage.truncateAfter(zxid);
              model = model.filter((z) => z <= zxid);
              last = zxid;
            } else if (s.kind === "snapshot-and-purge") {
              if (last > storage.logFloorZxid && !(await storage.listSnapshots()).includes(last)) {
                await storage.writeSnapshot(last, [Uint8Array.of(1)]);
              }
              const result = await storage.purge(3);
              model = model.filter((z) => z > result.logFloorZxid);
            } else if (s.kind === "reopen") {
              await storage.close();
              storage = await Storage.open(dir, { forceSync: false });
              const lastEntry = model.at(-1) ?? 0n;
              last = lastEntry > storage.logFloorZxid ? lastEntry : storage.logFloorZxid;
            } else {
              await check(between(storage.logFloorZxid, last, s.at));
            }
            expect(storage.lastZxid).toBe(last);
            await check(storage.logFloorZxid);
          }
        } finally {
          await storage.close();
        }
      }),
      propertyRuns(40),
    );
  });
});
