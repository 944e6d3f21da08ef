// Quota stats against a recount: after any sequence of writes (creates of every mode, setData,
// deletes, multis, closed sessions, quotas set, nested and removed, stats nodes overwritten),
// every quota's stats equal a recount of the nodes it covers, its zookeeper_stats node says so,
// and a snapshot (whole, or fuzzy plus replay) gives the same tree and the same stats.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ErrorCode, formatQuotaStats, quotaNodeOf, quotaLimitPath, quotaStatPath, type WriteRequest } from "@warden/protocol";
import { DataTree, Preparer, loadSnapshot, serializeSnapshot, treeDigest, type Txn } from "@warden/tree";
import { Harness, OPEN, bytes } from "./harness.js";

const TARGETS = ["/a", "/a/b", "/c", "/a/b/d"];
const PATHS = ["/a", "/a/b", "/a/x", "/a/b/d", "/a/b/d/e", "/c", "/c/y", "/c/y/z", "/q"];

type Step =
  | { kind: "create"; path: number; mode: number; data: number; session: number }
  | { kind: "set"; path: number; data: number }
  | { kind: "delete"; path: number }
  | { kind: "multi"; path: number; data: number }
  | { kind: "session"; session: number }
  | { kind: "setquota"; target: number; limits: string }
  | { kind: "delquota"; target: number }
  | { kind: "scribble"; target: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("create" as const),
      path: fc.nat(PATHS.length - 1),
      mode: fc.nat(6),
      data: fc.integer({ min: -1, max: 40 }),
      session: fc.integer({ min: 1, max: 2 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("set" as const), path: fc.nat(PATHS.length - 1), data: fc.integer({ min: -1, max: 40 }) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("delete" as const), path: fc.nat(PATHS.length - 1) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("multi" as const), path: fc.nat(PATHS.length - 1), data: fc.integer({ min: -1, max: 40 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("session" as const), session: fc.integer({ min: 1, max: 2 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("setquota" as const),
      target: fc.nat(TARGETS.length - 1),
      limits: fc.constantFrom("count=5,bytes=-1", "count=-1,bytes=100=;byteHardLimit=-1;countHardLimit=3", "garbage", ""),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delquota" as const), target: fc.nat(TARGETS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("scribble" as const), target: fc.nat(TARGETS.length - 1) }) },
);

const dataOf = (n: number) => (n < 0 ? null : bytes("x".repeat(n)));

/** Runs the steps through a Preparer (enforcing, so refusals are exercised too); returns the txns. */
function run(steps: Step[], h = new Harness()): Txn[] {
  h.prep = new Preparer(h.tree, { quota: { enforce: true } });
  h.session(1n);
  h.session(2n);
  for (const s of steps) {
    h.timeMs += 10;
    for (const request of requestsOf(s)) {
      if (request === "session") {
        const id = BigInt((s as { session: number }).session);
        if (h.tree.sessions.has(id)) h.write({ type: "closeSession" }, id);
        else h.session(id);
      } else h.write(request, BigInt((s as { session?: number }).session ?? 1));
    }
  }
  return h.txns;
}

function requestsOf(s: Step): Array<WriteRequest | "session"> {
  switch (s.kind) {
    case "create":
      return [
        {
          type: "create",
          path: PATHS[s.path]!,
          data: dataOf(s.data),
          acl: OPEN,
          mode: s.mode,
          ...(s.mode === 5 || s.mode === 6 ? { ttl: 1000 } : {}),
        },
      ];
    case "set":
      return [{ type: "setData", path: PATHS[s.path]!, data: dataOf(s.data), version: -1 }];
    case "delete":
      return [{ type: "delete", path: PATHS[s.path]!, version: -1 }];
    case "multi": {
      const p = PATHS[s.path]!;
      return [
        {
          type: "multi",
          ops: [
            { type: "create", path: `${p}/m`, data: dataOf(s.data), acl: OPEN, mode: 0 },
            { type: "setData", path: p, data: dataOf(s.data + 3), version: -1 },
            { type: "delete", path: `${p}/m`, version: -1 },
          ],
        },
      ];
    }
    case "session":
      return ["session"];
    case "setquota": {
      const t = TARGETS[s.target]!;
      const parts = t.split("/").slice(1);
      const creates: WriteRequest[] = parts.map((_, i) => ({
        type: "create",
        path: `/zookeeper/quota/${parts.slice(0, i + 1).join("/")}`,
        data: null,
        acl: OPEN,
        mode: 0,
      }));
      creates.push({ type: "create", path: quotaLimitPath(t), data: bytes(s.limits), acl: OPEN, mode: 0 });
      creates.push({ type: "setData", path: quotaLimitPath(t), data: bytes(s.limits), version: -1 });
      creates.push({ type: "create", path: quotaStatPath(t), data: bytes("count=0,bytes=0"), acl: OPEN, mode: 0 });
      return creates;
    }
    case "delquota": {
      const t = TARGETS[s.target]!;
      return [{ type: "delete", path: quotaLimitPath(t), version: -1 }];
    }
    case "scribble":
      return [{ type: "setData", path: quotaStatPath(TARGETS[s.target]!), data: bytes("count=999,bytes=1"), version: -1 }];
  }
}

/** Every node's path, by walking from "/". */
function allPaths(tree: DataTree): string[] {
  const out: string[] = [];
  const stack = ["/"];
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    for (const c of tree.getChildren(p)) stack.push(p === "/" ? `/${c}` : `${p}/${c}`);
  }
  return out;
}

/** The recount, by its definition: each node counts toward its deepest quota path at or above it. */
function recount(tree: DataTree): Map<string, { count: number; bytes: number }> {
  const paths = allPaths(tree);
  const targets = paths
    .map((p) => quotaNodeOf(p))
    .filter((q) => q?.kind === "limits")
    .map((q) => q!.target);
  const stats = new Map(targets.map((t) => [t, { count: 0, bytes: 0 }]));
  for (const p of paths) {
    const owner = targets.filter((t) => p === t || p.startsWith(`${t}/`)).sort((x, y) => y.length - x.length)[0];
    if (owner === undefined) continue;
    stats.get(owner)!.count++;
    stats.get(owner)!.bytes += tree.getData(p).stat.dataLength;
  }
  return stats;
}

function expectStatsTrue(tree: DataTree): void {
  const expected = recount(tree);
  const kept = new Map([...tree.quotas.entries()].map((r) => [r.path, { count: r.count, bytes: r.bytes }]));
  expect(kept).toEqual(expected);
  for (const [target, s] of expected) {
    if (tree.exists(quotaStatPath(target)) === undefined) continue;
    expect(new TextDecoder().decode(tree.getData(quotaStatPath(target)).data!)).toBe(formatQuotaStats(s.count, s.bytes));
  }
}

/** Stats nodes whose quota (limits node) is gone. */
function orphanStats(tree: DataTree): string[] {
  return allPaths(tree).filter(
    (p) => quotaNodeOf(p)?.kind === "stats" && tree.exists(quotaLimitPath(quotaNodeOf(p)!.target)) === undefined,
  );
}

/** Every node with its Stat and data, an orphan stats node's data (and its length) left out. */
function listing(tree: DataTree): string[] {
  const orphans = new Set(orphanStats(tree));
  return allPaths(tree)
    .sort()
    .map((p) => {
      const { stat, data } = tree.getData(p);
      const orphan = orphans.has(p);
      const shown = orphan ? "(derived)" : data === null ? "null" : new TextDecoder().decode(data);
      return `${p} ${JSON.stringify(stat, (k, v) => (orphan && k === "dataLength" ? undefined : typeof v === "bigint" ? String(v) : v))} ${shown}`;
    });
}

const replay = (txns: Txn[], tree = new DataTree()) => {
  for (const t of txns) tree.apply(t);
  return tree;
};

describe("quota stats", () => {
  it("equal a recount of the subtree after any sequence of writes, and the stats node shows them", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const h = new Harness();
        run(steps, h);
        expectStatsTrue(h.tree);
        expect(h.tree.quotas.size).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it("survive a snapshot: a loaded tree has the same digest and the same (recounted) stats", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 120 }), async (steps) => {
        const tree = replay(run(steps));
        const loaded = await loadSnapshot([...serializeSnapshot(tree)]);
        expect(treeDigest(loaded)).toBe(treeDigest(tree));
        expectStatsTrue(loaded);
      }),
      { numRuns: 150 },
    );
  });

  it("a fuzzy snapshot plus replay from its zxid gives the live tree, stats included", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 120 }), fc.nat(), fc.integer({ min: 1, max: 4 }), async (steps, startAt, perChunk) => {
        const txns = run(steps);
        const start = startAt % (txns.length + 1);
        const live = replay(txns.slice(0, start));
        const chunks: Uint8Array[] = [];
        let next = start;
        for (const chunk of serializeSnapshot(live, { frameBytesTarget: 60 })) {
          chunks.push(chunk);
          for (let i = 0; i < perChunk && next < txns.length; i++) live.apply(txns[next++]!);
        }
        while (next < txns.length) live.apply(txns[next++]!);
        const restored = await loadSnapshot(chunks);
        replay(
          txns.filter((t) => t.zxid > restored.lastProcessedZxid),
          restored,
        );
        expectStatsTrue(live);
        expectStatsTrue(restored);
        // The data of a stats node whose quota is gone is a leftover of derived state: a fuzzy
        // snapshot that missed the limits node replays writes to it without the quota that
        // rewrote them live. ZooKeeper has the same divergence (its digest leaves /zookeeper/ out).
        if (orphanStats(live).length === 0) expect(treeDigest(restored)).toBe(treeDigest(live));
        expect(listing(restored)).toEqual(listing(live));
      }),
      { numRuns: 150 },
    );
  });
});

