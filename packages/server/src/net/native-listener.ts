// The native protocol listener: WebSocket (ws), one CBOR frame per binary message.
import { WebSocket, WebSocketServer } from "ws";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import {
  CloseReason,
  DecodeError,
  ErrorCode,
  NativeCodec,
  NativeDecodeReason,
  type ConnectRequest,
  type ConnectResponse,
  type NativeCodecLimits,
  type Response,
  type ServerFrame,
  type Stat,
  type WatchEvent,
  type WriteOp,
} from "@warden/protocol";
import { ConnectionBase } from "./connection-base.js";
import { judgeOrigin, type AllowedOrigins } from "./origins.js";
import { createHttpsListener, peerIdentities, type ListenerTls } from "./tls-listener.js";
import {
  TurnBatch,
  listenTcp,
  type CloseCause,
  type ConnectionBounds,
  type ConnectionLimiter,
  type HandlerFactory,
  type ListenerReporter,
  type SocketSettings,
} from "./connection.js";

const EMPTY = Buffer.alloc(0);
const HEADER_SHORT = Buffer.alloc(2);
const HEADER_16 = Buffer.alloc(4);
const HEADER_64 = Buffer.alloc(10);
/**
 * The header of an unmasked binary frame with FIN set (RFC 6455 5.2) of `length` bytes, in a
 * buffer shared by every call: the batch copies it before the next.
 */
export function binaryFrameHeader(length: number): Buffer {
  if (length < 126) {
    HEADER_SHORT[0] = 0x82;
    HEADER_SHORT[1] = length;
    return HEADER_SHORT;
  }
  if (length < 65536) {
    HEADER_16[0] = 0x82;
    HEADER_16[1] = 126;
    HEADER_16.writeUInt16BE(length, 2);
    return HEADER_16;
  }
  HEADER_64[0] = 0x82;
  HEADER_64[1] = 127;
  HEADER_64.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  HEADER_64.writeUInt32BE(length >>> 0, 6);
  return HEADER_64;
}
/** Wait this long after a close frame before cutting the socket, so the client can read it. */
const CLOSE_LINGER_MS = 100;
/** At most one log line per this interval for upgrades refused for their Origin (all are counted). */
const ORIGIN_LOG_INTERVAL_MS = 1000;

