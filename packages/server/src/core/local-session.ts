// A session as the server it is connected to sees it: its connection, its identities and
// the FIFO order of its requests. The session itself (id, timeout, ephemerals) lives in
// the replicated tree; this is only the local attachment.
import type { Id, Response } from "@warden/protocol";
import type { ClientConnection } from "../net/connection.js";
import { SessionOrder } from "../session/order.js";

/** Identities one session may hold (addauth, SASL): its own address and 63 more. */
export const IDENTITIES_PER_SESSION_MAX = 64;

export interface Reply {
  xid: number;
  zxid: bigint;
  err: number;
  response: Response | undefined;
  /**
   * Close the connection after sending (closeSession, auth failure); "sessionMoved": the session
   * reattached to another server, and the connection ends with this reply (see ClientConnection.sessionMoved).
   */
  thenClose?: "sessionClosed" | "authFailed" | "authRequired" | "sessionMoved" | undefined;
  /** The reply would pass the client's frame limit and was never built: why (see ClientConnection.refuseReply). */
  refused?: string | undefined;
  /** Called once the reply is sent in order (e.g. a request that must run at its turn). */
  startedMs: number;
  op: string;
}

/** A reply as answered by whoever built it, before it is timed and named. */
export type Answer = Omit<Reply, "startedMs" | "op">;

/**
 * The reply to a request: the answer with its start time and op. One literal of one shape for
 * every request: `{ ...answer, startedMs, op }` made V8 clone the answer through a slow path,
 * about 500 bytes a request that lived long enough to reach the old generation (issue 11).
 */
export function replyOf(a: Answer, startedMs: number, op: string): Reply {
  return { xid: a.xid, zxid: a.zxid, err: a.err, response: a.response, thenClose: a.thenClose, refused: a.refused, startedMs, op };
}

export class LocalSession {
  readonly order: SessionOrder<Reply>;
  identities: Id[];
  superuser = false;
  connection: ClientConnection | undefined;
  /** Reading from the connection is paused because too many requests are outstanding. */
  paused = false;
  /** A local session of this server in read-only mode (core/read-only.ts): never in the replicated tree. */
  readOnly = false;
  /** xids of this session's writes not yet answered (at most outstandingMax). */
  readonly writeXids = new Set<number>();

  constructor(
    readonly sessionId: bigint,
    readonly timeoutMs: number,
    connection: ClientConnection,
    outstandingMax: number,
    send: (session: LocalSession, reply: Reply) => void,
    /** Reads wait while this is true (the connection's output is over its soft bound). */
    blocked: () => boolean,
  ) {
    this.connection = connection;
    // A web page's session is not trusted for its network address (see ClientConnection.origin);
    // a verified TLS client certificate authenticates every session of its connection (ZooKeeper's x509 provider).
    const address: Id[] = connection.origin === undefined ? [{ scheme: "ip", id: connection.remoteIp }] : [];
    this.identities = [...address, ...connection.tlsIdentities];
    this.superuser = connection.tlsIdentities.some((id) => id.scheme === "super");
    this.order = new SessionOrder<Reply>((_p, reply) => send(this, reply), outstandingMax, blocked);
  }
}
