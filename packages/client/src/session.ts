// The session state machine: connect to one server after another until one takes the
// session, reattach it with its id and password, keep it alive with pings, notice a dead
// connection by its silence, and report the session lost when no server has been heard
// for the whole negotiated timeout. Requests wait in a bounded queue while disconnected;
// requests in flight when a connection drops fail with ConnectionLossError (reads may opt
// in to a retry). All timing is the negotiated timeout's, as in ZooKeeper. The queue and the
// requests in flight are session-calls.ts's; the named timers session-timers.ts's.
import {
  CloseReason,
  SESSION_PASSWORD_BYTES,
  SessionExpiredError,
  errorFromCode,
  type ConnectedFrame,
  type ConnectRequest,
  type NativeCodec,
  type ReplyFrame,
  type Request,
  type Response,
  type ServerFrame,
  type WardenError,
  type WatchEvent,
} from "@warden/protocol";
import type { CallOptions, ReplyHook } from "./calls.js";
import { Connection } from "./connection.js";
import { serverUrl } from "./connect-string.js";
import { ClientClosedError } from "./errors.js";
import { EventCursor } from "./event-cursor.js";
import type { ResolvedOptions } from "./options.js";
import { ReadWriteSearch } from "./rw-search.js";
import type { ServerRotation } from "./servers.js";
import type { Transport } from "./transport.js";
import { SessionCalls } from "./session-calls.js";
import { SessionTimers } from "./session-timers.js";

/** connectedReadOnly: a session on a read-only server (canBeReadOnly), ZooKeeper's ConnectedReadOnly. */
export type SessionEvent = "connected" | "connectedReadOnly" | "disconnected" | "reconnected" | "expired" | "authFailed" | "closed";

export interface SessionHooks {
  onEvent(event: WatchEvent): void;
  onStateChange(event: SessionEvent): void;
  /**
   * Sent first on every new connection, before any queued request (auth, setWatches).
   * `resumeAfterZxid`: every watch event up to it was delivered (with `reattached` only).
   */
  replay(reattached: boolean, resumeAfterZxid: bigint): Request[];
  onSessionLost(): void;
}

export interface SubmitSpec {
  path?: string | undefined;
  options?: CallOptions;
  onReply?: ReplyHook;
}

/** How long close() waits for the server's closeSession reply at most. */
const CLOSE_WAIT_MS_MAX = 2000;

export class Session {
  sessionId = 0n;
  password: Uint8Array = new Uint8Array(SESSION_PASSWORD_BYTES);
  lastZxidSeen = 0n;
  negotiatedTimeoutMs = 0;
  #closed = false;
  #closing = false;
  #everConnected = false;
  #conn: Connection | null = null;
  #connected = false;
  /** The queued and in-flight requests (session-calls.ts). */
  readonly #calls: SessionCalls;
  readonly #timers: SessionTimers;
  #lastHeardMs: number;
  readonly #events = new EventCursor();
  /** The connection is to a read-only server. */
  #readOnly = false;
  /**
   * The session was opened by a read-only server: it is local to it and valid nowhere else, so a
   * new connection asks for a new session (ZooKeeper's client sends 0 until it has seen a
   * read-write server) and the new one continues it, watches included.
   */
  #sessionFromReadOnly = false;
  #search: ReadWriteSearch | undefined;

  constructor(
    private readonly rotation: ServerRotation,
    private readonly transport: Transport,
    private readonly codec: NativeCodec,
    private readonly options: ResolvedOptions,
    private readonly hooks: SessionHooks,
  ) {
    this.#lastHeardMs = options.clock.now();
    this.#calls = new SessionCalls(options);
    this.#timers = new SessionTimers(options.clock);
  }

  get isConnected(): boolean {
    return this.#connected;
  }
  get isClosed(): boolean {
    return this.#closed;
  }
  /** Connected to a read-only server. */
  get isReadOnly(): boolean {
    return this.#connected && this.#readOnly;
  }
  /** Servers probed for being read-write since the last read-only connection began. */
  get readWriteProbes(): number {
    return this.#search?.probes ?? 0;
  }

  start(): void {
    this.#connectNext();
  }

