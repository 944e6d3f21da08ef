// One client connection's requests: the handshake (new session or reattach), reads served
// from the local tree in the session's order, writes sent on their way to the leader.
import { CloseReason, ErrorCode, WardenError, formatZxid, type ConnectRequest, type Request, type Response } from "@warden/protocol";
import { digestId, type ReadRequest } from "@warden/tree";
import type { ClientConnection, ConnectionHandler } from "../net/connection.js";
import { negotiateTimeoutMs } from "../session/tracker.js";
import { LocalSession, type Reply } from "./local-session.js";
import { samePassword } from "./session-ids.js";
import type { ServerContext } from "./context.js";

const CONFIG_PATH = "/zookeeper/config";

export class ClientHandler implements ConnectionHandler {
  session: LocalSession | undefined;
  private connecting: { sessionId: bigint; timeoutMs: number } | undefined;

  constructor(
    private readonly ctx: ServerContext,
    readonly connection: ClientConnection,
  ) {}

  onConnect(req: ConnectRequest): void {
    const { node, config } = this.ctx;
    if (!node.serving) return this.connection.close(CloseReason.NOT_SERVING, "this server has no quorum; try another");
    if (req.lastZxidSeen > node.lastZxid) {
      const message = `the client has seen zxid ${formatZxid(req.lastZxidSeen)}, this server only ${formatZxid(node.lastZxid)}; try another server`;
      return this.connection.close(CloseReason.ZXID_BEHIND, message, node.lastZxid);
    }
    if (req.sessionId === 0n) {
      const timeoutMs = negotiateTimeoutMs(req.timeoutMs, config.minSessionTimeoutMs, config.maxSessionTimeoutMs);
      const sessionId = this.ctx.sessionIds.take();
      this.connecting = { sessionId, timeoutMs };
      this.ctx.connecting.set(sessionId, this);
      node.submitCreateSession(sessionId, timeoutMs);
      return;
    }
    const info = node.tree.sessions.get(req.sessionId);
    if (!info || !samePassword(req.password, this.ctx.password(req.sessionId))) {
      return this.connection.close(CloseReason.SESSION_EXPIRED, `session 0x${req.sessionId.toString(16)} has expired or its password is wrong`);
    }
    this.open(req.sessionId, info.timeoutMs);
  }

  /** The session exists in the tree: attach it to this connection and answer the handshake. */
  open(sessionId: bigint, timeoutMs: number): void {
    this.ctx.connecting.delete(sessionId);
    this.connecting = undefined;
    if (this.connection.closed) return;
    this.ctx.attach(sessionId, this);
    this.session = new LocalSession(sessionId, timeoutMs, this.connection, this.ctx.config.outstandingPerSessionMax, (s, r) => this.sendReply(s, r));
    this.ctx.node.touch(sessionId);
    this.connection.sendConnected({ protocolVersion: 0, timeoutMs, sessionId, password: this.ctx.password(sessionId), readOnly: false }, this.ctx.node.lastZxid);
  }

  onInvalid(xid: number, err: number, closeSession: boolean): void {
    const s = this.session;
    if (!s) return;
    s.order.read(() => ({ xid, zxid: this.ctx.node.lastZxid, err, response: undefined, startedMs: performance.now(), op: "invalid", thenClose: closeSession ? "sessionClosed" : undefined }));
  }

  onRequest(xid: number, request: Request): void {
    const s = this.session;
    if (!s) return;
    const { node } = this.ctx;
    node.touch(s.sessionId);
    const startedMs = performance.now();
    this.ctx.metrics.received(request.type);
    this.ctx.outstanding.add(1);
    if (node.isWrite(request)) {
      const p = s.order.write();
      node.submitWrite(s, xid, request, (reply) => s.order.complete(p, { ...reply, startedMs, op: request.type }));
    } else if (request.type === "sync") {
      const p = s.order.write();
      this.ctx.sync((zxid) => s.order.complete(p, { xid, zxid, err: 0, response: { type: "sync", path: request.path }, startedMs, op: "sync" }));
    } else {
      s.order.read(() => ({ ...this.local(s, xid, request), startedMs, op: request.type }));
    }
    this.backPressure(s);
  }

  private backPressure(s: LocalSession): void {
    // Checked on every request: a global resume may have resumed a connection whose session is still full.
    if (s.order.outstanding >= s.order.outstandingMax) {
      s.paused = true;
      this.connection.pause();
    }
    if (this.ctx.outstanding.full()) this.ctx.outstanding.pause(this.connection);
  }