describe("quota limits at prepare time", () => {
  function withQuota(limits: string, enforce: boolean, told: string[] = []): Harness {
    const h = new Harness();
    h.prep = new Preparer(h.tree, { quota: { enforce, exceeded: (m) => told.push(m) } });
    h.create("/app", "12345");
    h.create("/zookeeper/quota/app");
    h.create(quotaLimitPath("/app"), limits);
    h.create(quotaStatPath("/app"), "count=0,bytes=0");
    return h;
  }
  const statsOf = (h: Harness) => new TextDecoder().decode(h.tree.getData(quotaStatPath("/app")).data!);

  it("the stats node counts the quota path itself and the bytes of data, as ZooKeeper's getCounts", () => {
    const h = withQuota("count=-1,bytes=-1", true);
    expect(statsOf(h)).toBe("count=1,bytes=5");
    h.create("/app/x", "ab");
    h.write({ type: "setData", path: "/app", data: bytes("1"), version: -1 });
    expect(statsOf(h)).toBe("count=2,bytes=3");
    // ZooKeeper writes the data only: the stats node's version and mzxid stay.
    expect(h.tree.getData(quotaStatPath("/app")).stat.version).toBe(0);
  });

  it("a hard count limit refuses the create past it with QUOTA_EXCEEDED, in ZooKeeper's words", () => {
    const told: string[] = [];
    const h = withQuota("count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2", true, told);
    expect(h.create("/app/one").err).toBe(0);
    expect(h.create("/app/two").err).toBe(ErrorCode.QUOTA_EXCEEDED);
    expect(told).toEqual(["Quota exceeded: /app [current count=3, hardCountLimit=2]"]);
    expect(h.tree.exists("/app/two")).toBeUndefined();
    expect(statsOf(h)).toBe("count=2,bytes=5");
  });

  it("a hard byte limit refuses a setData that grows past it, and lets one that shrinks through", () => {
    const h = withQuota("count=-1,bytes=-1=;byteHardLimit=8;countHardLimit=-1", true);
    expect(h.write({ type: "setData", path: "/app", data: bytes("123456789"), version: -1 }).err).toBe(ErrorCode.QUOTA_EXCEEDED);
    expect(h.write({ type: "setData", path: "/app", data: bytes("12345678"), version: -1 }).err).toBe(0);
    expect(h.write({ type: "setData", path: "/app", data: bytes("1"), version: -1 }).err).toBe(0);
  });

  it("inside a multi: earlier ops count, the op past the limit fails and the rest are RUNTIME_INCONSISTENCY", () => {
    const h = withQuota("count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3", true);
    const create = (path: string) => ({ type: "create" as const, path, data: null, acl: OPEN, mode: 0 });
    const out = h.write({ type: "multi", ops: [create("/app/1"), create("/app/2"), create("/app/3"), create("/app/4")] });
    expect(out.response).toMatchObject({
      results: [{ err: 0 }, { err: 0 }, { err: ErrorCode.QUOTA_EXCEEDED }, { err: ErrorCode.RUNTIME_INCONSISTENCY }],
    });
    expect(statsOf(h)).toBe("count=1,bytes=5");
  });

  it("counts changes prepared and not yet applied", () => {
    const h = withQuota("count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2", true);
    const first = h.prepare({ type: "create", path: "/app/1", data: null, acl: OPEN, mode: 0 });
    const second = h.prepare({ type: "create", path: "/app/2", data: null, acl: OPEN, mode: 0 });
    expect(first.body.type).toBe("create");
    expect(second.body).toEqual({ type: "error", code: ErrorCode.QUOTA_EXCEEDED });
  });

  it("a soft limit only tells; without enforceQuota a hard one only tells too", () => {
    const told: string[] = [];
    const soft = withQuota("count=1,bytes=-1", true, told);
    expect(soft.create("/app/x").err).toBe(0);
    const hard = withQuota("count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=1", false, told);
    expect(hard.create("/app/x").err).toBe(0);
    expect(told).toEqual([
      "Quota exceeded: /app [current count=2, softCountLimit=1]",
      "Quota exceeded: /app [current count=2, hardCountLimit=1]",
    ]);
  });

  it("a hard limit wins over a soft one on the same quantity (only the hard one is compared)", () => {
    const told: string[] = [];
    const h = withQuota("count=1,bytes=-1=;byteHardLimit=-1;countHardLimit=5", true, told);
    expect(h.create("/app/x").err).toBe(0);
    expect(told).toEqual([]);
  });

  it("3.4's count=,bytes= text and unparseable limits read as no limit", () => {
    for (const limits of ["count=,bytes=", "count=abc,bytes=zz", "nonsense"]) {
      const h = withQuota(limits, true);
      expect(h.create("/app/x").err).toBe(0);
    }
  });
});
