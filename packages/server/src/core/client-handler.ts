// One client connection's requests: the handshake (new session or reattach), reads served
// from the local tree in the session's order, writes sent on their way to the leader.
// Every entry point is guarded: a fault while handling this connection ends it (logged and
// counted by the connection), never the server.
import {
  CloseReason,
  EncodeError,
  ErrorCode,
  EventType,
  KeeperState,
  Perms,
  WardenError,
  formatZxid,
  type ACL,
  type ConnectRequest,
  type Id,
  type Request,
  type Response,
  type Stat,
  type WatchEvent,
} from "@warden/protocol";
import { checkACL, generateDigest, userNameOf, type ReadRequest } from "@warden/tree";
import { PauseReason, type ClientConnection, type ConnectionHandler } from "../net/connection.js";
import { negotiateTimeoutMs } from "../session/tracker.js";
import { IDENTITIES_PER_SESSION_MAX, LocalSession, replyOf, type Answer, type Reply } from "./local-session.js";
import { samePassword } from "./session-ids.js";
import { MULTI_READ_OPS_MAX, requestPathProblem, watchedPaths } from "./request-checks.js";
import type { ServerContext } from "./context.js";
import { SaslExchange, enforcementRefusal } from "./client-auth.js";
import { readOnlyConnect, refusedReadOnly } from "./read-only.js";

const CONFIG_PATH = "/zookeeper/config";
const NO_SECRET_YET = "the ensemble has not committed its session secret yet; try again";
export { IDENTITIES_PER_SESSION_MAX };

export class ClientHandler implements ConnectionHandler {
  session: LocalSession | undefined;
  /** This connection has had its one setWatches with resumeAfterZxid. */
  private resumed = false;
  private connecting: { sessionId: bigint; timeoutMs: number } | undefined;
  /** The connection's SASL exchange, made at its first round. */
  private sasl: SaslExchange | undefined;
  /** An authentication failed: the connection is closing and reads nothing more (ZooKeeper's disableRecv). */
  private ending = false;
  /** The session is a local one of this server in read-only mode. */
  private readOnly = false;

