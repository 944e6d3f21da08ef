// A server applies every committed txn but answers only those its own clients sent: elsewhere
// the tree is asked for no reply (apply's `reply` false) and builds none. Asking for none must
// change nothing else: the same tree, the same error code, the same watch events, txn by txn.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { AddWatchMode, ErrorCode, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from "@warden/protocol";
import { DataTree, serializeSnapshot, type Txn, type TxnBody, type TxnOp } from "@warden/tree";

// A few paths, so that creates, deletes and sets meet each other's nodes.
const path = fc.constantFrom("/a", "/a/b", "/a/c", "/d", "/a/b/e");
const data = fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 40 }));
const acl = fc.constantFrom([...OPEN_ACL_UNSAFE], [...READ_ACL_UNSAFE]);
const version = fc.integer({ min: -1, max: 3 });
const op: fc.Arbitrary<TxnOp> = fc.oneof(
  fc.record({
    type: fc.constant("create" as const),
    path,
    data,
    acl,
    ephemeralOwner: fc.constantFrom(0n, 7n),
    parentCVersion: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({ type: fc.constant("delete" as const), path }),
  fc.record({ type: fc.constant("setData" as const), path, data, version }),
  fc.record({ type: fc.constant("check" as const), path, version }),
  fc.record({ type: fc.constant("error" as const), code: fc.constantFrom(ErrorCode.NO_NODE, ErrorCode.BAD_VERSION) }),
);
const body: fc.Arbitrary<TxnBody> = fc.oneof(
  { arbitrary: op, weight: 4 },
  fc.record({ type: fc.constant("setACL" as const), path, acl, version }),
  fc.record({ type: fc.constant("multi" as const), ops: fc.array(op, { maxLength: 5 }) }),
  fc.record({ type: fc.constant("closeSession" as const), paths: fc.array(path, { maxLength: 2 }) }),
);

/** A tree with watches of every kind on every path, so that each change fires what it can. */
function watchedTree(): DataTree {
  const tree = new DataTree();
  for (const p of ["/a", "/a/b", "/a/c", "/d", "/a/b/e"]) {
    tree.watches.addWatch(0x11n, p, AddWatchMode.PERSISTENT_RECURSIVE);
    tree.watches.addDataWatch(0x12n, p);
    tree.watches.addChildWatch(0x13n, p);
  }
  return tree;
}

const bytesOf = (tree: DataTree) => Buffer.concat([...serializeSnapshot(tree)]);

describe("apply without a reply", () => {
  it("changes the tree, the error code and the events exactly as apply with one", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(body, fc.integer({ min: 0, max: 1e12 })), { minLength: 1, maxLength: 40 }), (bodies) => {
        const answered = watchedTree();
        const silent = watchedTree();
        bodies.forEach(([b, timeMs], i) => {
          const txn: Txn = { zxid: BigInt(i + 1), timeMs, sessionId: 7n, body: b };
          const withReply = answered.apply(txn);
          const without = silent.apply(txn, false);
          expect(without.response).toBeUndefined();
          expect(without.err).toBe(withReply.err);
          expect(without.skipped).toBe(withReply.skipped);
          expect(without.events).toEqual(withReply.events);
        });
        expect(bytesOf(silent)).toEqual(bytesOf(answered));
      }),
      { numRuns: 300 },
    );
  });
});