  submit(request: Request, spec: SubmitSpec = {}): Promise<Response> {
    if (this.#closed) return Promise.reject(new ClientClosedError());
    const { promise, queued } = this.#calls.submit(request, spec);
    if (queued) this.#flush();
    return promise;
  }

  /** Closes the session on the server (when connected) and the client; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closing = true;
    if (this.#connected && this.sessionId !== 0n) {
      const done = this.#sendInternal({ type: "closeSession" });
      let timer: unknown;
      const wait = new Promise<void>(
        (r) => (timer = this.options.clock.setTimeout(r, Math.min(CLOSE_WAIT_MS_MAX, this.negotiatedTimeoutMs))),
      );
      await Promise.race([done.catch(() => undefined), wait]);
      // The wait must not keep a process alive once the server has answered.
      this.options.clock.clearTimeout(timer);
    }
    this.#shutDown();
  }

  #shutDown(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#search?.stop();
    this.#timers.clearAll();
    this.#conn?.close("client closed");
    this.#conn = null;
    this.#connected = false;
    this.#calls.failAll(() => new ClientClosedError());
    this.hooks.onSessionLost();
    this.hooks.onStateChange("closed");
  }

  #attemptTimeoutMs(): number {
    return this.options.connectTimeoutMs ?? Math.max(1, Math.floor(this.#timeoutMs() / this.rotation.count));
  }

  #connectNext(): void {
    if (this.#closed) return;
    const url = serverUrl(this.rotation.next(), this.options.secure);
    const timeoutMs = this.#attemptTimeoutMs();
    const conn: Connection = new Connection(
      this.transport,
      url,
      this.codec,
      {
        onOpen: () => this.#sendConnect(conn),
        onFrame: (frame) => this.#onFrame(conn, frame),
        onClosed: () => this.#onConnectionClosed(conn),
      },
      () => this.options.clock.now(),
    );
    this.#conn = conn;
    this.#timers.set("attempt", timeoutMs, () => conn.close(`no session from ${url} within ${timeoutMs} ms`));
  }

  #timeoutMs(): number {
    return this.negotiatedTimeoutMs || this.options.sessionTimeoutMs;
  }

  #sendConnect(conn: Connection): void {
    conn.send({ kind: "connect", request: this.#connectRequest(this.options.canBeReadOnly) });
  }

  #connectRequest(readOnly: boolean): ConnectRequest {
    const sessionId = this.#sessionFromReadOnly ? 0n : this.sessionId;
    return {
      protocolVersion: 0,
      lastZxidSeen: this.lastZxidSeen,
      timeoutMs: sessionId === 0n ? this.options.sessionTimeoutMs : this.negotiatedTimeoutMs,
      sessionId,
      password: this.password,
      readOnly,
    };
  }

  /** Connected read-only: look for a read-write server in the background (ClientCnxn.pingRwServer). */
  #searchReadWrite(): void {
    this.#search ??= new ReadWriteSearch(this.transport, this.codec, {
      nextUrl: () => serverUrl(this.rotation.next(), this.options.secure),
      connectRequest: () => this.#connectRequest(false),
      probeTimeoutMs: () => this.#attemptTimeoutMs(),
      routeOf: (conn) => ({ onFrame: (frame) => this.#onFrame(conn, frame), onClosed: () => this.#onConnectionClosed(conn) }),
      found: (conn, frame) => this.#moveTo(conn, frame),
      clock: this.options.clock,
    });
    this.#search.probes = 0;
    this.#search.start();
  }

  /**
   * A read-write server took a probe's handshake: the read-only connection ends (its requests in
   * flight fail with ConnectionLoss, as when ZooKeeper's client drops it for the server it found)
   * and the probe's connection carries the session from now on.
   */
  #moveTo(conn: Connection, frame: ConnectedFrame): void {
    const old = this.#conn;
    if (this.#closed || this.#closing || old === null || !this.#connected) return conn.close("no longer wanted");
    this.#conn = conn;
    this.#connected = false;
    this.#timers.clear("tick");
    this.#calls.failInflight();
    old.close("moving to a read-write server");
    this.hooks.onStateChange("disconnected");
    this.#lastHeardMs = conn.lastHeardMs;
    this.#onConnected(conn, frame);
  }

