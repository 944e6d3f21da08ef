// The compact watch table's own mechanics (watch-table.ts): fire marks that are renumbered
// before they wrap, the path string it keeps, and cells and slots reused after a close.
import { describe, expect, it } from "vitest";
import { EventType } from "@warden/protocol";
import { CHILD_BITS, CHILD_STANDARD, DATA_BITS, DATA_STANDARD, RECURSIVE, WatchTable } from "../src/watch-table.js";
import { Harness } from "./harness.js";

describe("the compact watch table", () => {
  it("fires each session once per call and suppresses the previous call's sessions, across mark renumbering", () => {
    // markMax 3: the marks are renumbered every few calls, at every phase of the NodeDeleted pair.
    const t = new WatchTable(undefined, 3);
    for (let round = 0; round < 12; round++) {
      t.add("/a", 1n, DATA_STANDARD | CHILD_STANDARD);
      t.add("/a", 2n, CHILD_STANDARD);
      t.add("/", 3n, RECURSIVE);
      t.add("/a", 3n, CHILD_STANDARD);
      const data: bigint[] = [];
      const child: bigint[] = [];
      t.fire("/a", DATA_BITS, DATA_STANDARD, true, false, data);
      t.fire("/a", CHILD_BITS, CHILD_STANDARD, false, true, child);
      expect(data).toEqual([1n, 3n]);
      expect(child).toEqual([2n]);
      // One more call in between shifts the phase of the next round.
      if (round % 2 === 0) t.fire("/b", DATA_BITS, DATA_STANDARD, true, false, []);
      expect(t.pathCountOf(1n)).toBe(0);
      expect(t.pathCountOf(3n)).toBe(1);
    }
  });

  it("asks for the string to keep once per newly watched path, and finds the path by value", () => {
    const asked: string[] = [];
    const t = new WatchTable((p) => (asked.push(p), p));
    t.add("/a", 1n, DATA_STANDARD);
    t.add(["/", "a"].join(""), 2n, CHILD_STANDARD);
    t.add("/b", 1n, RECURSIVE);
    expect(asked).toEqual(["/a", "/b"]);
    expect(t.sessionsByPath()).toEqual(
      new Map([
        ["/a", [1n, 2n]],
        ["/b", [1n]],
      ]),
    );
  });

  it("the tree's registry watches a node's path and a missing node's path alike", () => {
    const h = new Harness();
    h.create("/node");
    const ctx = { sessionId: 5n, identities: [] };
    h.tree.read({ type: "getData", path: ["/no", "de"].join(""), watch: true }, ctx);
    expect(() => h.tree.read({ type: "exists", path: "/missing", watch: true }, ctx)).toThrow();
    expect(h.tree.watches.pathsBySession().get(5n)).toEqual(["/missing", "/node"]);
    expect(h.tree.watches.trigger("/node", EventType.NodeDataChanged, 1n).map((f) => f.sessionId)).toEqual([5n]);
    expect(h.tree.watches.trigger("/missing", EventType.NodeCreated, 2n).map((f) => f.sessionId)).toEqual([5n]);
    expect(h.tree.watches.isEmpty).toBe(true);
  });

  it("reuses the cells, slots and session indexes a closed session leaves", () => {
    const t = new WatchTable();
    const fill = (session: bigint) => {
      for (let i = 0; i < 1000; i++) t.add(`/p${i}`, session, i % 2 === 0 ? DATA_STANDARD : RECURSIVE);
    };
    fill(1n);
    const footprint = (t as unknown as { cells: Int32Array }).cells.length;
    for (let round = 2n; round < 20n; round++) {
      t.removeSession(round - 1n);
      expect(t.sessionCount).toBe(0);
      expect(t.pathCount).toBe(0);
      expect(t.dataWatches + t.childWatches + t.recursiveCount).toBe(0);
      fill(round);
    }
    expect((t as unknown as { cells: Int32Array }).cells.length).toBe(footprint);
    expect(t.pathCountOf(19n)).toBe(1000);
    expect(t.recursiveCount).toBe(500);
  });

  it("gives its arrays back when a peak of watches is gone, and works on after", () => {
    const t = new WatchTable();
    const cells = () => (t as unknown as { cells: Int32Array }).cells.length;
    const small = cells();
    for (let i = 0; i < 10_000; i++) t.add(`/p${i}`, BigInt(i % 3), DATA_STANDARD);
    expect(cells()).toBeGreaterThan(10_000);
    for (const s of [0n, 1n, 2n]) t.removeSession(s);
    expect(cells()).toBe(small);
    t.add("/p1", 7n, DATA_STANDARD);
    const out: bigint[] = [];
    t.fire("/p1", DATA_BITS, DATA_STANDARD, true, false, out);
    expect(out).toEqual([7n]);
    expect(t.sessionCount + t.pathCount).toBe(0);
  });
});
