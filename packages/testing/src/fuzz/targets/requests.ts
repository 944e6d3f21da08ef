// Internal Requests with adversarial parameters, shared by the jute and native targets (both
// codecs encode the same Request): fixture paths and paths ZooKeeper refuses, data at and
// just over the limit, extreme versions, odd ACLs and modes, multis and multiReads.
import fc from "fast-check";
import type { ACL, ConnectRequest, CreateMode, ReadOp, Request, WriteOp } from "@warden/protocol";
import { WRITABLE_NODES } from "../family.js";
import { DATA_BYTES_MAX } from "../options.js";
import { FIXTURE_PATHS } from "../fixture.js";
import { MIB } from "../units.js";
import { withinBytes } from "../size.js";

const PATHS = FIXTURE_PATHS;

/**
 * Byte budgets of the lists below (the first item is always kept). One item may be as large
 * as the server's limits (data just over jute.maxbuffer, a 1 MB path); a list of them draws
 * items until the budget is spent: a multi of two 1 MiB creates (over jute.maxbuffer) is
 * drawn, a multi of ten, or a sequence of ten of those, is not.
 */
export const LIST_BYTES_MAX = {
  /** A multi's or a multiRead's ops. */
  ops: 2.5 * MIB,
  /** Each watch list of a setWatches. */
  watches: 1 * MIB,
  /** A sequence of requests on one session. */
  requests: 4 * MIB,
} as const;

const INT32_EDGES = [-1, 0, 1, -2, 0x7fffffff, -0x80000000] as const;
export const int32 = fc.oneof(fc.constantFrom(...INT32_EDGES), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
export const int64 = fc.oneof(
  fc.constantFrom(0n, 1n, -1n, 0x7fffffffffffffffn, -0x8000000000000000n, 0xffffffffn),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);

const writable = fc.integer({ min: 0, max: WRITABLE_NODES - 1 }).map((n) => `${PATHS.writableParent}/${n}`);
const validPath = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "/",
      "/fuzz",
      PATHS.small,
      PATHS.big,
      PATHS.parentWithChildren,
      `${PATHS.parentWithChildren}/c1`,
      PATHS.writableParent,
      PATHS.sequentialParent,
      "/zookeeper",
      "/zookeeper/config",
      "/zookeeper/quota",
    ),
  },
  { weight: 6, arbitrary: writable },
  { weight: 2, arbitrary: fc.tuple(writable, fc.integer({ min: 0, max: 3 })).map(([p, n]) => `${p}/${n}`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }).map((n) => `/fz${n}`) },
  { weight: 1, arbitrary: fc.constant(`${PATHS.sequentialParent}/s-`) },
);
/** Paths ZooKeeper's PathUtils refuses, and strings of any shape. */
export const invalidPath = fc.oneof(
  fc.constantFrom(
    "",
    "a",
    "//",
    "/a/",
    "/.",
    "/..",
    "/fuzz/./x",
    "/fuzz/../fuzz",
    "/\u0000",
    "/a\u0000b",
    "/\ud800",
    "/\uffff",
    "/fuzz/w/\u0001",
    "/\u007f",
    "/zookeeper/",
    " /",
  ),
  fc.string({ unit: "binary", maxLength: 24 }),
  fc.string({ unit: "binary", maxLength: 24 }).map((s) => `/fuzz/w/${s}`),
);
/** Paths at and beyond the path length limit (4096 chars), and deep ones. */
export const longPath = fc.oneof(
  fc.constantFrom(4095, 4096, 4097, 65_536, 1_000_000).map((n) => `/fuzz/w/${"p".repeat(Math.max(1, n - 8))}`),
  fc.integer({ min: 100, max: 2_000 }).map((depth) => `/fuzz/w${"/d".repeat(depth)}`),
);
export const path = fc.oneof(
  { weight: 12, arbitrary: validPath },
  { weight: 3, arbitrary: invalidPath },
  { weight: 1, arbitrary: longPath },
);