  #onFrame(conn: Connection, frame: ServerFrame): void {
    if (conn !== this.#conn) return;
    this.#lastHeardMs = conn.lastHeardMs;
    if (frame.kind === "close") return this.#onCloseFrame(conn, frame.reason);
    if (!this.#connected) {
      if (frame.kind === "connected") return this.#onConnected(conn, frame);
      return conn.close(`${frame.kind} frame before the session was established`);
    }
    if (frame.kind === "reply") return this.#onReply(conn, frame);
    if (frame.kind === "event") {
      if (frame.event.zxid > this.lastZxidSeen) this.lastZxidSeen = frame.event.zxid;
      if (!this.#events.accept(frame.event)) return;
      return this.hooks.onEvent(frame.event);
    }
    conn.close("a second connected frame");
  }

  #onConnected(conn: Connection, frame: ConnectedFrame): void {
    const r = frame.response;
    if (r.timeoutMs === 0) {
      this.#loseSession(new SessionExpiredError("the server refused the session"));
      return conn.close("session refused");
    }
    // The server must refuse a client that has seen more than it has; never go back in time.
    if (frame.lastZxid < this.lastZxidSeen) return conn.close(`server ${conn.url} is behind lastZxidSeen`);
    // A session of a read-only server is continued by the next one the client gets, watches included.
    const continued = this.#sessionFromReadOnly && this.sessionId !== 0n;
    const reattached = continued || (this.sessionId !== 0n && r.sessionId === this.sessionId);
    if (this.sessionId !== 0n && !reattached) this.#loseSession(new SessionExpiredError("the server gave a new session"));
    if (this.#closed) return conn.close("client closed");
    if (!reattached) this.#events.reset();
    this.#readOnly = r.readOnly;
    this.#sessionFromReadOnly = r.readOnly && (this.#sessionFromReadOnly || r.sessionId !== this.sessionId || this.sessionId === 0n);
    this.sessionId = r.sessionId;
    this.password = r.password;
    this.negotiatedTimeoutMs = r.timeoutMs;
    this.#connected = true;
    this.rotation.succeeded();
    this.#timers.clear("attempt");
    this.#timers.clear("deadline");
    const readTimeoutMs = (r.timeoutMs * 2) / 3;
    this.#timers.set("tick", Math.max(5, readTimeoutMs / 6), () => this.#tick(conn, readTimeoutMs), true);
    for (const request of this.hooks.replay(reattached, this.#events.resume())) void this.#sendInternal(request).catch(() => undefined);
    this.#flush();
    // After a read-only connection the first read-write one is "reconnected": the session goes on
    // (recipes re-check their state on it), as ZooKeeper's SyncConnected after ConnectedReadOnly.
    if (r.readOnly) {
      this.hooks.onStateChange("connectedReadOnly");
      this.#searchReadWrite();
    } else {
      this.hooks.onStateChange(this.#everConnected ? "reconnected" : "connected");
    }
    this.#everConnected = true;
  }

  /** ZooKeeper's rule: ping when idle for readTimeout/2; a connection silent for readTimeout is dead. */
  #tick(conn: Connection, readTimeoutMs: number): void {
    const now = this.options.clock.now();
    if (now - conn.lastHeardMs >= readTimeoutMs) return conn.close(`nothing heard from ${conn.url} for ${Math.round(readTimeoutMs)} ms`);
    if (now - conn.lastSentMs >= readTimeoutMs / 2) void this.#sendInternal({ type: "ping" }).catch(() => undefined);
  }

  #onReply(conn: Connection, frame: ReplyFrame): void {
    const taken = this.#calls.take(frame);
    if ("problem" in taken) return conn.close(taken.problem);
    const { call } = taken;
    if (frame.zxid > this.lastZxidSeen) this.lastZxidSeen = frame.zxid;
    this.#events.onReply(frame.zxid);
    call.onReply?.(frame.err, frame.response);
    if (frame.err !== 0) call.reject(errorFromCode(frame.err, call.path));
    else call.resolve(frame.response!);
    this.#flush();
  }

  #onCloseFrame(conn: Connection, reason: CloseReason): void {
    if (this.#closing) return conn.close(`server closed the connection: ${reason}`);
    if (reason === CloseReason.SESSION_EXPIRED) this.#loseSession(new SessionExpiredError("the server expired the session"));
    else if (reason === CloseReason.AUTH_FAILED) this.hooks.onStateChange("authFailed");
    else if (reason === CloseReason.SESSION_CLOSED) this.#loseSession(new SessionExpiredError("the session was closed"));
    conn.close(`server closed the connection: ${reason}`);
  }

  #onConnectionClosed(conn: Connection): void {
    if (conn !== this.#conn) return;
    this.#conn = null;
    this.#timers.clear("attempt");
    this.#timers.clear("tick");
    this.#search?.stop();
    if (this.#closed) return;
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#calls.failInflight();
    if (this.#closing) return;
    if (wasConnected) {
      this.hooks.onStateChange("disconnected");
    }
    if (this.sessionId !== 0n && !this.#timers.has("deadline")) {
      const remainingMs = Math.max(0, this.#lastHeardMs + this.negotiatedTimeoutMs - this.options.clock.now());
      this.#timers.set("deadline", remainingMs, () => this.#onDeadline());
    }
    const delayMs = wasConnected ? 0 : this.rotation.failed();
    this.#timers.set("reconnect", delayMs, () => this.#connectNext());
  }

  /** Drops the current connection so the session goes on at the server the rotation gives next (updateServerList's move). */
  reconnect(why: string): void {
    if (this.#closed || this.#closing) return;
    this.#conn?.close(why);
  }

  /** No server for the whole session timeout: the session is as good as expired (Curator's LOST). */
  #onDeadline(): void {
    this.#timers.ran("deadline");
    if (this.#connected || this.sessionId === 0n) return;
    this.#loseSession(new SessionExpiredError(`no server heard for ${this.negotiatedTimeoutMs} ms`));
    if (this.#conn !== null && !this.#closed) this.#conn.close("session lost");
  }

  #loseSession(error: WardenError): void {
    if (this.sessionId === 0n) return;
    this.sessionId = 0n;
    this.#sessionFromReadOnly = false;
    this.password = new Uint8Array(SESSION_PASSWORD_BYTES);
    this.negotiatedTimeoutMs = 0;
    this.#timers.clear("deadline");
    this.#calls.failAll(() => error);
    this.hooks.onSessionLost();
    this.hooks.onStateChange("expired");
    if (!this.options.reconnectAfterExpiry) this.#shutDown();
  }

  #flush(): void {
    this.#calls.flush(this.#connected ? this.#conn : null);
  }

  #sendInternal(request: Request): Promise<Response> {
    return this.#calls.sendInternal(this.#connected ? this.#conn : null, request);
  }
}
