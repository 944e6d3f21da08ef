// The internal requests and responses. Both wire protocols (native CBOR, ZooKeeper jute)
// decode into these and encode from these; nothing above a codec knows which one a
// session speaks. Field names follow ZooKeeper's records where they exist.
import type { ACL, Id } from "./acl.js";
import type { AddWatchMode, CreateMode, EventType, KeeperState, WatcherType } from "./codes.js";
import type { Stat } from "./stat.js";

/**
 * Node data: bytes, or null. Null is not empty: ZooKeeper keeps a node created or set with
 * null data (jute buffer length -1) as null and answers getData with length -1, where empty
 * data (length 0) reads back as empty. Both read back as they were written, on both ports.
 */
export type NodeData = Uint8Array | null;

export interface CreateRequest {
  type: "create";
  path: string;
  data: NodeData;
  acl: ACL[];
  mode: CreateMode;
  /** Milliseconds; only with the TTL modes, and then > 0. */
  ttl?: number;
}
export interface DeleteRequest {
  type: "delete";
  path: string;
  /** -1 matches any version. */
  version: number;
}
export interface SetDataRequest {
  type: "setData";
  path: string;
  data: NodeData;
  version: number;
}
export interface CheckRequest {
  type: "check";
  path: string;
  version: number;
}
export interface ExistsRequest {
  type: "exists";
  path: string;
  watch: boolean;
}
export interface GetDataRequest {
  type: "getData";
  path: string;
  watch: boolean;
}
export interface GetChildrenRequest {
  type: "getChildren";
  path: string;
  watch: boolean;
  /** getChildren2: the reply carries the parent's Stat. */
  withStat: boolean;
}
export interface GetACLRequest {
  type: "getACL";
  path: string;
}
export interface SetACLRequest {
  type: "setACL";
  path: string;
  acl: ACL[];
  /** -1 matches any aversion. */
  version: number;
}
export interface GetAllChildrenNumberRequest {
  type: "getAllChildrenNumber";
  path: string;
}
export interface GetEphemeralsRequest {
  type: "getEphemerals";
  /** Path prefix; "/" for all of the session's ephemerals. */
  prefix: string;
}
export interface SyncRequest {
  type: "sync";
  path: string;
}
export interface AddWatchRequest {
  type: "addWatch";
  path: string;
  mode: AddWatchMode;
}
export interface RemoveWatchesRequest {
  type: "removeWatches";
  path: string;
  watcherType: WatcherType;
  /** checkWatches: only report whether such a watch exists, remove nothing. */
  checkOnly: boolean;
}
export interface SetWatchesRequest {
  type: "setWatches";
  /** The client's lastZxidSeen: events after it are delivered on registration. */
  relativeZxid: bigint;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
  /**
   * Native protocol only (absent on the ZooKeeper port, which keeps ZooKeeper's behaviour):
   * the client has every event up to this zxid. The server first replays, for this request's
   * persistent and recursive watches, every event they would have fired after it, in zxid
   * order, from its change history; an `EventsLost` event per watch path when the history
   * no longer reaches back that far. One-shot catch-up events follow, marked `catchUp`.
   * One per connection: a second is answered BAD_ARGUMENTS.
   */
  resumeAfterZxid?: bigint;
}
export interface AuthRequest {
  type: "auth";
  scheme: string;
  /** Null (jute length -1) is accepted where ZooKeeper's provider ignores it (scheme ip). */
  auth: Uint8Array | null;
}
/**
 * A SASL token (ZooKeeper's GetSASLRequest, op code sasl): the first is empty for DIGEST-MD5;
 * null (jute length -1) is a malformed exchange. ZooKeeper port only.
 */
export interface SaslRequest {
  type: "sasl";
  token: Uint8Array | null;
}
export interface WhoAmIRequest {
  type: "whoAmI";
}
export interface GetConfigRequest {
  type: "getConfig";
  watch: boolean;
}
/**
 * ZooKeeper's ReconfigRequest (op 16): incremental (joiningServers: `server.N=...` lines,
 * comma-separated; leavingServers: ids, comma-separated) or non-incremental (newMembers: the
 * whole configuration, lines separated by commas or newlines); null where not given.
 * curConfigId -1 matches any version. Answered with the new configuration's text and Stat.
 */
export interface ReconfigRequest {
  type: "reconfig";
  joiningServers: string | null;
  leavingServers: string | null;
  newMembers: string | null;
  curConfigId: bigint;
}
export interface PingRequest {
  type: "ping";
}
export interface CloseSessionRequest {
  type: "closeSession";
}
export type WriteOp = CreateRequest | DeleteRequest | SetDataRequest | CheckRequest;
export interface MultiRequest {
  type: "multi";
  ops: WriteOp[];
}
export type ReadOp = GetChildrenRequest | GetDataRequest;
export interface MultiReadRequest {
  type: "multiRead";
  ops: ReadOp[];
}