/** Data sizes on the edges of jute.maxbuffer. */
export const dataSize = fc.constantFrom(
  1024,
  64 * 1024,
  DATA_BYTES_MAX - 1,
  DATA_BYTES_MAX,
  DATA_BYTES_MAX + 1,
  DATA_BYTES_MAX + 60 * 1024,
);
export const data = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.tuple(dataSize, fc.integer({ min: 0, max: 255 })).map(([n, b]) => new Uint8Array(n).fill(b)) },
);

const world = { scheme: "world", id: "anyone" };
const aclEntry: fc.Arbitrary<ACL> = fc.oneof(
  fc.record({ perms: fc.oneof(fc.constantFrom(31, 1, 0), fc.integer({ min: -1, max: 255 })), id: fc.constant(world) }),
  fc.record({
    perms: fc.integer({ min: 0, max: 31 }),
    id: fc.oneof(
      fc.constantFrom(
        { scheme: "auth", id: "" },
        { scheme: "digest", id: "user:3N7ryMkdDdTOGwl2ypmIvyU3Pis=" },
        { scheme: "ip", id: "127.0.0.1" },
        { scheme: "ip", id: "10.0.0.0/99" },
        { scheme: "ip", id: "::1/200" },
        { scheme: "ip", id: "garbage" },
        { scheme: "super", id: "x" },
        { scheme: "sasl", id: "x" },
      ),
      fc.record({ scheme: fc.string({ maxLength: 12 }), id: fc.string({ maxLength: 40 }) }),
    ),
  }),
);
export const acl: fc.Arbitrary<ACL[]> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<ACL[]>([{ perms: 31, id: world }]) },
  { weight: 3, arbitrary: fc.array(aclEntry, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 5_000 }).map((n) => Array.from({ length: n }, () => ({ perms: 31, id: world }))) },
);
const mode = fc
  .oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 100 }) })
  .map((m) => m as CreateMode);
const ttl = fc.option(fc.oneof(fc.constantFrom(-1, 0, 1, 1_000, Number.MAX_SAFE_INTEGER), fc.integer()), { nil: undefined });
const watch = fc.boolean();

