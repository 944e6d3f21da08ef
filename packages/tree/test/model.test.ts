// Model-based test: random operation sequences (multi, ephemerals of several sessions,
// session close, sequential and TTL creates) against an obviously correct reference model.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ErrorCode, parentPath, type WriteOp } from "@warden/protocol";
import { Harness, OPEN, bytes } from "./harness.js";

interface MNode {
  data: string;
  version: number;
  cversion: number;
  owner: bigint;
}
type Model = { nodes: Map<string, MNode>; sessions: Set<bigint> };

const children = (m: Model, p: string) => [...m.nodes.keys()].filter((k) => k !== p && parentPath(k) === p);

/** Applies one op to the model; returns 0 or the error code. */
function modelOp(m: Model, op: WriteOp, session: bigint): number {
  if (op.type === "create") {
    const ephemeral = op.mode === 1 || op.mode === 3;
    if (ephemeral && !m.sessions.has(session)) return ErrorCode.SESSION_EXPIRED;
    const parent = m.nodes.get(parentPath(op.path));
    if (!parent) return ErrorCode.NO_NODE;
    const path = op.mode === 2 || op.mode === 3 || op.mode === 6 ? op.path + String(parent.cversion).padStart(10, "0") : op.path;
    if (m.nodes.has(path)) return ErrorCode.NODE_EXISTS;
    if (parent.owner !== 0n && parent.owner < 1000n) return ErrorCode.NO_CHILDREN_FOR_EPHEMERALS;
    parent.cversion++;
    const owner = ephemeral ? session : op.mode >= 5 ? 0xff00000000000000n | BigInt(op.ttl!) : 0n;
    m.nodes.set(path, { data: new TextDecoder().decode(op.data), version: 0, cversion: 0, owner });
    return 0;
  }
  const n = m.nodes.get(op.path);
  if (op.type === "delete") {
    if (!m.nodes.has(parentPath(op.path)) || !n) return ErrorCode.NO_NODE;
    if (op.version !== -1 && op.version !== n.version) return ErrorCode.BAD_VERSION;
    if (children(m, op.path).length > 0) return ErrorCode.NOT_EMPTY;
    m.nodes.delete(op.path);
    return 0;
  }
  if (!n) return ErrorCode.NO_NODE;
  if (op.version !== -1 && op.version !== n.version) return ErrorCode.BAD_VERSION;
  if (op.type === "setData") {
    n.data = new TextDecoder().decode(op.data);
    n.version++;
  }
  return 0;
}

const clone = (m: Model): Model => ({ nodes: new Map([...m.nodes].map(([k, v]) => [k, { ...v }])), sessions: new Set(m.sessions) });

const names = ["a", "b", "c"];
const pathArb = fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).map((s) => `/${s.join("/")}`);
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

function compare(h: Harness, m: Model): void {
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
    expect([p, new TextDecoder().decode(data), stat.version, stat.cversion, stat.ephemeralOwner, stat.numChildren]).toEqual([
      p,
      n.data,
      n.version,
      n.cversion,
      n.owner,
      children(m, p).length + (p === "/" ? 1 : 0),
    ]);
  }
  expect([...h.tree.sessions.keys()].sort()).toEqual([...m.sessions].sort());
}

describe("the tree agrees with a reference model", () => {
  it("on random sequences of writes, multis and session opens and closes", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
        const h = new Harness();
        const m: Model = { nodes: new Map([["/", { data: "", version: 0, cversion: 0, owner: 0n }]]), sessions: new Set() };
        for (const [kind, arg, session] of steps) {
          if (kind === "open") {
            if (m.sessions.has(session) || h.tree.sessions.has(session)) continue;
            h.session(session);
            m.sessions.add(session);
          } else if (kind === "close") {
            if (!m.sessions.has(session)) continue;
            h.write({ type: "closeSession" }, session);
            for (const [p, n] of m.nodes) if (n.owner === session) m.nodes.delete(p);
            m.sessions.delete(session);
          } else if (kind === "op") {
            expect(h.write(arg as WriteOp, session).err).toBe(modelOp(m, arg as WriteOp, session));
          } else {
            const ops = arg as WriteOp[];
            const trial = clone(m);
            const codes = ops.map((op) => modelOp(trial, op, session));
            const failed = codes.findIndex((c) => c !== 0);
            const out = h.write({ type: "multi", ops }, session);
            if (failed < 0) Object.assign(m, trial);
            else {
              // Later ops are not even tried once one fails.
              const expected = codes
                .slice(0, failed + 1)
                .map((c, i) => (i < failed ? 0 : c))
                .concat(ops.slice(failed + 1).map(() => ErrorCode.RUNTIME_INCONSISTENCY));
              expect((out.response as { results: { err?: number }[] }).results.map((r) => r.err)).toEqual(expected);
            }
            expect(out.err).toBe(failed < 0 ? 0 : codes[failed]);
          }
        }
        compare(h, m);
      }),
      { numRuns: 300 },
    );
  });
});