export class NativeConnection extends ConnectionBase {
  readonly protocol = "native" as const;
  /**
   * Replies and events of one turn leave in one write, framed here (unmasked binary frames, as
   * a server sends them). Through ws.send each took a header Buffer, a queue entry and a
   * callback, held until the turn ended: for a burst of small replies, most of their cost.
   * ws's own frames (close, pong) go straight to the socket: after the batch, or between
   * whole frames of it, both valid.
   */
  private readonly batch = new TurnBatch((bytes) => this.socket.write(bytes, this.flushed));
  /**
   * Messages read and not yet handled, undecoded: ws hands on every message of a chunk it
   * read, paused or not, so the ones after a pause wait here (at most one read's worth, as
   * the socket is paused then).
   */
  private held: Buffer[] = [];
  private heldHead = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    private readonly codec: NativeCodec,
    remote: string,
    remoteIp: string,
    bounds: ConnectionBounds,
    reporter: ListenerReporter,
    /** The web page this connection came from (an allowed Origin), or undefined for a program. */
    readonly origin: string | undefined,
  ) {
    super(remote, remoteIp, bounds, reporter);
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount + this.batch.pendingBytes;
  }

  protected writeBytes(bytes: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.batch.write(binaryFrameHeader(bytes.length));
    this.batch.write(bytes);
  }
  protected pauseIo(): void {
    this.ws.pause();
  }
  protected resumeIo(): void {
    if (!this.closed) this.ws.resume();
  }
  protected destroyIo(): void {
    this.batch.drop();
    this.ws.terminate();
  }
  protected closeIo(reason: CloseReason, message: string, lastZxid: bigint | undefined): void {
    this.batch.flush();
    const frame: ServerFrame = lastZxid === undefined ? { kind: "close", reason, message } : { kind: "close", reason, message, lastZxid };
    this.ws.send(this.codec.encodeServerFrame(frame), { binary: true });
    this.ws.close(1000, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_LINGER_MS).unref();
  }
  /** A client at fault is told why in a close frame; a connection that does not read is just cut. */
  protected override abortIo(cause: CloseCause, text: string): void {
    if (cause === "bad_frame" || cause === "connect_twice" || cause === "handshake_too_large")
      return this.closeIo(CloseReason.BAD_FRAME, text.slice(0, 1024), undefined);
    this.destroyIo();
  }

  /** Keeps a message ws read; the messages kept are taken while reading is not paused. */
  received(data: Buffer): void {
    if (this.closed) return;
    this.held.push(data);
    this.takeFrames();
  }
  protected nextFrame(): Uint8Array | undefined {
    if (this.heldHead === this.held.length) return undefined;
    const data = this.held[this.heldHead]!;
    this.held[this.heldHead++] = EMPTY;
    if (this.heldHead === this.held.length) {
      this.held = [];
      this.heldHead = 0;
    }
    return data;
  }

  protected decodeConnect(data: Uint8Array): ConnectRequest {
    const frame = this.codec.decodeClientFrame(data);
    if (frame.kind !== "connect") throw new DecodeError(NativeDecodeReason.FRAME_KIND, "request before connect");
    return frame.request;
  }
  protected encodeConnected(response: ConnectResponse, lastZxid: bigint): Uint8Array {
    return this.codec.encodeServerFrame({ kind: "connected", response, lastZxid });
  }
  protected handleFrame(data: Uint8Array): void {
    const frame = this.codec.decodeClientFrame(data);
    if (frame.kind === "connect") return this.fail("connect_twice", "connect sent twice");
    this.handler!.onRequest(frame.xid, frame.request);
  }
  protected encodeReply(xid: number, zxid: bigint, err: number, response: Response | undefined): Uint8Array {
    return this.codec.encodeServerFrame(
      err === 0 ? { kind: "reply", xid, zxid, err, response: response! } : { kind: "reply", xid, zxid, err },
    );
  }
  protected encodeEvent(event: WatchEvent): Uint8Array {
    return this.codec.encodeServerFrame({ kind: "event", event });
  }

  protected endMoved(xid: number, zxid: bigint): void {
    this.sendReply(xid, zxid, ErrorCode.SESSION_MOVED, undefined);
    this.close(CloseReason.SESSION_MOVED, "the session moved to another server");
  }

  /** The request is answered MARSHALLING_ERROR; the session and connection go on. */
  refuseReply(xid: number, zxid: bigint, why: string): void {
    this.reporter.log(`${this.remote}: refused the reply to xid ${xid}: ${why}`);
    this.reporter.closed("native", "reply_too_large");
    this.sendReply(xid, zxid, ErrorCode.MARSHALLING_ERROR, undefined);
  }

  /** The largest reply a multi of these ops can have, every result at its largest. */
  multiReplyBytesMax(_xid: number, ops: readonly WriteOp[]): number {
    const sizes = resultSizes(this.codec);
    let bytes = sizes.envelope;
    for (const op of ops) {
      if (op.type === "create") bytes += sizes.create + 3 * op.path.length + 10;
      else bytes += op.type === "setData" ? sizes.setData : sizes.error;
    }
    return bytes;
  }
}

