import { describe, expect, it } from "vitest";
import { CommittedHistory, encodeWrite, KvSpec, SimViolation } from "@warden/testing";
import { ClientHistory } from "../../packages/testing/src/sim/clients.js";

const entry = (epoch: number, counter: number, key: string, value: string) => ({
  zxid: (BigInt(epoch) << 32n) | BigInt(counter),
  payload: encodeWrite({ key, value }),
});

describe("checkers fail when their rule is broken", () => {
  it("committed history: a different entry at a committed position is a violation", () => {
    const h = new CommittedHistory(new KvSpec());
    h.observe(-1, entry(1, 1, "k", "a"), "node 1");
    expect(() => h.observe(-1, entry(1, 1, "k", "b"), "node 2")).toThrow(/committed-prefix-agreement/);
    expect(() => h.observe(-1, entry(2, 1, "k", "a"), "node 3")).toThrow(SimViolation);
  });

  it("committed history: the same write committed twice is a violation", () => {
    const h = new CommittedHistory(new KvSpec());
    h.observe(-1, entry(1, 1, "k", "a"), "node 1");
    expect(() => h.observe(0, entry(1, 2, "k", "a"), "node 1")).toThrow(/write-committed-once/);
  });

  it("writes: one acknowledged before another was invoked must be ordered first", () => {
    const h = new CommittedHistory(new KvSpec());
    const c = new ClientHistory(h);
    const late = c.invokeWrite(1, "k", "late", 0);
    const early = c.invokeWrite(2, "k", "early", 20);
    h.observe(-1, entry(1, 1, "k", "early"), "node 1");
    h.observe(0, entry(1, 2, "k", "late"), "node 1");
    c.acknowledge(late, (1n << 32n) | 2n, 10); // acknowledged at 10 ms, before "early" was invoked at 20
    c.acknowledge(early, (1n << 32n) | 1n, 30);
    expect(() => c.checkLinearizable()).toThrow(/linearizable-writes/);
  });

  it("writes: an acknowledged write must be committed at its zxid", () => {
    const h = new CommittedHistory(new KvSpec());
    const c = new ClientHistory(h);
    const w = c.invokeWrite(1, "k", "v", 0);
    expect(() => c.acknowledge(w, (1n << 32n) | 1n, 5)).toThrow(/acknowledged-write-committed/);
  });

  it("reads: a stale value or going back in time is a violation", () => {
    const h = new CommittedHistory(new KvSpec());
    const c = new ClientHistory(h);
    h.observe(-1, entry(1, 1, "k", "a"), "node 1");
    h.observe(0, entry(1, 2, "k", "b"), "node 1");
    expect(() => c.read(1, "k", "a", (1n << 32n) | 2n)).toThrow(/read-sequential-consistency/);
    c.read(1, "k", "b", (1n << 32n) | 2n);
    expect(() => c.read(1, "k", "a", (1n << 32n) | 1n)).toThrow(/read-monotonic/);
  });
});
