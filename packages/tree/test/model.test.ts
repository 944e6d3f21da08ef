// Model-based test: random operation sequences (multi, ephemerals of several sessions,
// session close, sequential and TTL creates) against the tests' reference model of ZooKeeper
// (ZkModel of @warden/testing), Stat for Stat: the zxids too, as both count one per txn.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { WriteOp } from "@warden/protocol";
import { ModelError, ZkModel } from "@warden/testing";
import { Harness, OPEN, bytes } from "./harness.js";

/** The model's error code for one write (0: applied). */
function modelWrite(m: ZkModel, op: WriteOp, session: bigint): number {
  try {
    m.write(op, session);
    return 0;
  } catch (e) {
    if (e instanceof ModelError) return e.err;
    throw e;
  }
}

const names = ["a", "b", "c"];
// Shallow paths weigh more, so that creates find their parent and deletes find their node.
const depthArb = (depth: number) => fc.array(fc.constantFrom(...names), { minLength: depth, maxLength: depth });
const pathArb = fc
  .oneof({ weight: 4, arbitrary: depthArb(1) }, { weight: 2, arbitrary: depthArb(2) }, { weight: 1, arbitrary: depthArb(3) })
  .map((s) => `/${s.join("/")}`);
const versionArb = fc.constantFrom(-1, 0, 1);
const opArb: fc.Arbitrary<WriteOp> = fc
  .oneof(
    fc
      .record({
        type: fc.constant("create" as const),
        path: pathArb,
        data: fc.string({ maxLength: 3 }).map(bytes),
        acl: fc.constant(OPEN),
        mode: fc.constantFrom(0, 1, 2, 3, 5, 6) as fc.Arbitrary<0 | 1 | 2 | 3 | 5 | 6>,
        ttl: fc.constant(1000),
      })
      .map((r) => (r.mode >= 5 ? r : { ...r, ttl: undefined })),
    fc.record({ type: fc.constant("delete" as const), path: pathArb, version: versionArb }),
    fc.record({ type: fc.constant("setData" as const), path: pathArb, data: fc.string({ maxLength: 3 }).map(bytes), version: versionArb }),
    fc.record({ type: fc.constant("check" as const), path: pathArb, version: versionArb }),
  )
  .map(
    (o) =>
      JSON.parse(
        JSON.stringify(o, (_, v) => (v instanceof Uint8Array ? { __b: [...v] } : v)),
        (_, v) => (v?.__b ? new Uint8Array(v.__b) : v),
      ) as WriteOp,
  );
const sessionArb = fc.constantFrom(1n, 2n, 3n);
const stepArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constant("op" as const), opArb, sessionArb) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("multi" as const), fc.array(opArb, { maxLength: 3 }), sessionArb) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("open" as const), fc.constant(null), sessionArb) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("close" as const), fc.constant(null), sessionArb) },
);

function compare(h: Harness, m: ZkModel): void {
  const paths = [...m.nodes.keys()].sort();
  const treePaths: string[] = [];
  const walk = (p: string) => {
    treePaths.push(p);
    for (const c of h.tree.getChildren(p)) walk(p === "/" ? `/${c}` : `${p}/${c}`);
  };
  walk("/");
  expect(treePaths.filter((p) => !p.startsWith("/zookeeper")).sort()).toEqual(paths);
  for (const p of paths) {
    const n = m.nodes.get(p)!;
    const { data, stat } = h.tree.getData(p);
    // The tree's root has /zookeeper too, which the model leaves out.
    const expected = p === "/" ? { ...n.stat, numChildren: n.stat.numChildren + 1 } : n.stat;
    expect([p, new TextDecoder().decode(data), stat]).toEqual([p, new TextDecoder().decode(n.data ?? new Uint8Array(0)), expected]);
  }
  expect([...h.tree.sessions.keys()].sort()).toEqual([...m.sessions].sort());
}

describe("the tree agrees with a reference model", () => {
  it("on random sequences of writes, multis and session opens and closes", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 5, maxLength: 60 }), (steps) => {
        const h = new Harness();
        const m = new ZkModel({ now: () => h.timeMs });
        for (const [kind, arg, session] of steps) {
          if (kind === "open") {
            if (m.sessions.has(session) || h.tree.sessions.has(session)) continue;
            h.session(session);
            m.openSession(session);
          } else if (kind === "close") {
            if (!m.sessions.has(session)) continue;
            h.write({ type: "closeSession" }, session);
            m.closeSession(session);
          } else if (kind === "op") {
            expect(h.write(arg as WriteOp, session).err).toBe(modelWrite(m, arg as WriteOp, session));
          } else {
            const ops = arg as WriteOp[];
            const results = m.multi(ops, session);
            const codes = results.map((r) => (r.type === "error" ? r.err : 0));
            const failed = codes.findIndex((c) => c !== 0);
            const out = h.write({ type: "multi", ops }, session);
            // Later ops are not even tried once one fails.
            if (failed >= 0) expect((out.response as { results: { err?: number }[] }).results.map((r) => r.err)).toEqual(codes);
            expect(out.err).toBe(failed < 0 ? 0 : codes[failed]);
          }
        }
        compare(h, m);
      }),
      { numRuns: 300 },
    );
  });
});
