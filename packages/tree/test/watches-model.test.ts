// Model-based test of the watch registry: random register / trigger / remove / close
// sequences against a reference model that keeps one Map<path, Set<session>> per kind of
// watch, with ZooKeeper's rules written out plainly (DataTree and WatchManager).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { AddWatchMode, EventType, WatcherType, parentPath } from "@warden/protocol";
import { WatchRegistry } from "@warden/tree";

type Kind = "data" | "child" | "persistent" | "recursive";
const KINDS: readonly Kind[] = ["data", "child", "persistent", "recursive"];

class Model {
  readonly kinds = new Map<Kind, Map<string, Set<bigint>>>(KINDS.map((k) => [k, new Map()]));

  private set(kind: Kind, path: string): Set<bigint> {
    const m = this.kinds.get(kind)!;
    let s = m.get(path);
    if (s === undefined) m.set(path, (s = new Set()));
    return s;
  }
  has(kind: Kind, path: string, session: bigint): boolean {
    return this.kinds.get(kind)!.get(path)?.has(session) ?? false;
  }
  add(kind: Kind, path: string, session: bigint): void {
    this.set(kind, path).add(session);
  }
  remove(kind: Kind, path: string, session: bigint): boolean {
    return this.kinds.get(kind)!.get(path)?.delete(session) ?? false;
  }

  /** [session, path] of every watch, one per (session, path, kind). */
  *entries(): Generator<[Kind, string, bigint]> {
    for (const [kind, m] of this.kinds) for (const [path, s] of m) for (const session of s) yield [kind, path, session];
  }

  removeWatches(session: bigint, path: string, type: WatcherType): boolean {
    switch (type) {
      case WatcherType.Children:
        return this.remove("child", path, session);
      case WatcherType.Data:
        return this.remove("data", path, session);
      case WatcherType.Persistent:
        return this.remove("persistent", path, session);
      case WatcherType.PersistentRecursive:
        return this.remove("recursive", path, session);
      default:
        return KINDS.map((k) => this.remove(k, path, session)).some((r) => r);
    }
  }

  containsWatch(session: bigint, path: string, type: WatcherType): boolean {
    switch (type) {
      case WatcherType.Children:
        return this.has("child", path, session);
      case WatcherType.Data:
        return this.has("data", path, session);
      case WatcherType.Persistent:
        return this.has("persistent", path, session);
      case WatcherType.PersistentRecursive:
        return this.has("recursive", path, session);
      default:
        return KINDS.some((k) => this.has(k, path, session));
    }
  }

  removeSession(session: bigint): void {
    for (const m of this.kinds.values()) for (const s of m.values()) s.delete(session);
  }

  /** The sessions a data-table trigger at `path` fires (one-shot data watches consumed). */
  private fireData(path: string): Set<bigint> {
    const out = new Set<bigint>([
      ...(this.kinds.get("data")!.get(path) ?? []),
      ...(this.kinds.get("persistent")!.get(path) ?? []),
      ...(this.kinds.get("recursive")!.get(path) ?? []),
    ]);
    for (let p = path; p !== "/"; ) {
      p = parentPath(p);
      for (const s of this.kinds.get("recursive")!.get(p) ?? []) out.add(s);
    }
    this.kinds.get("data")!.delete(path);
    return out;
  }

  private fireChild(path: string): Set<bigint> {
    const out = new Set<bigint>([...(this.kinds.get("child")!.get(path) ?? []), ...(this.kinds.get("persistent")!.get(path) ?? [])]);
    this.kinds.get("child")!.delete(path);
    return out;
  }