  /** Requests answered by this server from its own state, at their turn in the session's order. */
  private local(s: LocalSession, xid: number, request: Request): Omit<Reply, "startedMs" | "op"> {
    const { node } = this.ctx;
    const ok = (response: Response) => ({ xid, zxid: node.lastZxid, err: 0, response });
    try {
      switch (request.type) {
        case "ping":
          return ok({ type: "ping" });
        case "auth":
          return this.auth(s, xid, request.scheme, request.auth);
        case "whoAmI":
          return ok({ type: "whoAmI", clientInfo: s.identities });
        case "getConfig": {
          const r = node.tree.read({ type: "getData", path: CONFIG_PATH, watch: request.watch }, this.readContext(s)) as { data: Uint8Array; stat: import("@warden/protocol").Stat };
          return ok({ type: "getConfig", data: r.data, stat: r.stat });
        }
        case "setWatches": {
          // The tree marks these events with ZooKeeper's zxid -1 ("no single change"); the
          // native protocol carries an unsigned zxid, so send the state they were judged at.
          const events = node.tree.setWatches(s.sessionId, request);
          for (const e of events) this.connection.sendEvent(e.zxid < 0n ? { ...e, zxid: node.lastZxid } : e);
          return ok({ type: "setWatches" });
        }
        case "addWatch":
          node.tree.watches.addWatch(s.sessionId, request.path, request.mode);
          return ok({ type: "addWatch" });
        case "removeWatches": {
          const w = node.tree.watches;
          const found = request.checkOnly ? w.containsWatch(s.sessionId, request.path, request.watcherType) : w.removeWatches(s.sessionId, request.path, request.watcherType);
          return found ? ok({ type: "removeWatches" }) : { xid, zxid: node.lastZxid, err: ErrorCode.NO_WATCHER, response: undefined };
        }
        default:
          return ok(node.tree.read(request as ReadRequest, this.readContext(s)));
      }
    } catch (e) {
      if (e instanceof WardenError) return { xid, zxid: node.lastZxid, err: e.zkCode, response: undefined };
      throw e;
    }
  }

  private readContext(s: LocalSession) {
    return { sessionId: s.sessionId, identities: s.identities, superuser: s.superuser };
  }

  /** addAuth: digest "user:password" adds the identity user:base64(sha1(user:password)). */
  private auth(s: LocalSession, xid: number, scheme: string, auth: Uint8Array): Omit<Reply, "startedMs" | "op"> {
    const text = new TextDecoder().decode(auth);
    const colon = text.indexOf(":");
    if (scheme !== "digest" || colon < 0) {
      return { xid, zxid: 0n, err: ErrorCode.AUTH_FAILED, response: undefined, thenClose: "authFailed" };
    }
    const id = digestId(text.slice(0, colon), text.slice(colon + 1));
    if (!s.identities.some((i) => i.scheme === "digest" && i.id === id)) s.identities.push({ scheme: "digest", id });
    if (this.ctx.config.superDigest === id) s.superuser = true;
    return { xid, zxid: 0n, err: 0, response: { type: "auth" } };
  }

  private sendReply(s: LocalSession, reply: Reply): void {
    this.ctx.outstanding.add(-1);
    this.ctx.metrics.replied(reply.op, reply.startedMs);
    this.connection.sendReply(reply.xid, reply.zxid, reply.err, reply.err === 0 ? reply.response : undefined);
    if (reply.thenClose === "sessionClosed") this.connection.close(CloseReason.SESSION_CLOSED, "session closed");
    else if (reply.thenClose === "authFailed") this.connection.close(CloseReason.AUTH_FAILED, "authentication failed");
    if (s.paused && s.order.outstanding < s.order.outstandingMax / 2) {
      s.paused = false;
      this.connection.resume();
    }
  }

  onClose(): void {
    if (this.connecting) this.ctx.connecting.delete(this.connecting.sessionId);
    const s = this.session;
    if (!s) return;
    s.connection = undefined;
    this.ctx.outstanding.add(-s.order.clear());
    this.ctx.detach(s.sessionId, this);
    // Watches belong to the connection; the client re-registers them with setWatches.
    this.ctx.node.tree.watches.removeSession(s.sessionId);
  }
}
