// A client connection as the core sees it, whatever wire protocol it speaks. The
// listeners (native WebSocket, ZooKeeper TCP) implement it; nothing above knows which.
//
// Every connection is a containment boundary (docs/design.md, section 7): nothing a client sends,
// and no fault while answering it, escapes it. Its methods never throw; a fault ends this
// connection with a logged reason and a count in /metrics.
import type { ConnectRequest, ConnectResponse, Id, Request, Response, WatchEvent, WriteOp } from "@warden/protocol";
import type { ConnectionStats } from "../admin/connection-stats.js";
import type { CloseReason } from "@warden/protocol";

export interface ClientConnection {
  readonly protocol: "native" | "zookeeper";
  /** "ip:port" of the client. */
  readonly remote: string;
  readonly remoteIp: string;
  /**
   * The web page (Origin) a browser connection came from; undefined for programs. A page's
   * connection has no ip identity: its code is the page author's, not the network's.
   */
  readonly origin?: string | undefined;
  /** What the connection's verified TLS client certificate proves: x509:<subject>, and super:<subject> for the superuser; [] without one. */
  readonly tlsIdentities: readonly Id[];
  /** The connection has ended (or is ending); nothing more is sent. */
  readonly closed: boolean;
  /** The largest reply this connection may send, in bytes (its client's frame limit). */
  readonly replyBytesMax: number;
  /**
   * Queued output is below the connection's soft bound: a read may run and be answered now.
   * When false, reads wait in the session's order until `handler.onWritable()` is called.
   */
  readonly writable: boolean;
  sendConnected(response: ConnectResponse, lastZxid: bigint): void;
  /** `response` is given exactly when err is 0. A reply too large to send is refused as by refuseReply. */
  sendReply(xid: number, zxid: bigint, err: number, response: Response | undefined): void;
  /**
   * A reply that would exceed the client's frame limit, so it is never built: the native
   * protocol answers that request with MARSHALLING_ERROR; the ZooKeeper protocol closes the
   * connection, which is what ZooKeeper's own client does with a packet over its limit.
   */
  refuseReply(xid: number, zxid: bigint, why: string): void;
  /** The largest reply a multi of these ops could have (its request `xid` says how results are shaped). */
  multiReplyBytesMax(xid: number, ops: readonly WriteOp[]): number;
  sendEvent(event: WatchEvent): void;
  /**
   * The session reattached to another server, so request `xid` on this connection is refused
   * (SESSION_MOVED) and the connection ends, logged and counted. The ZooKeeper protocol sends no
   * reply (ZooKeeper's FinalRequestProcessor only closes: its client sees a lost connection);
   * the native one answers the request with SESSION_MOVED, then closes with reason sessionMoved.
   */
  sessionMoved(xid: number, zxid: bigint): void;
  /** Refuses or ends the connection with a reason the client can act on. */
  close(reason: CloseReason, message: string, lastZxid?: bigint): void;
  /** Ends the connection because of a fault in handling it (ours or the client's): logged and counted. */
  fail(cause: CloseCause, detail?: unknown): void;
  /** Back-pressure: stop reading requests (for `why`) until resumed for the same reason. */
  pause(why: PauseReason): void;
  resume(why: PauseReason): void;
  /** Bytes written but not yet flushed to the socket. */
  readonly bufferedBytes: number;
  readonly stats: ConnectionStats;
  /** Reading is paused (back-pressure or the handshake). */
  readonly readingPaused: boolean;
}

/** What a listener calls; implemented by the server core, one instance per connection. */
export interface ConnectionHandler {
  onConnect(request: ConnectRequest): void;
  onRequest(xid: number, request: Request): void;
  /** A well-formed request refused at decoding (unknown op, reconfig): answer err in order; maybe close. */
  onInvalid(xid: number, err: number, closeSession: boolean): void;
  /** Queued output drained below the soft bound: reads held back may run. */
  onWritable(): void;
  /** The connection is gone (either side closed it). */
  onClose(): void;
}

export type HandlerFactory = (connection: ClientConnection) => ConnectionHandler;

/** Why reading from a connection is paused; reading resumes when no reason is left. */
export const PauseReason = {
  /** The session has maxOutstandingPerSession requests unanswered. */
  session: 1,
  /** The server has globalOutstandingLimit requests unanswered. */
  global: 2,
  /** Queued output passed the soft bound; resumes when the socket drains. */
  output: 4,
  /** The ConnectRequest is being answered; later frames wait for it, as in ZooKeeper. */
  handshake: 8,
} as const;
export type PauseReason = (typeof PauseReason)[keyof typeof PauseReason];

/** Reading paused for any number of reasons at once; the socket is paused once and resumed once. */
export class ReadGate {
  private reasons = 0;
  constructor(
    private readonly pauseIo: () => void,
    private readonly resumeIo: () => void,
  ) {}
  get paused(): boolean {
    return this.reasons !== 0;
  }
  pause(why: PauseReason): void {
    const was = this.reasons;
    this.reasons |= why;
    if (was === 0) this.pauseIo();
  }
  resume(why: PauseReason): void {
    if ((this.reasons & why) === 0) return;
    this.reasons &= ~why;
    if (this.reasons === 0) this.resumeIo();
  }
}

/** Bounds of one client connection, from the configuration. */
export interface ConnectionBounds {
  /** Queued output above which reading pauses and reads wait (the soft bound). */
  outputBytesPause: number;
  /** Queued output above which the connection is closed (the hard bound). */
  outputBytesMax: number;
  /** Largest frame accepted before the handshake, and the whole pre-handshake input. */
  handshakeBytesMax: number;
  /** A connection that has not completed its handshake by then is closed. */
  handshakeTimeoutMs: number;
  /** Largest reply sent (the client's frame limit). */
  replyBytesMax: number;
}

