// ZooKeeper's initLimit (initTicks): connecting and syncing with a new leader has a deadline.
import { describe, expect, it } from "vitest";
import type { Message, SnapshotChunk } from "../src/index.js";
import { TestNet } from "./net.js";

const INIT_TICKS = 20;
const base = { electionTicks: 8, heartbeatTicks: 1 };

/** Deliver and tick `ticks` times; `each` after every tick. */
function run(net: TestNet, ticks: number, each: () => void = () => {}, filter?: (m: Message) => Message[]): void {
  for (let i = 0; i < ticks; i++) {
    net.deliver(filter);
    net.tick();
    each();
  }
}

describe("initLimit", () => {
  it("a leader that no quorum has synced with (their disks never finish) steps down after initTicks, though it hears from them", () => {
    for (const initTicks of [INIT_TICKS, undefined]) {
      const net = new TestNet([1, 2, 3], { ...base, initTicks });
      net.stalledDisks.add(2).add(3);
      net.host(1).replica.campaign();
      net.process();
      for (let i = 0; i < 10 && net.host(1).replica.role !== "leader"; i++) net.deliver();
      expect(net.host(1).replica.role).toBe("leader");
      let ledTicks = 0;
      run(net, 3 * INIT_TICKS, () => {
        if (net.host(1).replica.role === "leader") ledTicks++;
      });
      expect(net.host(1).replica.status().established).toBe(false);
      if (initTicks === undefined) expect(ledTicks).toBe(3 * INIT_TICKS);
      else expect(ledTicks).toBe(INIT_TICKS - 1);
    }
  });

  it("a follower that cannot sync (its disk never finishes) gives its leader up after initTicks, and follows it again on its next message", () => {
    for (const initTicks of [INIT_TICKS, undefined]) {
      const net = new TestNet([1, 2, 3], { ...base, initTicks });
      net.stalledDisks.add(3);
      net.elect(1);
      const leaders: Array<number | null> = [];
      run(net, 2 * INIT_TICKS + 2, () => leaders.push(net.host(3).replica.status().leaderId));
      const gaveUp = leaders.filter((l) => l === null).length;
      if (initTicks === undefined) expect(gaveUp).toBe(0);
      else {
        expect(gaveUp).toBeGreaterThanOrEqual(2);
        expect(leaders.indexOf(null)).toBe(INIT_TICKS - 2);
        expect(leaders.at(-1)).toBe(1);
      }
      // The synced follower keeps its leader throughout.
      expect(net.host(2).replica.status().leaderId).toBe(1);
    }
  });

  it("Status.synced: a leader once established, a follower once it holds its leader's commits and acknowledged the barrier, each told in a Ready", () => {
    const net = new TestNet([1, 2, 3], base);
    const told: Array<boolean> = [];
    const r3 = net.host(3).replica;
    const ready = r3.ready.bind(r3);
    r3.ready = () => {
      const rd = ready();
      if (rd.status) told.push(rd.status.synced);
      return rd;
    };
    net.stalledDisks.add(3);
    net.elect(1);
    net.propose(3);
    expect(net.host(1).replica.status()).toMatchObject({ role: "leader", established: true, synced: true });
    expect(net.host(2).replica.status()).toMatchObject({ leaderId: 1, synced: true });
    // Server 3 follows, but its disk never acknowledged the epoch's barrier: not synced, so it would not serve.
    expect(net.host(3).replica.status()).toMatchObject({ leaderId: 1, synced: false });
    expect(told.at(-1)).toBe(false);
    net.stalledDisks.delete(3);
    net.propose(1);
    expect(net.host(3).replica.status()).toMatchObject({ leaderId: 1, synced: true });
    expect(told.at(-1)).toBe(true);
    // Losing the leader ends it; following again starts unsynced.
    net.isolated.add(1);
    net.runUntil(() => net.host(3).replica.status().leaderId === null);
    expect(net.host(3).replica.status().synced).toBe(false);
    expect(told.at(-1)).toBe(false);
  });

  it("the leader drops a follower whose snapshot sync outlasts initTicks: the transfer starts over from the first byte", () => {
    for (const initTicks of [60, undefined]) {
      const net = new TestNet([1, 2, 3], { ...base, initTicks, logWindowEntries: 4, snapshotChunkBytes: 64, snapshotWindowChunks: 1 });
      net.elect(1);
      net.isolated.add(3);
      net.propose(12);
      net.isolated.delete(3);
      // A slow link: one chunk gets through every fourth delivery, so the transfer progresses but takes long.
      let n = 0;
      const slow = (m: Message) => (m.type === "snapshot-chunk" ? (n++ % 4 === 0 ? [m] : []) : [m]);
      run(net, 150, () => {}, slow);
      const firstChunks = net.sent.filter((m): m is SnapshotChunk => m.type === "snapshot-chunk" && m.to === 3 && m.offset === 0).length;
      if (initTicks === undefined) expect(firstChunks).toBe(1);
      else expect(firstChunks).toBeGreaterThanOrEqual(2);
    }
  });
});
