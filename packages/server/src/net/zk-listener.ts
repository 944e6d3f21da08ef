// The ZooKeeper client protocol listener: TCP, 4-byte length-prefixed jute records.
// Existing ZooKeeper clients (Java, C, kazoo, node-zookeeper-client) connect here.
import { createServer, type Server, type Socket } from "node:net";
import { CloseReason, DecodeError, ErrorCode, jute, type ConnectResponse, type Response, type WatchEvent } from "@warden/protocol";
import type { ClientConnection, ConnectionHandler, ConnectionLimiter, HandlerFactory } from "./connection.js";

const REFUSED_PASSWORD = new Uint8Array(16);

class ZkConnection implements ClientConnection {
  readonly protocol = "zookeeper" as const;
  readonly stats = { received: 0, sent: 0 };
  handler: ConnectionHandler | undefined;
  connected = false;
  closed = false;
  readOnlyField = true;
  /** Reply shapes of outstanding requests, by xid (ZooKeeper xids may repeat: -2, -4, -8). */
  private readonly shapes = new Map<number, jute.JuteReplyShape[]>();

  constructor(private readonly socket: Socket, readonly remote: string, readonly remoteIp: string) {}

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }
  private corked = false;
  /** Replies written in one turn of the event loop leave in one syscall: cork until the turn ends. */
  private write(bytes: Uint8Array): void {
    if (this.closed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(bytes);
    this.stats.sent++;
  }
  sendConnected(response: ConnectResponse): void {
    this.connected = true;
    this.write(jute.encodeConnectResponse(response, this.readOnlyField));
  }
  sendReply(xid: number, zxid: bigint, err: number, response: Response | undefined): void {
    const shape = this.takeShape(xid);
    if (err !== 0 || !response || !shape) this.write(jute.encodeErrorReply(xid === -2 ? -2 : xid, zxid, err || ErrorCode.SYSTEM_ERROR));
    else this.write(jute.encodeReply(shape, xid, zxid, response));
  }
  sendEvent(event: WatchEvent): void {
    this.write(jute.encodeNotification(event));
  }
  close(reason: CloseReason, _message: string): void {
    if (this.closed) return;
    // A refused session is a ConnectResponse with timeout 0 (ZooKeeper's expired answer).
    if (!this.connected && (reason === CloseReason.SESSION_EXPIRED || reason === CloseReason.AUTH_FAILED)) {
      this.write(jute.encodeConnectResponse({ protocolVersion: 0, timeoutMs: 0, sessionId: 0n, password: REFUSED_PASSWORD, readOnly: false }, this.readOnlyField));
    }
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 100).unref();
  }
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }

  expectReply(xid: number, shape: jute.JuteReplyShape): void {
    const list = this.shapes.get(xid);
    if (list) list.push(shape);
    else this.shapes.set(xid, [shape]);
  }
  private takeShape(xid: number): jute.JuteReplyShape | undefined {
    const list = this.shapes.get(xid);
    if (!list) return undefined;
    const s = list.shift();
    if (list.length === 0) this.shapes.delete(xid);
    return s;
  }

  onFrame(frame: Uint8Array): void {
    this.stats.received++;
    if (!this.connected) {
      const { request, readOnlyField } = jute.decodeConnectRequest(frame);
      this.readOnlyField = readOnlyField;
      this.handler!.onConnect(request);
      return;
    }
    const f = jute.decodeRequest(frame);
    if (f.kind === "request") {
      this.expectReply(f.xid, f);
      this.handler!.onRequest(f.xid, f.request);
    } else if (f.kind === "reconfig") {
      this.handler!.onInvalid(f.xid, ErrorCode.RECONFIG_DISABLED, false);
    } else {
      this.handler!.onInvalid(f.xid, f.err, f.closeSession);
    }
  }
}

export interface ZkListenerOptions {
  port: number;
  host: string | undefined;
  frameBytesMax: number;
  limiter: ConnectionLimiter;
  handlers: HandlerFactory;
  /** The text answer to a four-letter word, or undefined when it is not whitelisted. */
  fourLetterWord: (word: string) => string;
  log: (line: string) => void;
}

export async function startZkListener(opts: ZkListenerOptions): Promise<{ port: number; close(): Promise<void>; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    accept(socket, opts);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function accept(socket: Socket, opts: ZkListenerOptions): void {
  socket.setNoDelay(true);
  const ip = (socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const conn = new ZkConnection(socket, `${ip}:${socket.remotePort}`, ip);
  const splitter = new jute.JuteFrameSplitter({ frameBytesMax: opts.frameBytesMax + 64 * 1024, detectFourLetterWords: true });
  let admitted = false;
  socket.on("data", (chunk: Buffer) => {
    try {
      const frames = splitter.feed(chunk);
      if (splitter.fourLetterWord !== undefined) {
        socket.end(opts.fourLetterWord(splitter.fourLetterWord));
        return;
      }
      for (const frame of frames) {
        if (!admitted) {
          if (!opts.limiter.tryAcquire(ip)) {
            opts.log(`too many connections from ${ip}`);
            return void socket.destroy();
          }
          admitted = true;
          conn.handler = opts.handlers(conn);
        }
        conn.onFrame(frame);
        if (conn.closed) return;
      }
    } catch (e) {
      // A DecodeError is the client's fault; anything else is ours: log its stack.
      opts.log(`closing ${conn.remote}: ${e instanceof DecodeError ? e.message : e instanceof Error ? e.stack : String(e)}`);
      conn.closed = true;
      socket.destroy();
    }
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => {
    conn.closed = true;
    if (admitted) {
      opts.limiter.release(ip);
      conn.handler!.onClose();
    }
  });
}

