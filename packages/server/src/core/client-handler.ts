// One client connection's requests: the handshake (new session or reattach), reads served
// from the local tree in the session's order (local-requests.ts), writes sent on their way
// to the leader; requests refused before they are queued are in request-refusals.ts.
// Every entry point is guarded: a fault while handling this connection ends it (logged and
// counted by the connection), never the server.
import {
  CloseReason,
  ErrorCode,
  Perms,
  formatZxid,
  type ACL,
  type ConnectRequest,
  type Request,
  type Response,
  type WatchEvent,
} from "@warden/protocol";
import { checkACL } from "@warden/tree";
import { PauseReason, type ClientConnection, type ConnectionHandler } from "../net/connection.js";
import { negotiateTimeoutMs } from "../session/tracker.js";
import { IDENTITIES_PER_SESSION_MAX, LocalSession, replyOf, type Answer, type Reply } from "./local-session.js";
import { LocalRequests } from "./local-requests.js";
import { readOnlyAnswer, refusal } from "./request-refusals.js";
import { samePassword } from "./session-ids.js";
import type { ServerContext } from "./context.js";
import { SaslExchange, enforcementRefusal } from "./client-auth.js";
import { readOnlyConnect } from "./read-only.js";

const NO_SECRET_YET = "the ensemble has not committed its session secret yet; try again";
export { IDENTITIES_PER_SESSION_MAX };

export class ClientHandler implements ConnectionHandler {
  session: LocalSession | undefined;
  private connecting: { sessionId: bigint; timeoutMs: number } | undefined;
  /** The connection's SASL exchange, made at its first round. */
  private sasl: SaslExchange | undefined;
  /** An authentication failed: the connection is closing and reads nothing more (ZooKeeper's disableRecv). */
  private ending = false;
  /** The session is a local one of this server in read-only mode. */
  private readOnly = false;

  /** The requests answered from this server's state (local-requests.ts). */
  private readonly locals: LocalRequests;

  constructor(
    private readonly ctx: ServerContext,
    readonly connection: ClientConnection,
  ) {
    this.locals = new LocalRequests(ctx, connection, (event, acl) => this.deliver(event, acl));
  }

  onConnect(req: ConnectRequest): void {
    this.guard(() => this.connect(req));
  }

  private connect(req: ConnectRequest): void {
    const { node, config } = this.ctx;
    // The connection hands on exactly one ConnectRequest; a second would be a bug of ours.
    if (this.session || this.connecting) return this.connection.fail("connect_twice", "a second ConnectRequest");
    if (!node.serving) {
      if (this.ctx.readOnly?.active) return this.connectReadOnly(req);
      return this.connection.close(CloseReason.NOT_SERVING, "this server has no quorum; try another");
    }
    if (req.lastZxidSeen > node.lastZxid) {
      const message = `the client has seen zxid ${formatZxid(req.lastZxidSeen)}, this server only ${formatZxid(node.lastZxid)}; try another server`;
      return this.connection.close(CloseReason.ZXID_BEHIND, message, node.lastZxid);
    }
    if (req.sessionId === 0n) {
      const timeoutMs = negotiateTimeoutMs(req.timeoutMs, config.sessionTimeoutMsMin, config.sessionTimeoutMsMax);
      const sessionId = this.ctx.sessionIds.take();
      this.connecting = { sessionId, timeoutMs };
      this.ctx.connecting.set(sessionId, this);
      node.submitCreateSession(sessionId, timeoutMs);
      return;
    }
    const info = node.tree.sessions.get(req.sessionId);
    const password = this.ctx.password(req.sessionId);
    if (password === undefined) return this.connection.close(CloseReason.NOT_SERVING, NO_SECRET_YET);
    if (!info || !samePassword(req.password, password)) {
      return this.connection.close(
        CloseReason.SESSION_EXPIRED,
        `session 0x${req.sessionId.toString(16)} has expired or its password is wrong`,
      );
    }
    // The leader makes this server the session's owner before any request sent on this connection.
    node.submitRevalidate(req.sessionId);
    this.open(req.sessionId, info.timeoutMs);
  }

  /** A handshake while this server serves read-only: a local session, never committed. */
  private connectReadOnly(req: ConnectRequest): void {
    const { node, config } = this.ctx;
    const d = readOnlyConnect(this.ctx.readOnly!, req, {
      lastZxid: node.lastZxid,
      sessionTimeoutMsMin: config.sessionTimeoutMsMin,
      sessionTimeoutMsMax: config.sessionTimeoutMsMax,
      globalSession: (id) => node.tree.sessions.has(id),
      password: (id) => this.ctx.password(id),
      takeSessionId: () => this.ctx.sessionIds.take(),
    });
    if (!d.open) return this.connection.close(d.reason, d.message, d.lastZxid);
    this.readOnly = true;
    this.open(d.sessionId, d.timeoutMs, d.created);
  }