/** A stat with every field at its widest, to size the largest reply of each kind. */
const STAT_MAX: Stat = {
  czxid: 2n ** 64n - 1n,
  mzxid: 2n ** 64n - 1n,
  ctime: Number.MAX_SAFE_INTEGER,
  mtime: Number.MAX_SAFE_INTEGER,
  version: -(2 ** 31),
  cversion: -(2 ** 31),
  aversion: -(2 ** 31),
  ephemeralOwner: 2n ** 64n - 1n,
  dataLength: -(2 ** 31),
  numChildren: -(2 ** 31),
  pzxid: 2n ** 64n - 1n,
};
let sizesMemo: { envelope: number; create: number; setData: number; error: number } | undefined;
/** Bytes each multi result adds to a reply, measured once with the codec itself (CBOR headers included). */
function resultSizes(codec: NativeCodec) {
  if (sizesMemo) return sizesMemo;
  const reply = (results: unknown[]) =>
    codec.encodeServerFrame({
      kind: "reply",
      xid: 2 ** 31 - 1,
      zxid: 2n ** 64n - 1n,
      err: 0,
      response: { type: "multi", results } as Response,
    }).length;
  const empty = reply([]);
  const each = (result: unknown) => reply([result]) - empty;
  sizesMemo = {
    // The array header grows by up to 4 bytes with the count.
    envelope: empty + 4,
    create: each({ type: "create", path: "", stat: STAT_MAX }) + 4,
    setData: each({ type: "setData", stat: STAT_MAX }),
    error: each({ type: "error", err: -(2 ** 31) }),
  };
  return sizesMemo;
}

export interface NativeListenerOptions {
  port: number;
  host: string | undefined;
  limits: Partial<NativeCodecLimits>;
  bounds: Omit<ConnectionBounds, "replyBytesMax">;
  limiter: ConnectionLimiter;
  handlers: HandlerFactory;
  reporter: ListenerReporter;
  sockets?: SocketSettings;
  /** Web pages (Origin header) allowed to connect; default none. Upgrades without an Origin are programs, always allowed. */
  origins?: AllowedOrigins;
  /** TLS: secureNativePort (wss), made the same way but for its listener. */
  tls?: ListenerTls;
}

export interface NativeListener {
  port: number;
  server: WebSocketServer;
  handshaking(): number;
  close(): Promise<void>;
}

export async function startNativeListener(opts: NativeListenerOptions): Promise<NativeListener> {
  const codec = new NativeCodec(opts.limits);
  const connections = new Set<NativeConnection>();
  // Our own HTTP server, so that a connection that never completes its upgrade is bounded like
  // any handshake: in time (clientHandshakeTimeoutMs) and in headers.
  const httpOptions = { connectionsCheckingInterval: Math.min(1000, opts.bounds.handshakeTimeoutMs) };
  const notWebSocket = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(426, { "content-type": "text/plain", connection: "close" });
    res.end("this port speaks WebSocket (Warden's native protocol)\n");
  };
  const rawSockets = new Set<Socket>();
  const http = opts.tls
    ? createHttpsListener(opts.tls, opts.reporter, httpOptions, notWebSocket, rawSockets)
    : createServer(httpOptions, notWebSocket);
  http.headersTimeout = opts.bounds.handshakeTimeoutMs;
  http.requestTimeout = opts.bounds.handshakeTimeoutMs;
  http.maxHeadersCount = 64;
  http.on("clientError", (_e, socket) => {
    opts.reporter.closed("native", "bad_frame");
    socket.destroy();
  });
  const origins = opts.origins ?? new Set<string>();
  // A page may retry in a loop: one log line per ORIGIN_LOG_INTERVAL_MS, the rest counted in it.
  let lastLoggedMs = -Infinity;
  let unlogged = 0;
  // A page not allowed is refused at the upgrade, before any connection exists (ws answers 403).
  const verifyClient = (info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
    const verdict = judgeOrigin(origins, info.req.headers.origin ?? info.req.headers["sec-websocket-origin"]);
    if (verdict.kind !== "refused") return done(true);
    opts.reporter.closed("native", "origin_refused");
    const now = performance.now();
    if (now - lastLoggedMs >= ORIGIN_LOG_INTERVAL_MS) {
      const more = unlogged > 0 ? ` (and ${unlogged} more refused since the last such line)` : "";
      opts.reporter.log(
        `native: refused a WebSocket upgrade from ${info.req.socket.remoteAddress ?? "?"} with Origin ${JSON.stringify(verdict.origin)} (not in nativeAllowedOrigins)${more}`,
      );
      lastLoggedMs = now;
      unlogged = 0;
    } else unlogged++;
    done(false, 403, "Forbidden: this Origin is not in nativeAllowedOrigins");
  };
  const wss = new WebSocketServer({ server: http, maxPayload: codec.limits.frameBytesMax, perMessageDeflate: false, verifyClient });
  wss.on("connection", (ws: WebSocket, req: IncomingMessage) => {
    try {
      accept(ws, req, codec, opts, connections);
    } catch (e) {
      opts.reporter.log(`closing a new native connection: ${String(e)}`);
      opts.reporter.closed("native", "internal_error");
      ws.terminate();
    }
  });
  // A failed upgrade or a socket error before it ends that socket, never the server.
  wss.on("wsClientError", (_e, socket) => socket.destroy());
  await listenTcp(http, opts.port, opts.host, opts.sockets?.listenBacklog ?? -1);
  const port = (wss.address() as { port: number }).port;
  return {
    port,
    server: wss,
    handshaking: () => [...connections].filter((c) => c.handshaking).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => http.close(() => resolve()));
        http.closeAllConnections();
        for (const s of rawSockets) s.destroy();
      }),
  };
}