  constructor(
    private readonly ctx: ServerContext,
    readonly connection: ClientConnection,
  ) {}

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
      this.ctx.attach(sessionId, this);
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
      const answer = this.readOnlyAnswer(s, xid, request);
      if (answer !== undefined) {
        s.order.read(() => replyOf(answer, startedMs, request.type));
        return this.backPressure(s);
      }
    }
    if (request.type === "reconfig") return this.reconfig(s, xid, request, startedMs);
    // On the leader every request is checked against the session's owner and state (writes when
    // prepared), as in ZooKeeper's PrepRequestProcessor; auth is not (ZooKeeper answers it before).
    const leaderRefused = request.type !== "auth" && !node.isWrite(request) ? node.readRefusal(s.sessionId) : undefined;
    const refused = leaderRefused !== undefined ? undefined : this.refusal(s, xid, request);
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
      s.order.read(() => replyOf(this.local(s, xid, request), startedMs, request.type));
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

  /** A read-only session's writes and syncs: NOT_READONLY; its closeSession: closed here, nothing committed. */
  private readOnlyAnswer(s: LocalSession, xid: number, request: Request): Answer | undefined {
    const zxid = this.ctx.node.lastZxid;
    if (refusedReadOnly(request)) return { xid, zxid, err: ErrorCode.NOT_READONLY, response: undefined };
    if (request.type !== "closeSession") return undefined;
    this.ctx.readOnly?.remove(s.sessionId);
    return { xid, zxid, err: 0, response: { type: "closeSession" }, thenClose: "sessionClosed" };
  }

  /** The answer to a request refused before it is queued (bad path, too many ops or watches, a reply too large), or undefined. */
  private refusal(s: LocalSession, xid: number, request: Request): Answer | undefined {
    const zxid = this.ctx.node.lastZxid;
    const refuse = (err: number): Answer => ({ xid, zxid, err, response: undefined });
    if (requestPathProblem(request) !== undefined) return refuse(ErrorCode.BAD_ARGUMENTS);
    if (request.type === "multiRead" && request.ops.length > MULTI_READ_OPS_MAX) return refuse(ErrorCode.BAD_ARGUMENTS);
    if (request.type === "multi") {
      const bytes = this.connection.multiReplyBytesMax(xid, request.ops);
      if (bytes > this.connection.replyBytesMax)
        return {
          ...refuse(ErrorCode.MARSHALLING_ERROR),
          refused: `the reply to a multi of ${request.ops.length} ops could take ${bytes} bytes`,
        };
    }
    const watching = watchedPaths(request);
    if (watching.length > 0) {
      const w = this.ctx.node.tree.watches;
      const fresh = new Set(watching.filter((p) => !w.watchesPath(s.sessionId, p))).size;
      if (fresh > 0 && w.pathCountOf(s.sessionId) + fresh > this.ctx.config.watchesPerSessionMax) return refuse(ErrorCode.THROTTLED);
    }
    return undefined;
  }

  private backPressure(s: LocalSession): void {
    // Checked on every request: a global resume may have resumed a connection whose session is still full.
    if (s.order.outstanding >= s.order.outstandingMax) {
      s.paused = true;
      this.connection.pause(PauseReason.session);
    }
    if (this.ctx.outstanding.full()) this.ctx.outstanding.pause(this.connection);
  }

  /** Requests answered by this server from its own state, at their turn in the session's order. */
  private local(s: LocalSession, xid: number, request: Request): Answer {
    const { node } = this.ctx;
    const ok = (response: Response) => ({ xid, zxid: node.lastZxid, err: 0, response });
    try {
      switch (request.type) {
        case "ping":
          return ok({ type: "ping" });
        case "auth":
          return this.auth(s, xid, request.scheme, request.auth);
        case "whoAmI":
          return ok({ type: "whoAmI", clientInfo: s.identities.map((id) => ({ scheme: id.scheme, id: userNameOf(id) })) });
        case "getConfig": {
          const r = node.tree.read({ type: "getData", path: CONFIG_PATH, watch: request.watch }, this.readContext(s)) as {
            data: Uint8Array;
            stat: Stat;
          };
          return ok({ type: "getConfig", data: r.data, stat: r.stat });
        }
        case "setWatches":
          // A replay costs up to the whole history: one per connection, as the client sends it.
          if (request.resumeAfterZxid !== undefined && this.resumed)
            return { xid, zxid: node.lastZxid, err: ErrorCode.BAD_ARGUMENTS, response: undefined };
          this.setWatches(s, request);
          return ok({ type: "setWatches" });
        case "addWatch":
          node.tree.watches.addWatch(s.sessionId, request.path, request.mode);
          return ok({ type: "addWatch" });
        case "removeWatches": {
          const w = node.tree.watches;
          const found = request.checkOnly
            ? w.containsWatch(s.sessionId, request.path, request.watcherType)
            : w.removeWatches(s.sessionId, request.path, request.watcherType);
          return found ? ok({ type: "removeWatches" }) : { xid, zxid: node.lastZxid, err: ErrorCode.NO_WATCHER, response: undefined };
        }
        default:
          return ok(node.tree.read(request as ReadRequest, this.readContext(s)));
      }
    } catch (e) {
      // A reply that would pass the client's frame limit was never built: refuse it.
      if (e instanceof EncodeError)
        return { xid, zxid: node.lastZxid, err: ErrorCode.MARSHALLING_ERROR, response: undefined, refused: e.message };
      if (e instanceof WardenError) return { xid, zxid: node.lastZxid, err: e.zkCode ?? ErrorCode.SYSTEM_ERROR, response: undefined };
      throw e;
    }
  }

  /**
   * Re-registers a returning session's watches. On the native port (resumeAfterZxid set)
   * its persistent and recursive watches first get, from this server's change history, every
   * event they missed, in zxid order, or EventsLost per watch path when the history is too
   * short; the one-shot catch-up events of ZooKeeper's rule follow, marked catchUp (on both
   * ports: the jute record drops the mark, so the ZooKeeper port is unchanged). All of it
   * is sent before the reply and before any later change is applied: nothing in between.
   */
  private setWatches(s: LocalSession, request: Extract<Request, { type: "setWatches" }>): void {
    const { node } = this.ctx;
    const resume = request.resumeAfterZxid;
    if (resume !== undefined) {
      this.resumed = true;
      const replayed = node.history.replay(s.sessionId, resume, request.persistentWatches, request.persistentRecursiveWatches);
      if (replayed === null) {
        const lost = new Set([...request.persistentWatches, ...request.persistentRecursiveWatches]);
        for (const path of lost)
          this.connection.sendEvent({ type: EventType.EventsLost, state: KeeperState.SyncConnected, path, zxid: node.lastZxid });
      } else {
        for (const f of replayed) this.deliver(f.event, f.acl);
      }
    }
    // The tree marks these events with ZooKeeper's zxid -1 ("no single change"); the
    // native protocol carries an unsigned zxid, so send the state they were judged at. The
    // catchUp mark is native only too (the jute record has no field for it). Every request
    // of a resuming client needs it, not only the first (the one with resumeAfterZxid).
    for (const e of node.tree.setWatches(s.sessionId, request)) {
      this.connection.sendEvent({ ...e, zxid: e.zxid < 0n ? node.lastZxid : e.zxid, catchUp: true });
    }
  }

  private readContext(s: LocalSession) {
    return { sessionId: s.sessionId, identities: s.identities, superuser: s.superuser, replyBytesMax: this.connection.replyBytesMax };
  }

  /** addAuth: adds the identity the credentials prove (see identityOf); anything else fails and ends the connection. */
  private auth(s: LocalSession, xid: number, scheme: string, auth: Uint8Array | null): Answer {
    const failed: Answer = { xid, zxid: 0n, err: ErrorCode.AUTH_FAILED, response: undefined, thenClose: "authFailed" };
    const identity = this.identityOf(scheme, auth);
    if (identity === undefined) return failed;
    if (!s.identities.some((i) => i.scheme === identity.scheme && i.id === identity.id)) {
      // Each identity rides along in every ACL of scheme "auth" the session writes: bounded.
      if (s.identities.length >= IDENTITIES_PER_SESSION_MAX) return failed;
      s.identities.push(identity);
    }
    if (identity.scheme === "digest" && this.ctx.config.superDigest === identity.id) s.superuser = true;
    return { xid, zxid: 0n, err: 0, response: { type: "auth" } };
  }

  /**
   * The identity credentials prove, as ZooKeeper's providers: digest "user:password" proves
   * user:base64(sha1(user:password)) (generateDigest; text without a colon is its own user);
   * ip ignores its bytes (null too) and proves the connection's address
   * (IPAuthenticationProvider.handleAuthentication), except for a web page's connection; x509
   * ignores them too and proves the connection's verified client certificate, failing without one.
   */
  private identityOf(scheme: string, auth: Uint8Array | null): Id | undefined {
    // A web page cannot claim its network address either (see ClientConnection.origin).
    if (scheme === "ip") return this.connection.origin === undefined ? { scheme: "ip", id: this.connection.remoteIp } : undefined;
    if (scheme === "x509") return this.connection.tlsIdentities.find((id) => id.scheme === "x509");
    if (scheme !== "digest" || auth === null) return undefined;
    return { scheme: "digest", id: generateDigest(new TextDecoder().decode(auth)) };
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
    this.ctx.detach(s.sessionId, this);
    // Watches belong to the connection; the client re-registers them with setWatches.
    this.ctx.node.tree.watches.removeSession(s.sessionId);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.connection.fail("internal_error", e);
    }
  }
}