  /** The session exists in the tree (or, read-only, here): attach it to this connection and answer the handshake. */
  open(sessionId: bigint, timeoutMs: number, createdReadOnly = false): void {
    const created = this.connecting !== undefined || createdReadOnly;
    this.ctx.connecting.delete(sessionId);
    this.connecting = undefined;
    if (this.connection.closed) return;
    this.guard(() => {
      const password = this.ctx.password(sessionId);
      if (password === undefined) return this.connection.close(CloseReason.NOT_SERVING, NO_SECRET_YET);
      // Watches belong to a connection (ZooKeeper's ServerCnxn): the older one's go with it,
      // now, before this connection re-registers its own with setWatches.
      if (this.ctx.attach(sessionId, this)) this.ctx.node.tree.watches.removeSession(sessionId);
      const c = this.connection;
      this.session = new LocalSession(
        sessionId,
        timeoutMs,
        c,
        this.ctx.config.outstandingPerSessionMax,
        (s, r) => this.sendReply(s, r),
        () => !c.writable,
      );
      // ZooKeeper's skipACL: this server checks no ACL, for reads here and writes it forwards.
      this.session.superuser = this.ctx.config.skipACL;
      this.session.readOnly = this.readOnly;
      if (created) this.ctx.audit?.record(this.session, c.remoteIp, { type: "createSession" }, 0, undefined);
      this.touch(this.session);
      c.sendConnected({ protocolVersion: 0, timeoutMs, sessionId, password, readOnly: this.readOnly }, this.ctx.node.lastZxid);
    });
  }

  onInvalid(xid: number, err: number, closeSession: boolean): void {
    const s = this.session;
    if (!s) return;
    this.guard(() => {
      this.ctx.outstanding.add(1);
      s.order.read(() => ({
        xid,
        zxid: this.ctx.node.lastZxid,
        err,
        response: undefined,
        startedMs: performance.now(),
        op: "invalid",
        thenClose: closeSession ? "sessionClosed" : undefined,
      }));
    });
  }

  /** A fired watch for this session; `acl` is the znode's. */
  deliver(event: WatchEvent, acl: readonly ACL[]): void {
    const s = this.session;
    if (!s?.connection) return;
    this.guard(() => {
      // A watch must not reveal a change to a session that may not read the node (CVE-2024-23944).
      if (acl.length > 0 && !checkACL(acl, Perms.READ, s.identities, s.superuser)) return;
      this.connection.sendEvent(event);
    });
  }

  /** The session was closed or expired: its connection ends. */
  end(reason: "sessionClosed" | "sessionExpired"): void {
    this.guard(() =>
      this.connection.close(reason === "sessionExpired" ? CloseReason.SESSION_EXPIRED : CloseReason.SESSION_CLOSED, `session ${reason}`),
    );
  }

  onWritable(): void {
    const s = this.session;
    if (!s) return;
    this.guard(() => {
      // The client read what it was sent: it is alive, though its pings may wait unread behind the pause.
      this.touch(s);
      s.order.resume();
    });
  }

  onRequest(xid: number, request: Request): void {
    const s = this.session;
    if (!s || this.ending) return;
    this.guard(() => this.request(s, xid, request));
  }

  /** A read-only session lives here only; every other one is the leader's to expire. */
  private touch(s: LocalSession): void {
    if (s.readOnly) this.ctx.readOnly?.touch(s.sessionId);
    else this.ctx.node.touch(s.sessionId);
  }

  private request(s: LocalSession, xid: number, request: Request): void {
    const { node } = this.ctx;
    this.touch(s);
    const startedMs = performance.now();
    this.ctx.metrics.received(request.type);
    this.ctx.outstanding.add(1);
    const authAnswer =
      request.type === "sasl" ? this.saslRound(s, xid, request.token) : enforcementRefusal(this.ctx.config, s, xid, request);
    if (authAnswer !== undefined) {
      if (authAnswer.thenClose !== undefined) this.ending = true;
      s.order.read(() => replyOf(authAnswer, startedMs, request.type));
      return this.backPressure(s);
    }
    if (s.readOnly) {
      const answer = readOnlyAnswer(this.ctx, s, xid, request);
      if (answer !== undefined) {
        s.order.read(() => replyOf(answer, startedMs, request.type));
        return this.backPressure(s);
      }
    }
    if (request.type === "reconfig") return this.reconfig(s, xid, request, startedMs);
    // On the leader every request is checked against the session's owner and state (writes when
    // prepared), as in ZooKeeper's PrepRequestProcessor; auth is not (ZooKeeper answers it before).
    const leaderRefused = request.type !== "auth" && !node.isWrite(request) ? node.readRefusal(s.sessionId) : undefined;
    const refused = leaderRefused !== undefined ? undefined : refusal(this.ctx, this.connection, s, xid, request);
    if (leaderRefused !== undefined) {
      const thenClose = leaderRefused === ErrorCode.SESSION_MOVED ? "sessionMoved" : undefined;
      s.order.read(() => ({ xid, zxid: node.lastZxid, err: leaderRefused, response: undefined, thenClose, startedMs, op: request.type }));
    } else if (refused !== undefined) {
      if (node.isWrite(request)) this.ctx.audit?.record(s, this.connection.remoteIp, request, refused.err, undefined);
      s.order.read(() => replyOf(refused, startedMs, request.type));
    } else if (node.isWrite(request)) {
      // A committed write finds its request by (session, xid): a second write with an xid still
      // outstanding would take the first's place and wedge the session's order.
      if (s.writeXids.has(xid)) return this.connection.fail("bad_frame", `xid ${xid} is already in use by an outstanding write`);
      s.writeXids.add(xid);
      const p = s.order.write();
      // Completed while the transaction is applied: guarded, as the reads queued behind it run then too.
      node.submitWrite(s, xid, request, (reply) =>
        this.guard(() => {
          s.writeXids.delete(xid);
          this.ctx.audit?.record(s, this.connection.remoteIp, request, reply.err, reply.response);
          s.order.complete(p, replyOf(reply, startedMs, request.type));
        }),
      );
    } else if (request.type === "sync") {
      const p = s.order.write();
      this.ctx.sync((result) =>
        this.guard(() => {
          // A sync that could not complete must not read as one that did: the client cannot
          // know that its next read is current, so its connection ends, as when a write loses its leader.
          if (!result.ok) return s.connection?.close(CloseReason.NOT_SERVING, `sync failed: ${result.reason}; reconnect`);
          s.order.complete(p, { xid, zxid: result.zxid, err: 0, response: { type: "sync", path: request.path }, startedMs, op: "sync" });
        }),
      );
    } else {
      s.order.read(() => replyOf(this.locals.answer(s, xid, request), startedMs, request.type));
    }
    this.backPressure(s);
  }

