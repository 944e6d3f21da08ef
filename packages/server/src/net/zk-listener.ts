// The ZooKeeper client protocol listener: TCP, 4-byte length-prefixed jute records.
// Existing ZooKeeper clients (Java, C, kazoo, node-zookeeper-client) connect here.
import { createServer, type Server, type Socket } from "node:net";
import {
  CloseReason,
  ErrorCode,
  OpCode,
  isSequential,
  jute,
  type ConnectRequest,
  type ConnectResponse,
  type Response,
  type WatchEvent,
  type WriteOp,
} from "@warden/protocol";
import { ConnectionBase } from "./connection-base.js";
import {
  TurnBatch,
  listenTcp,
  type ConnectionBounds,
  type ConnectionLimiter,
  type HandlerFactory,
  type ListenerReporter,
  type SocketSettings,
} from "./connection.js";
import { createTlsListener, peerIdentities, type ListenerTls } from "./tls-listener.js";

const REFUSED_PASSWORD = new Uint8Array(16);

export class ZkConnection extends ConnectionBase {
  readonly protocol = "zookeeper" as const;
  private readOnlyField = true;
  /**
   * Reply shapes of outstanding requests, in the order they came (xids may repeat: -2, -4, -8).
   * A session answers in that order, so the reply's shape is nearly always the first: a queue
   * of two arrays costs nothing per request, where a Map by xid rehashed as it emptied.
   */
  private readonly shapes = new ShapeQueue();
  /** Replies and events of one turn leave in one write. */
  private readonly batch = new TurnBatch((bytes) => this.socket.write(bytes, this.flushed));

  constructor(
    private readonly socket: Socket,
    /** What was read and not yet handled, as bytes: frames are split off one at a time as they are taken. */
    private readonly splitter: jute.JuteFrameSplitter,
    remote: string,
    remoteIp: string,
    bounds: ConnectionBounds,
    reporter: ListenerReporter,
  ) {
    super(remote, remoteIp, bounds, reporter);
  }

  get bufferedBytes(): number {
    return this.socket.writableLength + this.batch.pendingBytes;
  }