function accept(
  ws: WebSocket,
  req: IncomingMessage,
  codec: NativeCodec,
  opts: NativeListenerOptions,
  connections: Set<NativeConnection>,
): void {
  ws.on("error", () => ws.terminate());
  const socket = req.socket;
  if (opts.sockets?.tcpKeepAlive) socket.setKeepAlive(true);
  const ip = (socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const bounds = { ...opts.bounds, replyBytesMax: codec.limits.frameBytesMax };
  const verdict = judgeOrigin(opts.origins ?? new Set<string>(), req.headers.origin ?? req.headers["sec-websocket-origin"]);
  const origin = verdict.kind === "allowed" ? verdict.origin : undefined;
  const conn = new NativeConnection(ws, socket, codec, `${ip}:${socket.remotePort}`, ip, bounds, opts.reporter, origin);
  if (opts.tls) conn.tlsIdentities = peerIdentities(socket, opts.tls);
  const refused = opts.limiter.tryAcquire(ip);
  if (refused !== undefined) {
    opts.reporter.log(refused);
    opts.reporter.closed("native", "too_many_connections");
    conn.close(CloseReason.TOO_MANY_CONNECTIONS, refused);
    return;
  }
  connections.add(conn);
  conn.handler = opts.handlers(conn);
  ws.binaryType = "nodebuffer";
  // Before its connect frame, a connection may hold only a few KiB (ws would buffer a whole message).
  let handshakeBytes = 0;
  const countHandshake = (chunk: Buffer) => {
    handshakeBytes += chunk.length;
    if (!conn.handshaking) socket.off("data", countHandshake);
    else if (conn.stats.received === 0 && handshakeBytes > opts.bounds.handshakeBytesMax)
      conn.fail("handshake_too_large", `${handshakeBytes} bytes before a connect frame`);
  };
  socket.on("data", countHandshake);
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return conn.fail("bad_frame", "text frames are not part of the protocol");
    conn.received(data);
  });
  socket.on("drain", () => conn.drained());
  ws.on("close", () => {
    conn.socketClosed();
    connections.delete(conn);
    opts.limiter.release(ip);
    try {
      conn.handler!.onClose();
    } catch (e) {
      opts.reporter.log(`after closing ${conn.remote}: ${String(e)}`);
      opts.reporter.closed("native", "internal_error");
    }
  });
}
