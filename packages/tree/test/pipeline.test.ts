// A leader prepares txns while earlier ones are still being committed. The Preparer's
// outstanding changes must make that invisible: with up to `depth` txns prepared and not
// yet applied, every txn comes out as it would if each were prepared after the one
// before had been applied.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parentPath, type WriteOp } from "@warden/protocol";
import { DataTree, Preparer, treeDigest, type Txn, type TxnOp } from "@warden/tree";
import { OPEN, bytes } from "./harness.js";

// Few paths, so that txns in flight often change the same node.
const pathArb = fc.array(fc.constantFrom("a", "b"), { minLength: 1, maxLength: 2 }).map((s) => `/${s.join("/")}`);
const versionArb = fc.constantFrom(-1, -1, 0, 1, 2);
const opArb: fc.Arbitrary<WriteOp> = fc.oneof(
  fc
    .record({
      type: fc.constant("create" as const),
      path: pathArb,
      data: fc.string({ maxLength: 3 }).map(bytes),
      acl: fc.constant(OPEN),
      mode: fc.constantFrom(0, 1, 2, 3, 4, 5) as fc.Arbitrary<0 | 1 | 2 | 3 | 4 | 5>,
    })
    .map((r) => (r.mode === 5 ? { ...r, ttl: 1000 } : r)),
  fc.record({ type: fc.constant("delete" as const), path: pathArb, version: versionArb }),
  fc.record({ type: fc.constant("setData" as const), path: pathArb, data: fc.string({ maxLength: 3 }).map(bytes), version: versionArb }),
  fc.record({ type: fc.constant("check" as const), path: pathArb, version: versionArb }),
);
const sessionArb = fc.constantFrom(1n, 2n);
type Step = ["op", WriteOp, bigint] | ["multi", WriteOp[], bigint] | ["open", null, bigint] | ["close", null, bigint];
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(fc.constant("op" as const), opArb, sessionArb) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("multi" as const), fc.array(opArb, { maxLength: 4 }), sessionArb) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("open" as const), fc.constant(null), sessionArb) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("close" as const), fc.constant(null), sessionArb) },
);

/** The paths a txn changes (the Preparer's outstanding changes while it is in flight). */
function changedPaths(txn: Txn): string[] {
  const ofOp = (op: TxnOp): string[] =>
    op.type === "create" || op.type === "delete" ? [op.path, parentPath(op.path)] : op.type === "setData" ? [op.path] : [];
  const body = txn.body;
  // A failed multi changes nothing (its ops before the failing one are listed, not applied).
  if (body.type === "multi") return body.ops.some((op) => op.type === "error") ? [] : body.ops.flatMap(ofOp);
  if (body.type === "closeSession") return body.paths.flatMap((p) => [p, parentPath(p)]);
  if (body.type === "createSession" || body.type === "setACL") return [];
  return ofOp(body);
}

/**
 * Prepares every step, applying the oldest prepared txn whenever `depth` are in flight;
 * checks the Preparer's count of outstanding paths against the txns in flight.
 */
function run(steps: Step[], depth: number): { txns: Txn[]; tree: DataTree } {
  const tree = new DataTree();
  const prep = new Preparer(tree);
  const txns: Txn[] = [];
  let applied = 0;
  const applyOldest = () => {
    const txn = txns[applied++]!;
    tree.apply(txn);
    prep.applied(txn.zxid);
  };
  let zxid = 0n;
  for (const [kind, arg, sessionId] of steps) {
    const ctx = { sessionId, identities: [], zxid: ++zxid, timeMs: 1_000 };
    if (kind === "open") txns.push(prep.prepareCreateSession(sessionId, 10_000, ctx.zxid, ctx.timeMs));
    else if (kind === "close") txns.push(prep.prepare({ type: "closeSession" }, ctx));
    else if (kind === "op") txns.push(prep.prepare(arg, ctx));
    else txns.push(prep.prepare({ type: "multi", ops: arg }, ctx));
    while (txns.length - applied >= depth) applyOldest();
    expect(prep.outstandingCount).toBe(new Set(txns.slice(applied).flatMap(changedPaths)).size);
  }
  while (applied < txns.length) applyOldest();
  return { txns, tree };
}

describe("the Preparer with txns in flight", () => {
  it("prepares the same txns as when each is applied before the next is prepared", () => {
    fc.assert(
      // Deep pipelines queue more than the 16 changes kept without a Map (see pending.ts).
      fc.property(fc.array(stepArb, { maxLength: 120, size: "max" }), fc.integer({ min: 2, max: 64 }), (steps, depth) => {
        const serial = run(steps, 1);
        const pipelined = run(steps, depth);
        expect(pipelined.txns).toEqual(serial.txns);
        expect(treeDigest(pipelined.tree)).toBe(treeDigest(serial.tree));
      }),
      { numRuns: 300 },
    );
  });
});
