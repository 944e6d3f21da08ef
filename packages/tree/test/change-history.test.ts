import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { AddWatchMode, EventType, type WatchEvent } from "@warden/protocol";
import { ChangeHistory, CHANGE_BYTES_OVERHEAD, type FiredWatch } from "@warden/tree";
import { Harness, OPEN, bytes } from "./harness.js";

const SESSION = 1n;
const shape = (fired: FiredWatch[] | null) => fired?.map((f) => `${f.event.zxid} ${f.event.type} ${f.event.path}`) ?? null;

function withHistory(changesMax = 1000, bytesMax = 1 << 20): { h: Harness; history: ChangeHistory } {
  const h = new Harness();
  const history = new ChangeHistory({ changesMax, bytesMax }, Number(h.tree.lastProcessedZxid));
  h.tree.changes = history;
  return { h, history };
}

describe("the change history replays what persistent and recursive watches would have fired", () => {
  it("in zxid order, from just after the given zxid, with ZooKeeper's rules for each mode", () => {
    const { h, history } = withHistory();
    h.create("/p");
    h.create("/r");
    const from = h.zxid;
    h.create("/p/c"); // p: NodeChildrenChanged
    h.write({ type: "setData", path: "/p", data: bytes("1"), version: -1 }); // p: NodeDataChanged
    h.create("/r/a"); // r: NodeCreated
    h.create("/r/a/b"); // r: NodeCreated
    h.write({
      type: "multi",
      ops: [
        { type: "setData", path: "/r/a", data: bytes("x"), version: -1 },
        { type: "delete", path: "/r/a/b", version: -1 },
      ],
    });
    h.write({ type: "delete", path: "/p/c", version: -1 }); // p: NodeChildrenChanged
    expect(shape(history.replay(SESSION, from, ["/p"], ["/r"]))).toEqual([
      `${from + 1n} ${EventType.NodeChildrenChanged} /p`,
      `${from + 2n} ${EventType.NodeDataChanged} /p`,
      `${from + 3n} ${EventType.NodeCreated} /r/a`,
      `${from + 4n} ${EventType.NodeCreated} /r/a/b`,
      `${from + 5n} ${EventType.NodeDataChanged} /r/a`,
      `${from + 5n} ${EventType.NodeDeleted} /r/a/b`,
      `${from + 6n} ${EventType.NodeChildrenChanged} /p`,
    ]);
    // Nothing the client already has: replay from the newest zxid is empty.
    expect(history.replay(SESSION, h.zxid, ["/p"], ["/r"])).toEqual([]);
    expect(shape(history.replay(SESSION, from + 5n, ["/p"], ["/r"]))).toEqual([`${from + 6n} ${EventType.NodeChildrenChanged} /p`]);
  });

  it("with many recursive watches, replays only the changes below one of them", () => {
    const { h, history } = withHistory();
    const roots = Array.from({ length: 12 }, (_, i) => `/w${i}`);
    for (const r of roots) h.create(r);
    h.create("/z");
    const from = h.zxid;
    h.create("/w3/x");
    h.create("/z/y");
    h.create("/w30"); // a sibling whose name starts like a watched one
    h.write({ type: "setData", path: "/w11", data: bytes("1"), version: -1 });
    expect(shape(history.replay(SESSION, from, ["/z"], roots))).toEqual([
      `${from + 1n} ${EventType.NodeCreated} /w3/x`,
      `${from + 2n} ${EventType.NodeChildrenChanged} /z`,
      `${from + 4n} ${EventType.NodeDataChanged} /w11`,
    ]);
    expect(shape(history.replay(SESSION, from, [], roots.slice(0, 4)))).toEqual([`${from + 1n} ${EventType.NodeCreated} /w3/x`]);
  });

  it("says the history is too short (null) once the oldest change after the zxid was dropped by the count bound", () => {
    const { h, history } = withHistory(3);
    h.create("/a");
    const from = h.zxid;
    for (let i = 0; i < 3; i++) h.write({ type: "setData", path: "/a", data: bytes(`${i}`), version: -1 });
    expect(shape(history.replay(SESSION, from, ["/a"], []))).toHaveLength(3);
    h.write({ type: "setData", path: "/a", data: bytes("3"), version: -1 });
    expect(history.length).toBe(3);
    expect(history.baseZxid).toBe(from + 1n);
    expect(history.replay(SESSION, from, ["/a"], [])).toBeNull();
    expect(shape(history.replay(SESSION, from + 1n, ["/a"], []))).toHaveLength(3);
  });

  it("drops whole transactions by the bytes bound, and keeps a newest one larger than the bound", () => {
    const perChange = CHANGE_BYTES_OVERHEAD + "/a/x".length;
    const { h, history } = withHistory(1000, 2 * perChange);
    h.create("/a");
    const ops = ["/a/x", "/a/y", "/a/z"].map((path) => ({ type: "create" as const, path, data: bytes(""), acl: OPEN, mode: 0 as const }));
    h.write({ type: "multi", ops });
    expect(history.length).toBe(3); // the newest txn stays whole, even past the bound
    expect(history.byteCount).toBe(3 * perChange);
    h.write({ type: "setData", path: "/a/x", data: bytes("1"), version: -1 });
    expect(history.length).toBe(1);
    expect(history.byteCount).toBe(perChange);
    expect(history.baseZxid).toBe(h.zxid - 1n);
  });

  it("keeps nothing with bounds of 0: every resume is told its history is gone", () => {
    const { h, history } = withHistory(0, 0);
    h.create("/a");
    expect(history.length).toBe(0);
    expect(history.replay(SESSION, h.zxid - 1n, ["/a"], [])).toBeNull();
    expect(history.replay(SESSION, h.zxid, ["/a"], [])).toEqual([]);
  });

  it("keeps the tree's one shared copy of an ACL, not each request's own (100,000 kept creates held 13 MB of copies)", () => {
    const { h, history } = withHistory();
    const from = h.zxid;
    const fresh = () => OPEN.map((a) => ({ perms: a.perms, id: { ...a.id } }));
    h.write({ type: "create", path: "/a", data: bytes(""), acl: fresh(), mode: 0 });
    h.write({ type: "create", path: "/b", data: bytes(""), acl: fresh(), mode: 0 });
    h.write({ type: "setData", path: "/a", data: bytes("1"), version: -1 });
    const fired = history.replay(SESSION, from, [], ["/"])!;
    expect(fired.map((f) => f.event.path)).toEqual(["/a", "/b", "/a"]);
    expect(fired[1]!.acl).toBe(fired[0]!.acl);
    expect(fired[2]!.acl).toBe(fired[0]!.acl);
  });

  it("forgets everything on reset (a snapshot replaced the tree)", () => {
    const { h, history } = withHistory();
    h.create("/a");
    history.reset(Number(h.zxid) + 10);
    expect(history.length).toBe(0);
    expect(history.replay(SESSION, h.zxid, ["/a"], [])).toBeNull();
  });
});

