// fast-check arbitraries of every internal message (messages.ts), with sizes drawn across the
// writers' growth boundaries: data up to `dataBytesMax`, paths up to PATH_CHARS_MAX, long
// child, watch and ACL lists, many multi ops and results. Values stay inside what both wire
// protocols carry: valid paths, longs in [0, 2^63) (jute's longs are signed), int32 versions.
import fc from "fast-check";
import {
  AddWatchMode,
  CloseReason,
  DATA_BYTES_MAX_DEFAULT,
  EventType,
  KeeperState,
  PATH_CHARS_MAX,
  WatcherType,
  type ACL,
  type ConnectRequest,
  type ConnectResponse,
  type MultiReadResult,
  type MultiResult,
  type ReadOp,
  type Request,
  type Response,
  type Stat,
  type WatchEvent,
  type WriteOp,
} from "../src/index.js";
import { CONFIG_NODE_PATH } from "../src/jute/types.js";
import { bytesAcrossBoundaries, countAcrossBoundaries, listOf, memoized, sizeAcrossBoundaries } from "../../testing/src/sizes.js";

export interface MessageSizes {
  /** Node data (create, setData, getData). */
  dataBytesMax: number;
  /** Entries of one list: children, ephemerals, each watch list, ACL entries, multi ops and results. */
  listItemsMax: number;
  /** Characters of a path. */
  pathCharsMax: number;
  /** Characters of any other string (ACL scheme and id, auth scheme, close message). */
  stringCharsMax: number;
  /** Session password and auth credentials. */
  credentialBytesMax: number;
}

export const DEFAULT_SIZES: MessageSizes = {
  /** The servers' bound on node data (ZooKeeper's jute.maxbuffer), which both decoders enforce. */
  dataBytesMax: DATA_BYTES_MAX_DEFAULT,
  listItemsMax: 1024,
  pathCharsMax: PATH_CHARS_MAX,
  stringCharsMax: 4096,
  credentialBytesMax: 4096,
};

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
export const int32 = fc.integer({ min: INT32_MIN, max: INT32_MAX });
const xid = fc.integer({ min: 1, max: INT32_MAX });
/** A zxid, session id or owner: a long both protocols carry the same (jute's are signed). */
export const long = fc.oneof(
  fc.constantFrom(0n, 1n, 0xffffffffn, 0x100000000n, 2n ** 63n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
);
const millis = fc.oneof(fc.constantFrom(0, 1_700_000_000_000), fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }));

/** Characters valid in a znode name: 1-, 2- and 3-byte UTF-8, none of ZooKeeper's reserved ranges, no "/" or ".". */
const NAME_CHARS = [..."abcxyzABCXYZ0189-_:@ ~", "\u00e9", "\u00df", "\u03a9", "\u4e2d", "\uf900", "\uffef"];

/** A valid path of exactly `length` characters (length >= 1), from names of `name`'s characters. */
function pathOf(length: number, name: string): string {
  let path = "/";
  for (let i = 0; path.length < length; i++) {
    // A "/" after each whole name, unless it would end the path or follow another.
    const atNameEnd = i > 0 && i % name.length === 0;
    path += atNameEnd && path.length < length - 1 && !path.endsWith("/") ? "/" : name[i % name.length]!;
  }
  return path;
}

export const path = memoized(
  (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<string> =>
    fc
      .tuple(sizeAcrossBoundaries(sizes.pathCharsMax, 1), fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 12 }))
      .map(([length, name]) => pathOf(length, name)),
);

/** A child's name: one path segment. */
export const childName = memoized(
  (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<string> =>
    path({ ...sizes, pathCharsMax: Math.min(sizes.pathCharsMax, sizes.stringCharsMax + 1) }).map(
      (p) => p.slice(1).replaceAll("/", "_") || "n",
    ),
);

/**
 * One code point of each UTF-8 width, surrogates excepted. (fast-check's unit "binary" would
 * do, but building its first instance takes seconds.)
 */
const codePoint = fc
  .oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xfffd - 0x800 }),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  )
  .map((c) => String.fromCodePoint(c >= 0xd800 && c < 0x10000 ? c + 0x800 : c));