  /** Events per session, in the order that session receives them. */
  trigger(path: string, type: EventType): Map<bigint, [EventType, string][]> {
    const out = new Map<bigint, [EventType, string][]>();
    const emit = (sessions: Iterable<bigint>, t: EventType, at: string) => {
      for (const s of sessions) out.set(s, [...(out.get(s) ?? []), [t, at]]);
    };
    const parent = path === "/" ? undefined : parentPath(path);
    if (type === EventType.NodeCreated) {
      emit(this.fireData(path), type, path);
      if (parent !== undefined) emit(this.fireChild(parent), EventType.NodeChildrenChanged, parent);
    } else if (type === EventType.NodeDeleted) {
      const seen = this.fireData(path);
      emit(seen, type, path);
      emit(
        [...this.fireChild(path)].filter((s) => !seen.has(s)),
        type,
        path,
      );
      if (parent !== undefined) emit(this.fireChild(parent), EventType.NodeChildrenChanged, parent);
    } else if (type === EventType.NodeDataChanged) {
      emit(this.fireData(path), type, path);
    } else {
      emit(this.fireChild(path), type, path);
    }
    return out;
  }

  pathsBySession(): Map<bigint, string[]> {
    const out = new Map<bigint, Set<string>>();
    for (const [, path, s] of this.entries()) out.set(s, (out.get(s) ?? new Set()).add(path));
    return new Map([...out].map(([s, paths]) => [s, [...paths].sort()]));
  }

  sessionsByPath(): Map<string, Set<bigint>> {
    const out = new Map<string, Set<bigint>>();
    for (const [, path, s] of this.entries()) out.set(path, (out.get(path) ?? new Set()).add(s));
    return out;
  }

  counts(): { sessions: number; paths: number; watches: number } {
    // ZooKeeper's two tables: a (session, path) pair counts once in each table it is in; a persistent watch is in both.
    const data = new Set<string>();
    const child = new Set<string>();
    for (const [kind, path, s] of this.entries()) {
      if (kind !== "child") data.add(`${s} ${path}`);
      if (kind === "child" || kind === "persistent") child.add(`${s} ${path}`);
    }
    const watches = data.size + child.size;
    return { sessions: this.pathsBySession().size, paths: this.sessionsByPath().size, watches };
  }
}

const PATHS = ["/", "/a", "/a/b", "/a/b/c", "/b", "/a/c"];
const SESSIONS = [1n, 2n, 3n, 0x7fffffffffffffffn];
/** Enough sessions on few paths that a path passes the table's crowd threshold (8 watchers). */
const CROWD_PATHS = ["/", "/a", "/a/b"];
const CROWD_SESSIONS = Array.from({ length: 12 }, (_, i) => BigInt(i + 1));

type Step =
  | { op: "data" | "child" | "persistent" | "recursive"; session: bigint; path: string }
  | { op: "remove" | "contains"; session: bigint; path: string; type: WatcherType }
  | { op: "trigger"; path: string; type: EventType }
  | { op: "close"; session: bigint };

/** `addWeight`: how much likelier a registration is than each other kind of step. */
const stepArb = (paths: string[], sessions: bigint[], addWeight: number): fc.Arbitrary<Step> => {
  const pathArb = fc.constantFrom(...paths);
  const sessionArb = fc.constantFrom(...sessions);
  return fc.oneof(
    {
      weight: addWeight,
      arbitrary: fc.record({
        op: fc.constantFrom("data" as const, "child" as const, "persistent" as const, "recursive" as const),
        session: sessionArb,
        path: pathArb,
      }),
    },
    fc.record({
      op: fc.constantFrom("remove" as const, "contains" as const),
      session: sessionArb,
      path: pathArb,
      type: fc.constantFrom(...Object.values(WatcherType)),
    }),
    fc.record({
      op: fc.constant("trigger" as const),
      path: pathArb,
      type: fc.constantFrom(EventType.NodeCreated, EventType.NodeDeleted, EventType.NodeDataChanged, EventType.NodeChildrenChanged),
    }),
    fc.record({ op: fc.constant("close" as const), session: sessionArb }),
  );
};