/** Requests of every type whose paths come from `path`. */
function requestsWith(path: fc.Arbitrary<string>): fc.Arbitrary<Request> {
  const create = fc.record({ type: fc.constant("create" as const), path, data, acl, mode, ttl }).map((r) => {
    const { ttl: t, ...rest } = r;
    return t === undefined ? rest : { ...rest, ttl: t };
  });
  const del = fc.record({ type: fc.constant("delete" as const), path, version: int32 });
  const setData = fc.record({ type: fc.constant("setData" as const), path, data, version: int32 });
  const check = fc.record({ type: fc.constant("check" as const), path, version: int32 });
  const getData = fc.record({ type: fc.constant("getData" as const), path, watch });
  const getChildren = fc.record({ type: fc.constant("getChildren" as const), path, watch, withStat: fc.boolean() });
  const writeOp: fc.Arbitrary<WriteOp> = fc.oneof(create, del, setData, check);
  const readOp: fc.Arbitrary<ReadOp> = fc.oneof(getData, getChildren);
  const paths = (max: number) => fc.array(path, { maxLength: max }).map(withinBytes(LIST_BYTES_MAX.watches));
  const ops = <T>(op: fc.Arbitrary<T>) => fc.array(op, { maxLength: 30 }).map(withinBytes(LIST_BYTES_MAX.ops));

  return fc.oneof(
    { weight: 45, arbitrary: create },
    { weight: 15, arbitrary: del },
    { weight: 24, arbitrary: setData },
    { weight: 24, arbitrary: fc.record({ type: fc.constant("exists" as const), path, watch }) },
    { weight: 30, arbitrary: getData },
    { weight: 18, arbitrary: getChildren },
    { weight: 6, arbitrary: fc.record({ type: fc.constant("getACL" as const), path }) },
    { weight: 9, arbitrary: fc.record({ type: fc.constant("setACL" as const), path, acl, version: int32 }) },
    { weight: 6, arbitrary: fc.record({ type: fc.constant("getAllChildrenNumber" as const), path }) },
    { weight: 6, arbitrary: fc.record({ type: fc.constant("getEphemerals" as const), prefix: path }) },
    { weight: 6, arbitrary: fc.record({ type: fc.constant("sync" as const), path }) },
    {
      weight: 9,
      arbitrary: fc.record({
        type: fc.constant("addWatch" as const),
        path,
        mode: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: -2, max: 9 })),
      }) as fc.Arbitrary<Request>,
    },
    {
      weight: 6,
      arbitrary: fc.record({
        type: fc.constant("removeWatches" as const),
        path,
        watcherType: fc.integer({ min: -1, max: 6 }),
        checkOnly: fc.boolean(),
      }) as fc.Arbitrary<Request>,
    },
    {
      weight: 9,
      arbitrary: fc.oneof(
        fc.record({
          type: fc.constant("setWatches" as const),
          relativeZxid: int64,
          dataWatches: paths(8),
          existWatches: paths(8),
          childWatches: paths(8),
          persistentWatches: paths(4),
          persistentRecursiveWatches: paths(4),
        }),
        // The native port's resume: a replay from the server's change history (the jute codec drops the field).
        fc.record({
          type: fc.constant("setWatches" as const),
          relativeZxid: int64,
          dataWatches: paths(8),
          existWatches: paths(8),
          childWatches: paths(8),
          persistentWatches: paths(4),
          persistentRecursiveWatches: paths(4),
          resumeAfterZxid: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
        }),
      ),
    },
    {
      weight: 9,
      arbitrary: fc.record({
        type: fc.constant("auth" as const),
        scheme: fc.oneof(fc.constantFrom("digest", "ip", "world", "super", "sasl", "auth", ""), fc.string({ maxLength: 16 })),
        auth: fc.oneof(
          fc.constant(new TextEncoder().encode("user:password")),
          fc.uint8Array({ maxLength: 64 }),
          fc.integer({ min: 4_096, max: 200_000 }).map((n) => new Uint8Array(n).fill(0x3a)),
        ),
      }),
    },
    { weight: 3, arbitrary: fc.constant({ type: "whoAmI" as const }) },
    { weight: 3, arbitrary: fc.record({ type: fc.constant("getConfig" as const), watch }) },
    { weight: 6, arbitrary: fc.constant({ type: "ping" as const }) },
    { weight: 1, arbitrary: fc.constant({ type: "closeSession" as const }) },
    { weight: 3, arbitrary: check },
    { weight: 15, arbitrary: fc.record({ type: fc.constant("multi" as const), ops: ops(writeOp) }) },
    { weight: 15, arbitrary: fc.record({ type: fc.constant("multiRead" as const), ops: ops(readOp) }) },
  );
}

/** Any request, its path valid or not. */
export const request = requestsWith(path);
/** Requests whose paths are valid (the native codec refuses a frame with an invalid path: these go deeper). */
export const requestWithValidPath = requestsWith(validPath);

/** Up to `max` requests, within LIST_BYTES_MAX.requests. */
export const requests = (max: number, of: fc.Arbitrary<Request> = request): fc.Arbitrary<Request[]> =>
  fc.array(of, { minLength: 1, maxLength: max }).map(withinBytes(LIST_BYTES_MAX.requests));

/** A ConnectRequest with every field on its edges. */
export const connectRequest: fc.Arbitrary<ConnectRequest> = fc.record({
  protocolVersion: fc.oneof(fc.constant(0), int32),
  lastZxidSeen: fc.oneof(fc.constant(0n), int64),
  timeoutMs: fc.oneof(fc.constant(4_000), int32),
  sessionId: fc.oneof(fc.constant(0n), int64),
  password: fc.oneof(
    fc.constant(new Uint8Array(16)),
    fc.uint8Array({ maxLength: 64 }),
    fc.integer({ min: 4_096, max: 500_000 }).map((n) => new Uint8Array(n)),
  ),
  readOnly: fc.boolean(),
});

/** Many sequential creates under the sequential parent, for the "multi of 10,000 creates" field case. */
export function sequentialCreates(count: number, dataBytes: number, ephemeral: boolean): WriteOp[] {
  const bytes = new Uint8Array(dataBytes).fill(0x61);
  return Array.from({ length: count }, () => ({
    type: "create" as const,
    path: `${PATHS.sequentialParent}/s-`,
    data: bytes,
    acl: [{ perms: 31, id: world }],
    mode: (ephemeral ? 3 : 2) as CreateMode,
  }));
}