export type Request =
  | CreateRequest
  | DeleteRequest
  | SetDataRequest
  | CheckRequest
  | ExistsRequest
  | GetDataRequest
  | GetChildrenRequest
  | GetACLRequest
  | SetACLRequest
  | GetAllChildrenNumberRequest
  | GetEphemeralsRequest
  | SyncRequest
  | AddWatchRequest
  | RemoveWatchesRequest
  | SetWatchesRequest
  | AuthRequest
  | SaslRequest
  | WhoAmIRequest
  | GetConfigRequest
  | ReconfigRequest
  | PingRequest
  | CloseSessionRequest
  | MultiRequest
  | MultiReadRequest;

export type RequestType = Request["type"];

/** Requests that change the tree and go through consensus. */
export const WRITE_REQUEST_TYPES: ReadonlySet<RequestType> = new Set<RequestType>([
  "create",
  "delete",
  "setData",
  "setACL",
  "check",
  "multi",
  "closeSession",
]);

export interface CreateResponse {
  type: "create";
  path: string;
  stat: Stat;
}
export interface EmptyResponse {
  type: "delete" | "check" | "ping" | "closeSession" | "auth" | "addWatch" | "removeWatches" | "setWatches";
}
export interface StatResponse {
  type: "exists" | "setData" | "setACL";
  stat: Stat;
}
export interface GetDataResponse {
  type: "getData" | "getConfig" | "reconfig";
  data: NodeData;
  stat: Stat;
}
export interface GetChildrenResponse {
  type: "getChildren";
  children: string[];
  /** Present for getChildren2. */
  stat?: Stat;
}
export interface GetACLResponse {
  type: "getACL";
  acl: ACL[];
  stat: Stat;
}
export interface GetAllChildrenNumberResponse {
  type: "getAllChildrenNumber";
  totalNumber: number;
}
export interface GetEphemeralsResponse {
  type: "getEphemerals";
  ephemerals: string[];
}
export interface SyncResponse {
  type: "sync";
  path: string;
}
/** The server's SASL token (SetSASLResponse): a challenge, or the last round's rspauth; null after a failed round that allowSaslFailedClients let pass. */
export interface SaslResponse {
  type: "sasl";
  token: Uint8Array | null;
}
export interface WhoAmIResponse {
  type: "whoAmI";
  clientInfo: Id[];
}

/** One op's outcome inside a multi: a result, or `error` with its code. */
export type MultiResult =
  | { type: "create"; path: string; stat: Stat }
  | { type: "delete" }
  | { type: "setData"; stat: Stat }
  | { type: "check" }
  | { type: "error"; err: number };
export interface MultiResponse {
  type: "multi";
  results: MultiResult[];
}
export type MultiReadResult =
  | { type: "getChildren"; children: string[] }
  | { type: "getData"; data: NodeData; stat: Stat }
  | { type: "error"; err: number };
export interface MultiReadResponse {
  type: "multiRead";
  results: MultiReadResult[];
}

export type Response =
  | CreateResponse
  | EmptyResponse
  | StatResponse
  | GetDataResponse
  | GetChildrenResponse
  | GetACLResponse
  | GetAllChildrenNumberResponse
  | GetEphemeralsResponse
  | SyncResponse
  | WhoAmIResponse
  | SaslResponse
  | MultiResponse
  | MultiReadResponse;

/** Opening a session (new: sessionId 0n) or reattaching one (its id and password). */
export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: bigint;
  timeoutMs: number;
  sessionId: bigint;
  password: Uint8Array;
  /** The client accepts a read-only server (ZooKeeper's canBeReadOnly); a read-only server refuses it otherwise. */
  readOnly: boolean;
}
/** timeoutMs 0 means the session is refused (expired, unknown, or wrong password). */
export interface ConnectResponse {
  protocolVersion: number;
  timeoutMs: number;
  sessionId: bigint;
  password: Uint8Array;
  /** The server is read-only (no quorum): the session is local to it, and writes get NOT_READONLY. */
  readOnly: boolean;
}

/** A watch event delivered to a session. */
export interface WatchEvent {
  type: EventType;
  state: KeeperState;
  path: string;
  /** The zxid of the change that fired it (the native protocol carries it; jute does not). */
  zxid: bigint;
  /**
   * Native protocol only: a one-shot watch's catch-up event of a setWatches (ZooKeeper's
   * rule, judged at the server's state; zxid is that state's). It is for the one-shot
   * watches only: persistent ones got the exact events by replay (or EventsLost).
   */
  catchUp?: boolean;
}

/** Session password length in bytes, as ZooKeeper's. */
export const SESSION_PASSWORD_BYTES = 16;