  protected writeBytes(bytes: Uint8Array): void {
    this.batch.write(bytes);
  }
  protected pauseIo(): void {
    this.socket.pause();
  }
  protected resumeIo(): void {
    if (!this.closed) this.socket.resume();
  }
  protected destroyIo(): void {
    this.batch.drop();
    this.socket.destroy();
  }
  protected closeIo(reason: CloseReason): void {
    this.batch.flush();
    // A refused session is a ConnectResponse with timeout 0 (ZooKeeper's expired answer).
    if (this.stage !== "open" && (reason === CloseReason.SESSION_EXPIRED || reason === CloseReason.AUTH_FAILED)) {
      const refused = { protocolVersion: 0, timeoutMs: 0, sessionId: 0n, password: REFUSED_PASSWORD, readOnly: false };
      this.socket.write(jute.encodeConnectResponse(refused, this.readOnlyField));
    }
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 100).unref();
  }

  /** Keeps what was read; the frames in it are taken while reading is not paused. */
  received(chunk: Uint8Array): void {
    if (this.closed) return;
    try {
      this.splitter.push(chunk);
    } catch (e) {
      return this.fail("bad_frame", e);
    }
    this.takeFrames();
  }
  protected nextFrame(): Uint8Array | undefined {
    return this.splitter.next();
  }

  protected decodeConnect(frame: Uint8Array): ConnectRequest {
    const { request, readOnlyField } = jute.decodeConnectRequest(frame);
    this.readOnlyField = readOnlyField;
    return request;
  }
  protected encodeConnected(response: ConnectResponse): Uint8Array {
    return jute.encodeConnectResponse(response, this.readOnlyField);
  }

  protected handleFrame(frame: Uint8Array): void {
    const f = jute.decodeRequest(frame);
    if (f.kind === "request") {
      this.expectReply(f.xid, f);
      this.handler!.onRequest(f.xid, f.request);
    } else {
      // A second ConnectRequest reads as op code 0: ZooKeeper answers UNIMPLEMENTED and closes.
      if (f.opCode === OpCode.notification)
        this.reporter.log(`${this.remote}: a frame with op code 0 (a second ConnectRequest?); closing after the answer`);
      this.handler!.onInvalid(f.xid, f.err, f.closeSession);
    }
  }

  protected encodeReply(xid: number, zxid: bigint, err: number, response: Response | undefined): Uint8Array {
    const shape = this.takeShape(xid);
    if (err !== 0 && shape?.opCode === OpCode.sasl) return jute.encodeSaslErrorReply(xid, err);
    if (err !== 0 || !response || !shape) return jute.encodeErrorReply(xid === -2 ? -2 : xid, zxid, err || ErrorCode.SYSTEM_ERROR);
    // Bounded while it is written: past replyBytesMax it throws EncodeError before allocating more.
    return jute.encodeReply(shape, xid, zxid, response, this.replyBytesMax);
  }
  protected encodeEvent(event: WatchEvent): Uint8Array {
    return jute.encodeNotification(event);
  }

  /** No reply: ZooKeeper's FinalRequestProcessor answers SessionMovedException with sendCloseSession only. */
  protected endMoved(): void {
    this.close(CloseReason.SESSION_MOVED, "the session moved to another server");
  }

  /** ZooKeeper's own client drops a connection whose packet exceeds its jute.maxbuffer: do so first. */
  refuseReply(xid: number, _zxid: bigint, why: string): void {
    this.fail("reply_too_large", `${why} to xid ${xid} would exceed the client's limit of ${this.replyBytesMax} bytes`);
  }

  /** The largest reply a multi of these ops can have (every result at its largest), exactly as jute writes it. */
  multiReplyBytesMax(xid: number, ops: readonly WriteOp[]): number {
    const shape = this.shapes.last(xid);
    let bytes = jute.REPLY_HEADER_BYTES + jute.MULTI_HEADER_BYTES;
    ops.forEach((op, i) => {
      // An ErrorResult is the header and an int; a success is at least that large but for delete and check.
      let result = 4;
      if (op.type === "create") {
        const path = utf8Bytes(op.path) + (isSequential(op.mode) ? 10 : 0);
        result = Math.max(result, 4 + path + (shape?.multiOpCodes?.[i] === OpCode.create ? 0 : jute.STAT_BYTES));
      } else if (op.type === "setData") {
        result = jute.STAT_BYTES;
      }
      bytes += jute.MULTI_HEADER_BYTES + result;
    });
    return bytes;
  }

  private expectReply(xid: number, shape: jute.JuteReplyShape): void {
    this.shapes.push(xid, shape);
  }
  private takeShape(xid: number): jute.JuteReplyShape | undefined {
    return this.shapes.take(xid);
  }
}

/** Shapes of outstanding requests in arrival order, taken by xid (the first with it). */
export class ShapeQueue {
  private xids: number[] = [];
  private shapes: (jute.JuteReplyShape | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.xids.length - this.head;
  }
  push(xid: number, shape: jute.JuteReplyShape): void {
    this.xids.push(xid);
    this.shapes.push(shape);
  }
  /** The first shape queued with `xid`, removed; undefined when none is. */
  take(xid: number): jute.JuteReplyShape | undefined {
    if (this.head < this.xids.length && this.xids[this.head] === xid) {
      const shape = this.shapes[this.head];
      this.shapes[this.head++] = undefined;
      this.compact();
      return shape;
    }
    // Out of order (a request that got no reply, the connection ending): rare, so a search.
    for (let i = this.head; i < this.xids.length; i++) {
      if (this.xids[i] !== xid) continue;
      const shape = this.shapes[i];
      this.xids.splice(i, 1);
      this.shapes.splice(i, 1);
      return shape;
    }
    return undefined;
  }
  /** The last shape queued with `xid` (the request being handled), left in place. */
  last(xid: number): jute.JuteReplyShape | undefined {
    for (let i = this.xids.length - 1; i >= this.head; i--) if (this.xids[i] === xid) return this.shapes[i];
    return undefined;
  }
  /** Drops the taken entries once they are most of the arrays (amortized: one copy per 1,024 at least). */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.xids.length) {
      this.xids = this.xids.slice(this.head);
      this.shapes = this.shapes.slice(this.head);
      this.head = 0;
    }
  }
}

