// fast-check arbitraries of transactions (txn.ts): every body and op type, with paths, data,
// ACL lists, closeSession path lists and multi op lists sized across the growth boundaries
// (see testing/src/sizes.ts), within the tree's bounds (limits.ts).
import fc from "fast-check";
import { ErrorCode, OPEN_ACL_UNSAFE, type ACL } from "@warden/protocol";
import type { Txn, TxnBody, TxnOp } from "@warden/tree";
import { ACL_ID_CHARS_MAX, SESSION_SECRET_BYTES } from "../src/limits.js";
import { acl as aclList, nodeData as data, int32, path, perItem, type MessageSizes } from "../../protocol/test/arbitraries.js";
import { countAcrossBoundaries, listOf, memoized } from "../../testing/src/sizes.js";

export const TXN_SIZES: MessageSizes = {
  dataBytesMax: 1024 * 1024,
  listItemsMax: 1024,
  pathCharsMax: 4096,
  stringCharsMax: ACL_ID_CHARS_MAX,
  credentialBytesMax: 0,
};

const u64 = fc.oneof(fc.constantFrom(0n, 2n ** 63n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
/** A txn's ACL is never empty. */
const acl = memoized((sizes: MessageSizes): fc.Arbitrary<ACL[]> => aclList(sizes).map((a) => (a.length > 0 ? a : [...OPEN_ACL_UNSAFE])));

export const txnOp = memoized(
  (sizes: MessageSizes = TXN_SIZES): fc.Arbitrary<TxnOp> =>
    fc.oneof(
      fc.record({
        type: fc.constant("create" as const),
        path: path(sizes),
        data: data(sizes),
        acl: acl(sizes),
        ephemeralOwner: u64,
        parentCVersion: int32,
      }),
      fc.record({ type: fc.constant("delete" as const), path: path(sizes) }),
      fc.record({ type: fc.constant("setData" as const), path: path(sizes), data: data(sizes), version: int32 }),
      fc.record({ type: fc.constant("check" as const), path: path(sizes), version: int32 }),
      fc.record({ type: fc.constant("error" as const), code: fc.constantFrom(...Object.values(ErrorCode)) }),
    ),
);

export const txnBody = (sizes: MessageSizes = TXN_SIZES): fc.Arbitrary<TxnBody> =>
  fc.oneof(
    txnOp(sizes),
    fc.record({ type: fc.constant("setACL" as const), path: path(sizes), acl: acl(sizes), version: int32 }),
    fc.record({ type: fc.constant("createSession" as const), timeoutMs: fc.integer({ min: 0, max: 0x7fffffff }) }),
    fc.record({
      type: fc.constant("sessionSecret" as const),
      secret: fc.uint8Array({ minLength: SESSION_SECRET_BYTES, maxLength: SESSION_SECRET_BYTES }),
    }),
    fc.record({
      type: fc.constant("closeSession" as const),
      paths: listOf(countAcrossBoundaries(sizes.listItemsMax), (n) => path(perItem(sizes, n))),
    }),
    fc.record({
      type: fc.constant("multi" as const),
      ops: listOf(countAcrossBoundaries(sizes.listItemsMax), (n) => txnOp(perItem(sizes, n))),
    }),
  );

export const txn = (sizes: MessageSizes = TXN_SIZES): fc.Arbitrary<Txn> =>
  fc.record({
    zxid: u64,
    timeMs: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    sessionId: u64,
    body: txnBody(sizes),
  });