/** Why a listener ended a connection, as counted in warden_connections_closed_total. */
export type CloseCause =
  | "bad_frame"
  | "handshake_timeout"
  | "handshake_too_large"
  | "connect_twice"
  | "too_many_connections"
  | "reply_too_large"
  | "output_overflow"
  | "session_moved"
  | "origin_refused"
  | "internal_error"
  /** A TLS handshake that failed: plain text or garbage on a TLS port, no or a bad client certificate, too slow. */
  | "tls_handshake"
  /** Under ssl.clientAuth=want, a client certificate that does not verify. */
  | "tls_unauthorized";

/** What every listener reports to: the log and the close counter. */
export interface ListenerReporter {
  log(line: string): void;
  closed(port: "native" | "zookeeper" | "admin" | "peer", cause: CloseCause): void;
}

/**
 * The output side of a connection: counts queued bytes after each write, pauses reading above
 * the soft bound, closes above the hard bound, and reports when the socket has drained.
 */
export class OutputBound {
  private full = false;
  constructor(
    private readonly bounds: Pick<ConnectionBounds, "outputBytesPause" | "outputBytesMax">,
    private readonly queued: () => number,
    private readonly gate: ReadGate,
    private readonly overflow: (bytes: number) => void,
  ) {}

  /** Below the soft bound. */
  get writable(): boolean {
    return !this.full;
  }

  /** After a write: maybe pause reading, maybe end the connection. */
  wrote(): void {
    const bytes = this.queued();
    if (bytes > this.bounds.outputBytesMax) return this.overflow(bytes);
    if (!this.full && bytes > this.bounds.outputBytesPause) {
      this.full = true;
      this.gate.pause(PauseReason.output);
    }
  }

  /** The socket drained ('drain'); true when the connection just became writable again. */
  drained(): boolean {
    if (!this.full || this.queued() > this.bounds.outputBytesPause) return false;
    this.full = false;
    this.gate.resume(PauseReason.output);
    return true;
  }
}

/**
 * Frames written in one callback (a request, or a Ready's committed entries), copied into one
 * buffer that goes to the stream when that callback and its microtasks return (or once it
 * fills): one write for all of them, and no turn of the event loop added to a reply. A stream keeps an entry, a Buffer and a
 * callback per write, and each small encoded reply holds its encoder's whole buffer: for
 * thousands of small replies to pipelined reads that costs far more than their bytes, which
 * is what the output bound counts. Copied at once, each frame is garbage while still young,
 * and what stays queued is the bytes themselves.
 */
export class TurnBatch {
  private buffer: Buffer | undefined;
  private bytes = 0;
  private scheduled = false;

  constructor(
    private readonly send: (bytes: Uint8Array) => void,
    private readonly bytesMax = 64 * 1024,
  ) {}

  /** Bytes written and not yet handed to the stream. */
  get pendingBytes(): number {
    return this.bytes;
  }

  write(frame: Uint8Array): void {
    if (frame.length >= this.bytesMax) {
      // A large frame goes as it is, after what was written before it.
      this.flush();
      return this.send(frame);
    }
    if (this.buffer && this.bytes + frame.length > this.buffer.length) this.flush();
    this.buffer ??= Buffer.allocUnsafe(this.bytesMax);
    this.buffer.set(frame, this.bytes);
    this.bytes += frame.length;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
  }

  /** Hands what is pending to the stream now (before a close, or when the batch is full). */
  readonly flush = (): void => {
    this.scheduled = false;
    if (!this.buffer || this.bytes === 0) return;
    // A small batch is copied out so the 64 KiB buffer is not held for a few bytes.
    const out =
      this.bytes * 4 < this.buffer.length ? Buffer.from(this.buffer.subarray(0, this.bytes)) : this.buffer.subarray(0, this.bytes);
    if (out.buffer === this.buffer.buffer) this.buffer = undefined;
    this.bytes = 0;
    this.send(out);
  };

  /** Forgets what is pending (the connection is being destroyed). */
  drop(): void {
    this.buffer = undefined;
    this.bytes = 0;
  }
}

/** Counts connections per client address (maxClientCnxns) and in all (maxCnxns); 0 = unlimited. */
export class ConnectionLimiter {
  private readonly byIp = new Map<string, number>();
  private total = 0;
  constructor(
    private readonly perIpMax: number,
    private readonly totalMax = 0,
  ) {}

  /** Why the connection is refused, or undefined when it was admitted (release it later). */
  tryAcquire(ip: string): string | undefined {
    const n = this.byIp.get(ip) ?? 0;
    if (this.perIpMax > 0 && n >= this.perIpMax) return `too many connections from ${ip} (maxClientCnxns ${this.perIpMax})`;
    if (this.totalMax > 0 && this.total >= this.totalMax) return `too many connections (maxCnxns ${this.totalMax})`;
    this.byIp.set(ip, n + 1);
    this.total++;
    return undefined;
  }
  release(ip: string): void {
    const n = this.byIp.get(ip) ?? 0;
    if (n === 0) return;
    this.total--;
    if (n <= 1) this.byIp.delete(ip);
    else this.byIp.set(ip, n - 1);
  }
  get count(): number {
    return this.total;
  }
}

/** The message of an unknown thrown value, with its stack when it is ours. */
export function describeError(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** How the client listeners treat sockets: clientPortListenBacklog (-1: the system's) and clientTcpKeepAlive. */
export interface SocketSettings {
  listenBacklog: number;
  tcpKeepAlive: boolean;
}

/** Starts listening; a failure to bind (port taken) rejects. */
export function listenTcp(server: import("node:net").Server, port: number, host: string | undefined, backlog: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, ...(backlog > 0 ? { backlog } : {}) }, () => resolve());
  });
}
