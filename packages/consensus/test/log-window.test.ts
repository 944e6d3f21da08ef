// The in-memory log is bounded by bytes as well as entries: the fuzz campaign's 400 setData of
// 1 MiB held 536 MiB in a leader whose window counted only entries (10,000 of them).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ReplicaLog } from "../src/log.js";
import { TestNet } from "./net.js";

const entry = (z: number, bytes: number) => ({ zxid: BigInt(z), payload: new Uint8Array(bytes) });

describe("the in-memory log window", () => {
  it("counts the payload bytes it holds through append, truncation, compaction and reset", () => {
    const log = new ReplicaLog(0n, [entry(1, 10), entry(2, 20)]);
    expect(log.bytes).toBe(30);
    log.append(entry(3, 30));
    log.append({ zxid: 4n, payload: null });
    expect(log.bytes).toBe(60);
    log.truncateAfter(2n);
    expect(log.bytes).toBe(30);
    log.compactThrough(1n);
    expect(log.bytes).toBe(20);
    log.resetTo(9n);
    expect(log.bytes).toBe(0);
  });

  it("names the newest entry to forget so that the kept ones fit both bounds", () => {
    const log = new ReplicaLog(
      0n,
      [1, 2, 3, 4, 5].map((z) => entry(z, 10)),
    );
    expect(log.compactionTarget(10, 1000)).toBeUndefined();
    expect(log.compactionTarget(2, 1000)).toBe(3n);
    expect(log.compactionTarget(10, 25)).toBe(3n);
    expect(log.compactionTarget(10, 5)).toBe(5n);
  });

  it("names the same entry as a walk from the newest, for any log and bounds", () => {
    // The walk compactionTarget was (O(kept) per call): the newest entry that breaks a bound.
    const reference = (sizes: (number | null)[], keepEntries: number, keepBytes: number) => {
      let i = sizes.length - 1;
      for (let kept = 0, bytes = 0; i >= 0; i--, kept++) {
        bytes += sizes[i] ?? 0;
        if (kept + 1 > keepEntries || bytes > keepBytes) break;
      }
      return i >= 0 ? BigInt(i + 1) : undefined;
    };
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 0, max: 50 })), { maxLength: 60 }),
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 1500 }),
        (sizes, keepEntries, keepBytes) => {
          const log = new ReplicaLog(
            0n,
            sizes.map((n, i) => ({ zxid: BigInt(i + 1), payload: n === null ? null : new Uint8Array(n) })),
          );
          expect(log.compactionTarget(keepEntries, keepBytes)).toBe(reference(sizes, keepEntries, keepBytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("stays within logWindowBytes on every server while entries stay far below logWindowEntries", () => {
    const net = new TestNet([1, 2, 3], { electionTicks: 8, heartbeatTicks: 1, logWindowEntries: 10_000, logWindowBytes: 40 });
    net.elect(1);
    let peak = 0;
    for (let round = 0; round < 20; round++) {
      net.propose(5);
      for (const id of [1, 2, 3]) peak = Math.max(peak, net.host(id).replica.logWindow().bytes);
    }
    // Compaction happens past the bound, down to half: one round of proposals over it at most.
    expect(peak).toBeLessThanOrEqual(40 + 5 * 4);
    for (const id of [1, 2, 3]) expect(net.host(id).replica.logWindow().entries).toBeLessThan(40);
  });
});