function run(w: WatchRegistry, m: Model, step: Step): void {
  switch (step.op) {
    case "data":
      w.addDataWatch(step.session, step.path);
      m.add("data", step.path, step.session);
      break;
    case "child":
      w.addChildWatch(step.session, step.path);
      m.add("child", step.path, step.session);
      break;
    case "persistent":
      w.addWatch(step.session, step.path, AddWatchMode.PERSISTENT);
      m.add("persistent", step.path, step.session);
      break;
    case "recursive":
      w.addWatch(step.session, step.path, AddWatchMode.PERSISTENT_RECURSIVE);
      m.add("recursive", step.path, step.session);
      break;
    case "remove":
      expect(w.removeWatches(step.session, step.path, step.type)).toBe(m.removeWatches(step.session, step.path, step.type));
      break;
    case "contains":
      expect(w.containsWatch(step.session, step.path, step.type)).toBe(m.containsWatch(step.session, step.path, step.type));
      break;
    case "trigger": {
      const fired = w.trigger(step.path, step.type, 9n);
      const got = new Map<bigint, [EventType, string][]>();
      for (const f of fired) got.set(f.sessionId, [...(got.get(f.sessionId) ?? []), [f.event.type, f.event.path]]);
      expect(got).toEqual(m.trigger(step.path, step.type));
      // Every event of one change carries the change's zxid.
      for (const f of fired) expect(f.event.zxid).toBe(9n);
      break;
    }
    case "close":
      w.removeSession(step.session);
      m.removeSession(step.session);
      break;
  }
}

function compare(w: WatchRegistry, m: Model, paths: string[], sessions: bigint[]): void {
  const bySession = m.pathsBySession();
  expect(w.pathsBySession()).toEqual(bySession);
  expect(new Map([...w.sessionsByPath()].map(([p, s]) => [p, new Set(s)]))).toEqual(m.sessionsByPath());
  for (const s of w.sessionsByPath().values()) expect(new Set(s).size).toBe(s.length);
  expect(w.counts).toEqual(m.counts());
  expect(w.isEmpty).toBe(bySession.size === 0);
  for (const s of sessions) {
    expect(w.pathCountOf(s)).toBe(bySession.get(s)?.length ?? 0);
    for (const p of paths) expect(w.watchesPath(s, p)).toBe(bySession.get(s)?.includes(p) ?? false);
  }
}

describe("the watch registry against a reference model (fast-check)", () => {
  const check = (paths: string[], sessions: bigint[], addWeight: number, maxLength: number, numRuns: number) =>
    fc.assert(
      fc.property(fc.array(stepArb(paths, sessions, addWeight), { maxLength, size: "max" }), (steps) => {
        const w = new WatchRegistry();
        const m = new Model();
        for (const step of steps) {
          run(w, m, step);
          compare(w, m, paths, sessions);
        }
      }),
      { numRuns },
    );

  it("registers, fires, consumes, removes and closes as Map<path, Set<session>> per kind of watch", () => {
    check(PATHS, SESSIONS, 1, 50, 150);
  });

  it("does the same with many sessions on few paths (crowded paths)", () => {
    check(CROWD_PATHS, CROWD_SESSIONS, 4, 100, 50);
  });

  it("a session watching a path twice, or through a recursive watch on an ancestor too, gets one event per change", () => {
    const w = new WatchRegistry();
    w.addDataWatch(1n, "/a/b");
    w.addDataWatch(1n, "/a/b");
    w.addWatch(1n, "/a/b", AddWatchMode.PERSISTENT);
    w.addWatch(1n, "/", AddWatchMode.PERSISTENT_RECURSIVE);
    w.addWatch(1n, "/a", AddWatchMode.PERSISTENT_RECURSIVE);
    expect(w.trigger("/a/b", EventType.NodeDataChanged, 5n).map((f) => [f.sessionId, f.event.type, f.event.path])).toEqual([
      [1n, EventType.NodeDataChanged, "/a/b"],
    ]);
  });
});