// The model: a session watching from the start gets events live; for any zxid it had seen,
// replay from there must give exactly the live events after it, or null when (and only when)
// the bounded history no longer reaches back.
const PATHS = ["/a", "/a/b", "/a/b/c", "/d", "/d/e"] as const;
const op = fc.oneof(
  fc.record({ type: fc.constant("create" as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ type: fc.constant("delete" as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ type: fc.constant("setData" as const), path: fc.constantFrom(...PATHS) }),
);
type Op = { type: "create" | "delete" | "setData"; path: string };
const request = (o: Op) =>
  o.type === "create"
    ? { type: "create" as const, path: o.path, data: bytes(""), acl: OPEN, mode: 0 as const }
    : o.type === "delete"
      ? { type: "delete" as const, path: o.path, version: -1 }
      : { type: "setData" as const, path: o.path, data: bytes("x"), version: -1 };

it("replay from any zxid equals the events a connected session got after it (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          op.map((o) => [o]),
          fc.array(op, { minLength: 2, maxLength: 4 }),
        ),
        { maxLength: 40 },
      ),
      fc.subarray([...PATHS]),
      fc.subarray([...PATHS, "/"]),
      fc.integer({ min: 0, max: 30 }),
      (txns, persistent, recursive, changesMax) => {
        const { h, history } = withHistory(changesMax, 1 << 20);
        for (const p of persistent) h.tree.watches.addWatch(SESSION, p, AddWatchMode.PERSISTENT);
        for (const p of recursive) h.tree.watches.addWatch(SESSION, p, AddWatchMode.PERSISTENT_RECURSIVE);
        const live: WatchEvent[] = [];
        for (const ops of txns) {
          const out = ops.length === 1 ? h.write(request(ops[0]!)) : h.write({ type: "multi", ops: ops.map(request) });
          for (const f of out.events) if (f.sessionId === SESSION) live.push(f.event);
        }
        for (let seen = 0n; seen <= h.zxid; seen++) {
          const replayed = history.replay(SESSION, seen, persistent, recursive);
          if (seen < history.baseZxid) {
            expect(replayed).toBeNull();
            continue;
          }
          expect(replayed?.map((f) => f.event)).toEqual(live.filter((e) => e.zxid > seen));
        }
      },
    ),
    { numRuns: 200 },
  );
});
