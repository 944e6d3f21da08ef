// When a snapshot is begun: ZooKeeper's rule (SyncRequestProcessor.shouldSnapshot), a point
// drawn in the upper half of snapCount, or of snapSizeLimitInKb's bytes, drawn again after each.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SnapshotSchedule } from "../src/core/snapshot-schedule.js";

/** Txns of `bytesEach` applied one at a time until the schedule says a snapshot is due. */
function txnsUntilDue(schedule: SnapshotSchedule, bytesEach: number): number {
  for (let n = 1; ; n++) if (schedule.due(n, n * bytesEach)) return n;
}

describe("the snapshot schedule", () => {
  it("is due once the txns pass a point drawn between snapCount/2 + 1 and snapCount, drawn again after each snapshot", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 100_000 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 8 }),
        (snapCount, draws) => {
          let i = 0;
          const schedule = new SnapshotSchedule({ txns: snapCount, bytes: 0 }, () => draws[i++ % draws.length]!);
          const half = Math.floor(snapCount / 2);
          for (let k = 0; k < 3; k++) {
            const draw = draws[k % draws.length]!;
            const n = txnsUntilDue(schedule, 100);
            expect(n).toBe(half + Math.floor(draw * half) + 1);
            expect(n).toBeGreaterThan(half);
            expect(n).toBeLessThanOrEqual(snapCount);
          }
        },
      ),
    );
  });

  it("is due by bytes before snapCount when the txns are large, and never by bytes when the limit is 0 or less", () => {
    const mid = () => 0.5;
    // 4 KiB limit: the point is 2048 + 1024 bytes; 100-byte txns pass it at the 31st.
    expect(txnsUntilDue(new SnapshotSchedule({ txns: 100_000, bytes: 4096 }, mid), 100)).toBe(31);
    expect(txnsUntilDue(new SnapshotSchedule({ txns: 100, bytes: 0 }, mid), 1_000_000)).toBe(76);
    expect(txnsUntilDue(new SnapshotSchedule({ txns: 100, bytes: -1 }, mid), 1_000_000)).toBe(76);
  });

  it("spreads the points of servers that draw apart (Math.random): not every one at snapCount", () => {
    const points = new Set(Array.from({ length: 20 }, () => txnsUntilDue(new SnapshotSchedule({ txns: 1000, bytes: 0 }), 1)));
    expect(points.size).toBeGreaterThan(1);
    for (const p of points) expect(p).toBeGreaterThan(500);
  });
});