const utf8 = new TextEncoder();
function utf8Bytes(s: string): number {
  // Exact for ASCII (nearly every path); an upper bound otherwise.
  return /^[\x00-\x7f]*$/.test(s) ? s.length : utf8.encode(s).length;
}

export interface ZkListenerOptions {
  port: number;
  host: string | undefined;
  /** Largest request frame (ZooKeeper's jute.maxbuffer: a longer one closes the connection, as in ZooKeeper). */
  frameBytesMax: number;
  bounds: ConnectionBounds;
  limiter: ConnectionLimiter;
  handlers: HandlerFactory;
  /** The text answer to a four-letter word, or undefined when it is not whitelisted. */
  fourLetterWord: (word: string) => string;
  reporter: ListenerReporter;
  sockets?: SocketSettings;
  /** TLS: secureClientPort (the only difference from clientPort is how the listener is made). */
  tls?: ListenerTls;
}

export interface ZkListener {
  port: number;
  server: Server;
  /** Connections not yet past their handshake. */
  handshaking(): number;
  close(): Promise<void>;
}

export async function startZkListener(opts: ZkListenerOptions): Promise<ZkListener> {
  const connections = new Set<ZkConnection>();
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    try {
      accept(socket, opts, connections);
    } catch (e) {
      opts.reporter.log(`closing a new ZooKeeper connection: ${String(e)}`);
      opts.reporter.closed("zookeeper", "internal_error");
      socket.destroy();
    }
  };
  const server: Server = opts.tls ? createTlsListener(opts.tls, "zookeeper", opts.reporter, onSocket, sockets) : createServer(onSocket);
  await listenTcp(server, opts.port, opts.host, opts.sockets?.listenBacklog ?? -1);
  return {
    port: (server.address() as { port: number }).port,
    server,
    handshaking: () => [...connections].filter((c) => c.handshaking).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function accept(socket: Socket, opts: ZkListenerOptions, connections: Set<ZkConnection>): void {
  socket.setNoDelay(true);
  if (opts.sockets?.tcpKeepAlive) socket.setKeepAlive(true);
  socket.on("error", () => socket.destroy());
  const ip = (socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const refused = opts.limiter.tryAcquire(ip);
  if (refused !== undefined) {
    // ZooKeeper closes such a connection at once ("Too many connections from ...").
    opts.reporter.log(refused);
    opts.reporter.closed("zookeeper", "too_many_connections");
    return void socket.destroy();
  }
  const splitter = new jute.JuteFrameSplitter({
    frameBytesMax: opts.frameBytesMax,
    firstFrameBytesMax: opts.bounds.handshakeBytesMax,
    detectFourLetterWords: true,
  });
  const conn = new ZkConnection(socket, splitter, `${ip}:${socket.remotePort}`, ip, opts.bounds, opts.reporter);
  if (opts.tls) conn.tlsIdentities = peerIdentities(socket, opts.tls);
  connections.add(conn);
  conn.handler = opts.handlers(conn);
  socket.on("data", (chunk: Buffer) => {
    conn.received(chunk);
    // The first 4 bytes are read at once (no handshake yet, nothing paused): a word is known now.
    if (splitter.fourLetterWord !== undefined && !conn.closed) {
      conn.closed = true;
      socket.end(opts.fourLetterWord(splitter.fourLetterWord));
    }
  });
  socket.on("drain", () => conn.drained());
  socket.on("close", () => {
    conn.socketClosed();
    connections.delete(conn);
    opts.limiter.release(ip);
    try {
      conn.handler!.onClose();
    } catch (e) {
      opts.reporter.log(`after closing ${conn.remote}: ${String(e)}`);
      opts.reporter.closed("zookeeper", "internal_error");
    }
  });
}
