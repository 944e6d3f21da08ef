// The frames of the native protocol: one CBOR map per WebSocket binary message, with
// `kind` saying which. Requests and replies are matched by xid and answered in order.
import type { ConnectRequest, ConnectResponse, Request, Response, WatchEvent } from "../messages.js";

/** Why a server refuses or ends a connection (the `close` frame), stable for programs. */
export const CloseReason = {
  /** The session is unknown, expired, or its password is wrong: the client must start a new one. */
  SESSION_EXPIRED: "sessionExpired",
  /** The server's last zxid is behind the client's lastZxidSeen: try another server. */
  ZXID_BEHIND: "zxidBehind",
  /** The server cannot serve now (no quorum, starting, read-only refused): try another server. */
  NOT_SERVING: "notServing",
  /** The client's address has too many connections to this server. */
  TOO_MANY_CONNECTIONS: "tooManyConnections",
  /** The server could not decode a frame; the DecodeError's message follows. */
  BAD_FRAME: "badFrame",
  /** The server is stopping; the session lives on, try another server. */
  SHUTTING_DOWN: "shuttingDown",
  /** The session was closed by a closeSession request. */
  SESSION_CLOSED: "sessionClosed",
  /** Authentication failed (addAuth): the connection ends, as in ZooKeeper. */
  AUTH_FAILED: "authFailed",
  /**
   * The session reattached on another connection (another server, or this one again): this
   * connection ends, as ZooKeeper ends it on SESSION_MOVED. The session lives on over there.
   */
  SESSION_MOVED: "sessionMoved",
} as const;
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];
export const CLOSE_REASONS: ReadonlySet<string> = new Set(Object.values(CloseReason));

/** First frame of a connection: open a session (sessionId 0n) or reattach one. */
export interface ConnectFrame {
  kind: "connect";
  request: ConnectRequest;
}
/** xid: a positive int32 chosen by the client, increasing; the reply carries it back. */
export interface RequestFrame {
  kind: "request";
  xid: number;
  request: Request;
}
export type ClientFrame = ConnectFrame | RequestFrame;

/** The session is open; `lastZxid` is the server's, never behind the client's lastZxidSeen. */
export interface ConnectedFrame {
  kind: "connected";
  response: ConnectResponse;
  lastZxid: bigint;
}
/** err is an ErrorCode; `response` is present exactly when err is 0 (OK). */
export interface ReplyFrame {
  kind: "reply";
  xid: number;
  zxid: bigint;
  err: number;
  response?: Response;
}
export interface EventFrame {
  kind: "event";
  event: WatchEvent;
}
/** Sent just before the server closes the connection; the refusal of a connect too. */
export interface CloseFrame {
  kind: "close";
  reason: CloseReason;
  message: string;
  /** The server's last zxid, with zxidBehind. */
  lastZxid?: bigint;
}
export type ServerFrame = ConnectedFrame | ReplyFrame | EventFrame | CloseFrame;