/** Any string of valid Unicode (4-byte UTF-8 included), of up to `maxChars` characters. */
export const text = memoized(
  (maxChars: number): fc.Arbitrary<string> =>
    fc.tuple(sizeAcrossBoundaries(maxChars), fc.string({ unit: codePoint, minLength: 1, maxLength: 8 })).map(([length, unit]) => {
      let s = unit.repeat(Math.ceil(length / unit.length) + 1).slice(0, length);
      if (/[\ud800-\udbff]$/.test(s)) s = s.slice(0, -1); // never end on half a pair
      return s;
    }),
);

export const data = memoized((sizes: MessageSizes = DEFAULT_SIZES) => bytesAcrossBoundaries(sizes.dataBytesMax));
/** Node data as messages carry it: bytes, or now and then null (jute length -1, CBOR null). */
export const nodeData = memoized((sizes: MessageSizes = DEFAULT_SIZES) => fc.option(data(sizes), { nil: null, freq: 8 }));
const credential = memoized((sizes: MessageSizes) => bytesAcrossBoundaries(sizes.credentialBytesMax));

/** The sizes of one item of a list of n: each bound divided by n, so that a list of them stays near one frame. */
export function perItem(sizes: MessageSizes, n: number): MessageSizes {
  const share = (bound: number, least: number) => Math.max(least, Math.floor(bound / Math.max(1, n)));
  return {
    dataBytesMax: share(sizes.dataBytesMax, 0),
    listItemsMax: share(sizes.listItemsMax, 0),
    pathCharsMax: share(sizes.pathCharsMax, 1),
    stringCharsMax: share(sizes.stringCharsMax, 1),
    credentialBytesMax: share(sizes.credentialBytesMax, 0),
  };
}

/** A list of up to sizes.listItemsMax items, each drawn with its share of the sizes. */
function list<T>(sizes: MessageSizes, item: (sizes: MessageSizes) => fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return listOf(countAcrossBoundaries(sizes.listItemsMax), (n) => item(perItem(sizes, n)));
}

export const stat: fc.Arbitrary<Stat> = fc.record({
  czxid: long,
  mzxid: long,
  ctime: millis,
  mtime: millis,
  version: int32,
  cversion: int32,
  aversion: int32,
  ephemeralOwner: long,
  dataLength: fc.integer({ min: 0, max: INT32_MAX }),
  numChildren: fc.integer({ min: 0, max: INT32_MAX }),
  pzxid: long,
});

