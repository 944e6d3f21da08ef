// One sample of every request, response and frame kind of the native protocol.
import {
  AddWatchMode,
  CreateMode,
  EventType,
  KeeperState,
  OPEN_ACL_UNSAFE,
  WatcherType,
  type ClientFrame,
  type Request,
  type Response,
  type ServerFrame,
  type Stat,
} from "@warden/protocol";

export const stat: Stat = {
  czxid: 0x100000001n,
  mzxid: 0x100000002n,
  ctime: 1_700_000_000_000,
  mtime: 1_700_000_000_123,
  version: 3,
  cversion: -1,
  aversion: 0,
  ephemeralOwner: 0x8000000000000000n,
  dataLength: 5,
  numChildren: 2,
  pzxid: 0xffffffffffffffffn,
};
const acl = [...OPEN_ACL_UNSAFE, { perms: 3, id: { scheme: "digest", id: "bob:hash=" } }];
const data = new Uint8Array([1, 2, 3, 4, 5]);

export const requests: Request[] = [
  { type: "create", path: "/a", data, acl, mode: CreateMode.PERSISTENT },
  { type: "create", path: "/a/seq-", data, acl, mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttl: 5000 },
  { type: "delete", path: "/a", version: -1 },
  { type: "setData", path: "/a", data, version: 7 },
  { type: "check", path: "/a", version: 0 },
  { type: "exists", path: "/a", watch: true },
  { type: "getData", path: "/", watch: false },
  { type: "getChildren", path: "/a", watch: true, withStat: true },
  { type: "getACL", path: "/a" },
  { type: "setACL", path: "/a", acl, version: -1 },
  { type: "getAllChildrenNumber", path: "/a" },
  { type: "getEphemerals", prefix: "/" },
  { type: "sync", path: "/a" },
  { type: "addWatch", path: "/a", mode: AddWatchMode.PERSISTENT_RECURSIVE },
  { type: "removeWatches", path: "/a", watcherType: WatcherType.Any, checkOnly: false },
  {
    type: "setWatches",
    relativeZxid: 0x500000007n,
    dataWatches: ["/a"],
    existWatches: ["/b"],
    childWatches: ["/"],
    persistentWatches: [],
    persistentRecursiveWatches: ["/c/d"],
  },
  { type: "auth", scheme: "digest", auth: new TextEncoder().encode("bob:secret") },
  { type: "whoAmI" },
  { type: "getConfig", watch: true },
  { type: "reconfig", joiningServers: "server.5=10.0.0.5:2888:3888;2181", leavingServers: "3,4", newMembers: null, curConfigId: -1n },
  {
    type: "reconfig",
    joiningServers: null,
    leavingServers: null,
    newMembers: "server.1=a:1:2;3\nversion=100000000",
    curConfigId: 0x100000000n,
  },
  { type: "ping" },
  { type: "closeSession" },
  {
    type: "multi",
    ops: [
      { type: "create", path: "/m", data, acl, mode: CreateMode.EPHEMERAL },
      { type: "delete", path: "/m", version: 1 },
      { type: "setData", path: "/m", data, version: -1 },
      { type: "check", path: "/m", version: 2 },
    ],
  },
  {
    type: "multiRead",
    ops: [
      { type: "getChildren", path: "/", watch: false, withStat: false },
      { type: "getData", path: "/a", watch: false },
    ],
  },
];

export const responses: Response[] = [
  { type: "create", path: "/a/seq-0000000001", stat },
  ...(["delete", "check", "ping", "closeSession", "auth", "addWatch", "removeWatches", "setWatches"] as const).map((type) => ({ type })),
  ...(["exists", "setData", "setACL"] as const).map((type) => ({ type, stat })),
  { type: "getData", data, stat },
  { type: "getConfig", data: new Uint8Array(0), stat },
  { type: "reconfig", data: new TextEncoder().encode("server.1=a:1:2:participant;0.0.0.0:3\nversion=100000007"), stat },
  { type: "getChildren", children: ["x", "y"] },
  { type: "getChildren", children: [], stat },
  { type: "getACL", acl, stat },
  { type: "getAllChildrenNumber", totalNumber: 12 },
  { type: "getEphemerals", ephemerals: ["/e1", "/a/e2"] },
  { type: "sync", path: "/a" },
  { type: "whoAmI", clientInfo: [{ scheme: "ip", id: "127.0.0.1" }] },
  {
    type: "multi",
    results: [
      { type: "create", path: "/m", stat },
      { type: "delete" },
      { type: "setData", stat },
      { type: "check" },
      { type: "error", err: -101 },
    ],
  },
  {
    type: "multiRead",
    results: [
      { type: "getChildren", children: ["a"] },
      { type: "getData", data, stat },
      { type: "error", err: -101 },
    ],
  },
];

export const clientFrames: ClientFrame[] = [
  {
    kind: "connect",
    request: {
      protocolVersion: 0,
      lastZxidSeen: 0x200000003n,
      timeoutMs: 30_000,
      sessionId: 0x1234n,
      password: new Uint8Array(16).fill(7),
      readOnly: false,
    },
  },
  ...requests.map((request, i): ClientFrame => ({ kind: "request", xid: i + 1, request })),
];

export const serverFrames: ServerFrame[] = [
  {
    kind: "connected",
    response: {
      protocolVersion: 0,
      timeoutMs: 30_000,
      sessionId: 0xff00000000001234n,
      password: new Uint8Array(16).fill(9),
      readOnly: false,
    },
    lastZxid: 0x200000003n,
  },
  ...responses.map((response, i): ServerFrame => ({ kind: "reply", xid: i + 1, zxid: 0x200000003n + BigInt(i), err: 0, response })),
  { kind: "reply", xid: 99, zxid: 5n, err: -101 },
  { kind: "event", event: { type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: "/a", zxid: 9n } },
  { kind: "event", event: { type: EventType.None, state: KeeperState.Expired, path: "", zxid: 0n } },
  { kind: "close", reason: "zxidBehind", message: "server behind the client", lastZxid: 3n },
  { kind: "close", reason: "sessionExpired", message: "unknown session" },
];
