// The jute codec's envelopes around the internal Request/Response (messages.ts): what the
// wire carries beyond them (xid, the original op code) so a reply is encoded the way the
// request's op code asks, and a decoded record re-encodes to the same bytes.
import type { ConnectRequest, ConnectResponse, Request, Response, WatchEvent } from "../messages.js";

/** ZooKeeper's reserved xids (ClientCnxn). Clients number their other requests from 1. */
export const Xid = {
  /** A watch event (server to client). */
  notification: -1,
  /** Ping and its reply (ZooKeeper always answers pings with -2). */
  ping: -2,
  /** An AuthPacket and its reply. */
  auth: -4,
  /** SetWatches / SetWatches2 sent during reconnect (3.8's Java client uses an ordinary xid). */
  setWatches: -8,
} as const;

/** The path getConfig reads (ZooDefs.CONFIG_NODE); the Java client sends a getData for it. */
export const CONFIG_NODE_PATH = "/zookeeper/config";

/** ReconfigRequest's fields (the "reconfig" request without its type). */
export interface ReconfigRecord {
  joiningServers: string | null;
  leavingServers: string | null;
  newMembers: string | null;
  curConfigId: bigint;
}

/** A ConnectRequest as the server saw it. */
export interface JuteConnectRequest {
  request: ConnectRequest;
  /** False for pre-3.3 clients that omit the trailing readOnly boolean; answer them without it too. */
  readOnlyField: boolean;
}

export interface JuteConnectResponse {
  response: ConnectResponse;
  readOnlyField: boolean;
}

/**
 * One decoded client frame after the handshake.
 * - "request": an operation; reply with encodeReply(frame, ...) or encodeErrorReply.
 * - "rejected": well-formed but refused the way ZooKeeper refuses it: reply `err` with
 *   encodeErrorReply(xid, zxid, err), and close the session if `closeSession` (ZooKeeper's
 *   UnimplementedRequestProcessor does that for op codes it does not know).
 */
export type JuteRequestFrame =
  | JuteOpRequest
  | { kind: "rejected"; xid: number; opCode: number; err: number; closeSession: boolean; message: string };

export interface JuteOpRequest {
  kind: "request";
  xid: number;
  /** The op code on the wire: create/create2/createTTL/createContainer, getChildren/2, ... */
  opCode: number;
  request: Request;
  /** multi and multiRead: each op's code, in order (create vs create2 shapes the results). */
  multiOpCodes?: readonly number[];
}

/** Which reply record to write: the request's op code (and its multi op codes). */
export interface JuteReplyShape {
  opCode: number;
  multiOpCodes?: readonly number[] | undefined;
}

/** A frame from the server, decoded on the client side. */
export type JuteServerFrame =
  | { kind: "reply"; xid: number; zxid: bigint; err: number; opCode: number; response?: Response }
  | { kind: "notification"; zxid: bigint; event: WatchEvent };