  /** ZooKeeper's reconfig (op 16), decided by the gate in the session's order; audited, as ZooKeeper audits it. */
  private reconfig(s: LocalSession, xid: number, request: Extract<Request, { type: "reconfig" }>, startedMs: number): void {
    const p = s.order.write();
    const finish = (err: number, response: Response | undefined) =>
      this.guard(() => {
        this.ctx.audit?.record(s, this.connection.remoteIp, { type: "reconfig" }, err, response);
        s.order.complete(p, { xid, zxid: this.ctx.node.lastZxid, err, response, startedMs, op: "reconfig" });
      });
    const gate = this.ctx.reconfig;
    if (!gate) return finish(ErrorCode.RECONFIG_DISABLED, undefined);
    gate.handle(request, { superuser: s.superuser, identities: s.identities }, (a) =>
      finish(a.err, a.err === 0 ? (a as { response: Response }).response : undefined),
    );
    this.backPressure(s);
  }

  private backPressure(s: LocalSession): void {
    // Checked on every request: a global resume may have resumed a connection whose session is still full.
    if (s.order.outstanding >= s.order.outstandingMax) {
      s.paused = true;
      this.connection.pause(PauseReason.session);
    }
    if (this.ctx.outstanding.full()) this.ctx.outstanding.pause(this.connection);
  }

  private saslRound(s: LocalSession, xid: number, token: Uint8Array | null): Answer {
    this.sasl ??= new SaslExchange(this.ctx.sasl, this.ctx.config, this.ctx.log ?? (() => {}), this.connection.remote);
    return this.sasl.round(s, xid, token);
  }

  private sendReply(s: LocalSession, reply: Reply): void {
    this.ctx.outstanding.add(-1);
    this.ctx.metrics.replied(reply.op, reply.startedMs);
    const c = this.connection;
    if (reply.startedMs > 0) c.stats.responded(reply.xid, reply.zxid, reply.op, reply.startedMs, performance.now());
    if (reply.refused !== undefined) c.refuseReply(reply.xid, reply.zxid, reply.refused);
    else if (reply.thenClose === "sessionMoved") c.sessionMoved(reply.xid, reply.zxid);
    else c.sendReply(reply.xid, reply.zxid, reply.err, reply.err === 0 ? reply.response : undefined);
    if (reply.thenClose === "sessionClosed") c.close(CloseReason.SESSION_CLOSED, "session closed");
    else if (reply.thenClose === "authFailed") c.close(CloseReason.AUTH_FAILED, "authentication failed");
    else if (reply.thenClose === "authRequired")
      c.close(CloseReason.AUTH_FAILED, `authentication required (one of ${this.ctx.config.enforceAuthSchemes.join(", ")})`);
    if (s.paused && s.order.outstanding < s.order.outstandingMax / 2) {
      s.paused = false;
      c.resume(PauseReason.session);
    }
  }

  onClose(): void {
    if (this.connecting) this.ctx.connecting.delete(this.connecting.sessionId);
    this.connecting = undefined;
    const s = this.session;
    if (!s) return;
    s.connection = undefined;
    this.ctx.outstanding.add(-s.order.clear());
    this.ctx.outstanding.forget(this.connection);
    // Watches belong to the connection; the client re-registers them with setWatches. A
    // connection that a newer one of its session replaced (its socket closes up to 100 ms
    // later) leaves alone the watches that the newer one has set meanwhile.
    if (this.ctx.detach(s.sessionId, this)) this.ctx.node.tree.watches.removeSession(s.sessionId);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.connection.fail("internal_error", e);
    }
  }
}
