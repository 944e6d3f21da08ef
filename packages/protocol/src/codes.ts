// ZooKeeper's numbers, shared by both wire protocols (ZooDefs.OpCode, KeeperException.Code,
// Watcher.Event.EventType, Watcher.Event.KeeperState, CreateMode, ZooDefs.Perms).

export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

export const ErrorCode = {
  OK: 0,
  SYSTEM_ERROR: -1,
  RUNTIME_INCONSISTENCY: -2,
  DATA_INCONSISTENCY: -3,
  CONNECTION_LOSS: -4,
  MARSHALLING_ERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATION_TIMEOUT: -7,
  BAD_ARGUMENTS: -8,
  UNKNOWN_SESSION: -12,
  NEW_CONFIG_NO_QUORUM: -13,
  RECONFIG_IN_PROGRESS: -14,
  API_ERROR: -100,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NO_CHILDREN_FOR_EPHEMERALS: -108,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
  INVALID_CALLBACK: -113,
  INVALID_ACL: -114,
  AUTH_FAILED: -115,
  SESSION_MOVED: -118,
  NOT_READONLY: -119,
  EPHEMERAL_ON_LOCAL_SESSION: -120,
  NO_WATCHER: -121,
  REQUEST_TIMEOUT: -122,
  RECONFIG_DISABLED: -123,
  SESSION_CLOSED_REQUIRE_SASL_AUTH: -124,
  QUOTA_EXCEEDED: -125,
  THROTTLED: -127,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const errorNames = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v, k]));
/** The stable name of a numeric error code, e.g. -101 -> "NO_NODE". */
export function errorCodeName(code: number): string {
  return errorNames.get(code) ?? `UNKNOWN_${code}`;
}
export function isErrorCode(code: number): code is ErrorCode {
  return errorNames.has(code);
}

export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
  /**
   * Warden's native protocol only (not ZooKeeper's): a persistent or recursive watch on
   * `path` could not be resumed after a reconnection because the server's change history no
   * longer reaches back to the client's last seen zxid. Changes may have been missed: read
   * the state again. Never sent on the ZooKeeper port.
   */
  EventsLost: 100,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

export const KeeperState = {
  Disconnected: 0,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const;
export type KeeperState = (typeof KeeperState)[keyof typeof KeeperState];

export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];

export function isSequential(mode: CreateMode): boolean {
  return mode === 2 || mode === 3 || mode === 6;
}
export function isEphemeral(mode: CreateMode): boolean {
  return mode === 1 || mode === 3;
}
export function isContainer(mode: CreateMode): boolean {
  return mode === 4;
}
export function isTTL(mode: CreateMode): boolean {
  return mode === 5 || mode === 6;
}
export function isCreateMode(n: number): n is CreateMode {
  return Number.isInteger(n) && n >= 0 && n <= 6;
}

export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;

/** addWatch modes (ZooKeeper 3.6+). */
export const AddWatchMode = {
  PERSISTENT: 0,
  PERSISTENT_RECURSIVE: 1,
} as const;
export type AddWatchMode = (typeof AddWatchMode)[keyof typeof AddWatchMode];

/** removeWatches / checkWatches watcher types (Watcher.WatcherType). */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
  Persistent: 4,
  PersistentRecursive: 5,
} as const;
export type WatcherType = (typeof WatcherType)[keyof typeof WatcherType];

/** ZooKeeper's ephemeralOwner markers for containers and TTL nodes (EphemeralType). */
export const CONTAINER_EPHEMERAL_OWNER = 0x8000000000000000n;
/** TTL nodes: ephemeralOwner = 0xFF << 56 | ttl (ttl < 2^40 ms). */
export const TTL_EPHEMERAL_OWNER_MASK = 0xff00000000000000n;
/** The longest TTL of a TTL node (40 bits of the ephemeral owner field). */
export const TTL_MS_MAX = 0xffffffffffn;