export const acl = memoized(
  (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<ACL[]> =>
    list(sizes, (one) => fc.record({ perms: int32, id: fc.record({ scheme: text(one.stringCharsMax), id: text(one.stringCharsMax) }) })),
);

// One character short of the limit: a sequential create's path must leave room for its counter.
const createRequest = (sizes: MessageSizes) =>
  fc
    .record({
      path: path({ ...sizes, pathCharsMax: Math.max(1, sizes.pathCharsMax - 1) }),
      data: nodeData(sizes),
      acl: acl(sizes),
      mode: fc.integer({ min: 0, max: 6 }),
      ttl: fc.integer({ min: 0, max: 2 ** 40 }),
    })
    .map(
      ({ ttl, ...r }) =>
        ({ type: "create" as const, ...r, ...(r.mode === 5 || r.mode === 6 ? { ttl } : {}) }) as Request & { type: "create" },
    );

export const writeOp = memoized(
  (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<WriteOp> =>
    fc.oneof(
      createRequest(sizes),
      fc.record({ type: fc.constantFrom("delete" as const, "check" as const), path: path(sizes), version: int32 }),
      fc.record({ type: fc.constant("setData" as const), path: path(sizes), data: nodeData(sizes), version: int32 }),
    ),
);

/** getData of the config node's path is getConfig on the jute wire: other paths only. */
const dataPath = (sizes: MessageSizes) => path(sizes).filter((p) => p !== CONFIG_NODE_PATH);

export const readOp = memoized(
  (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<ReadOp> =>
    fc.oneof(
      fc.record({ type: fc.constant("getChildren" as const), path: path(sizes), watch: fc.boolean(), withStat: fc.constant(false) }),
      fc.record({ type: fc.constant("getData" as const), path: dataPath(sizes), watch: fc.boolean() }),
    ),
);

const paths = (sizes: MessageSizes) => list(sizes, path);

/** Every request type, each field sized across the boundaries. */
export const request = (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<Request> =>
  fc.oneof(
    createRequest(sizes),
    writeOp(sizes),
    fc.record({ type: fc.constant("exists" as const), path: path(sizes), watch: fc.boolean() }),
    fc.record({ type: fc.constant("getData" as const), path: dataPath(sizes), watch: fc.boolean() }),
    fc.record({ type: fc.constant("getChildren" as const), path: path(sizes), watch: fc.boolean(), withStat: fc.boolean() }),
    fc.record({ type: fc.constantFrom("getACL" as const, "getAllChildrenNumber" as const, "sync" as const), path: path(sizes) }),
    fc.record({ type: fc.constant("setACL" as const), path: path(sizes), acl: acl(sizes), version: int32 }),
    fc.record({ type: fc.constant("getEphemerals" as const), prefix: path(sizes) }),
    fc.record({ type: fc.constant("addWatch" as const), path: path(sizes), mode: fc.constantFrom(...Object.values(AddWatchMode)) }),
    fc.record({
      type: fc.constant("removeWatches" as const),
      path: path(sizes),
      watcherType: fc.constantFrom(...Object.values(WatcherType)),
      checkOnly: fc.boolean(),
    }),
    fc.record({
      type: fc.constant("setWatches" as const),
      relativeZxid: long,
      dataWatches: paths(sizes),
      existWatches: paths(sizes),
      childWatches: paths(sizes),
      persistentWatches: paths(sizes),
      persistentRecursiveWatches: paths(sizes),
    }),
    fc.record({ type: fc.constant("auth" as const), scheme: text(sizes.stringCharsMax), auth: credential(sizes) }),
    fc.record({ type: fc.constant("getConfig" as const), watch: fc.boolean() }),
    fc.record({
      type: fc.constant("reconfig" as const),
      joiningServers: fc.option(text(sizes.stringCharsMax), { nil: null }),
      leavingServers: fc.option(text(sizes.stringCharsMax), { nil: null }),
      newMembers: fc.option(text(sizes.stringCharsMax), { nil: null }),
      curConfigId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    }),
    fc.record({ type: fc.constantFrom("whoAmI" as const, "ping" as const, "closeSession" as const) }),
    fc.record({ type: fc.constant("multi" as const), ops: list(sizes, writeOp) }),
    fc.record({ type: fc.constant("multiRead" as const), ops: list(sizes, readOp) }),
  );

export const errorCode = fc.constantFrom(-1, -4, -101, -103, -110, -111, -112, -8);

export const multiResult = memoized(
  (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<MultiResult> =>
    fc.oneof(
      fc.record({ type: fc.constant("create" as const), path: path(sizes), stat }),
      fc.record({ type: fc.constant("setData" as const), stat }),
      fc.record({ type: fc.constantFrom("delete" as const, "check" as const) }),
      fc.record({ type: fc.constant("error" as const), err: errorCode }),
    ),
);

const children = (sizes: MessageSizes) => list(sizes, childName);

export const multiReadResult = memoized(
  (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<MultiReadResult> =>
    fc.oneof(
      fc.record({ type: fc.constant("getChildren" as const), children: children(sizes) }),
      fc.record({ type: fc.constant("getData" as const), data: nodeData(sizes), stat }),
      fc.record({ type: fc.constant("error" as const), err: errorCode }),
    ),
);

/** Every response type, each field sized across the boundaries. */
export const response = (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<Response> =>
  fc.oneof(
    fc.record({ type: fc.constant("create" as const), path: path(sizes), stat }),
    fc.record({ type: fc.constantFrom("delete", "check", "ping", "closeSession", "auth", "addWatch", "removeWatches", "setWatches") }),
    fc.record({ type: fc.constantFrom("exists" as const, "setData" as const, "setACL" as const), stat }),
    fc.record({ type: fc.constantFrom("getData" as const, "getConfig" as const, "reconfig" as const), data: nodeData(sizes), stat }),
    fc.record({ type: fc.constant("getChildren" as const), children: children(sizes) }),
    fc.record({ type: fc.constant("getChildren" as const), children: children(sizes), stat }),
    fc.record({ type: fc.constant("getACL" as const), acl: acl(sizes), stat }),
    fc.record({ type: fc.constant("getAllChildrenNumber" as const), totalNumber: fc.integer({ min: 0, max: INT32_MAX }) }),
    fc.record({ type: fc.constant("getEphemerals" as const), ephemerals: paths(sizes) }),
    fc.record({ type: fc.constant("sync" as const), path: path(sizes) }),
    fc.record({
      type: fc.constant("whoAmI" as const),
      clientInfo: list(sizes, (one) => fc.record({ scheme: text(one.stringCharsMax), id: text(one.stringCharsMax) })),
    }),
    fc.record({ type: fc.constant("multi" as const), results: list(sizes, multiResult) }),
    fc.record({ type: fc.constant("multiRead" as const), results: list(sizes, multiReadResult) }),
  ) as fc.Arbitrary<Response>;

export const connectRequest = (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<ConnectRequest> =>
  fc.record({
    protocolVersion: int32,
    lastZxidSeen: long,
    timeoutMs: fc.integer({ min: 0, max: INT32_MAX }),
    sessionId: long,
    password: credential(sizes),
    readOnly: fc.boolean(),
  });

export const connectResponse = (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<ConnectResponse> =>
  fc.record({
    protocolVersion: int32,
    timeoutMs: fc.integer({ min: 0, max: INT32_MAX }),
    sessionId: long,
    password: credential(sizes),
    readOnly: fc.boolean(),
  });

export const watchEvent = (sizes: MessageSizes = DEFAULT_SIZES): fc.Arbitrary<WatchEvent> =>
  fc.oneof(
    fc.record({
      type: fc.constantFrom(...Object.values(EventType)),
      state: fc.constantFrom(...Object.values(KeeperState)),
      path: path(sizes),
      zxid: long,
    }),
    fc.record({
      type: fc.constant(EventType.None),
      state: fc.constantFrom(...Object.values(KeeperState)),
      path: fc.constant(""),
      zxid: long,
    }),
  );

export { xid };
export const closeReason = fc.constantFrom(...Object.values(CloseReason));

/**
 * `message` with its first variable-length field (in key order, the order both codecs write:
 * a path, data, a name or an ACL string) made `length` long, and every boolean true (a false
 * written into a stale buffer reads back false from the fresh one: only true shows the loss).
 * Swept over every length, each fixed-width field written after it lands at every offset: the
 * deterministic companion of the drawn sizes, which hit a one-byte field at a boundary by luck.
 */
export function sweptSample<T>(message: T, length: number): T {
  let grown = false;
  const sweep = (value: unknown, key: string): unknown => {
    // withStat picks the record (getChildren2; never inside a multiRead): left as it is.
    if (typeof value === "boolean") return key === "withStat" ? value : true;
    if (value instanceof Uint8Array) {
      if (grown) return value;
      grown = true;
      return new Uint8Array(length).fill(0xa5);
    }
    if (typeof value === "string") {
      if (grown || value === "" || key === "type" || key === "kind" || key === "reason") return value;
      grown = true;
      return value.startsWith("/") ? pathOf(Math.max(1, length), "node") : "x".repeat(Math.max(1, length));
    }
    if (Array.isArray(value)) return value.map((v) => sweep(v, key));
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sweep(v, k)]));
    return value;
  };
  return sweep(message, "") as T;
}
