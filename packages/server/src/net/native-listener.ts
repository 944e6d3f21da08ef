// The native protocol listener: WebSocket (ws), one CBOR frame per binary message.
import { WebSocketServer, type WebSocket } from "ws";
import type { IncomingMessage } from "node:http";
import { CloseReason, DecodeError, NativeCodec, type ServerFrame, type NativeCodecLimits } from "@warden/protocol";
import type { ClientConnection, ConnectionLimiter, HandlerFactory, ConnectionHandler } from "./connection.js";

/** Wait this long after a close frame before cutting the socket, so the client can read it. */
const CLOSE_LINGER_MS = 100;

class NativeConnection implements ClientConnection {
  readonly protocol = "native" as const;
  readonly stats = { received: 0, sent: 0 };
  handler: ConnectionHandler | undefined;
  connected = false;
  closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly codec: NativeCodec,
    readonly remote: string,
    readonly remoteIp: string,
  ) {}

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  private corked = false;
  private send(frame: ServerFrame): void {
    if (this.closed) return;
    this.corkForThisTurn();
    this.ws.send(this.codec.encodeServerFrame(frame), { binary: true });
    this.stats.sent++;
  }
  /**
   * Frames sent in one turn of the event loop leave in one syscall. ws has no public cork, so
   * this reaches its socket (stable across ws 7 and 8); without it, each frame is one write.
   */
  private corkForThisTurn(): void {
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (this.corked || !socket) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }
  sendConnected(response: import("@warden/protocol").ConnectResponse, lastZxid: bigint): void {
    this.connected = true;
    this.send({ kind: "connected", response, lastZxid });
  }
  sendReply(xid: number, zxid: bigint, err: number, response: import("@warden/protocol").Response | undefined): void {
    this.send(err === 0 ? { kind: "reply", xid, zxid, err, response: response! } : { kind: "reply", xid, zxid, err });
  }
  sendEvent(event: import("@warden/protocol").WatchEvent): void {
    this.send({ kind: "event", event });
  }
  close(reason: CloseReason, message: string, lastZxid?: bigint): void {
    if (this.closed) return;
    this.send(lastZxid === undefined ? { kind: "close", reason, message } : { kind: "close", reason, message, lastZxid });
    this.closed = true;
    this.ws.close(1000, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_LINGER_MS).unref();
  }
  pause(): void {
    this.ws.pause();
  }
  resume(): void {
    this.ws.resume();
  }

  onFrame(data: Uint8Array): void {
    this.stats.received++;
    let frame;
    try {
      frame = this.codec.decodeClientFrame(data);
    } catch (e) {
      const message = e instanceof DecodeError ? e.message : "undecodable frame";
      return this.close(CloseReason.BAD_FRAME, message);
    }
    if (frame.kind === "connect") {
      if (this.connected) return this.close(CloseReason.BAD_FRAME, "connect sent twice");
      this.handler!.onConnect(frame.request);
    } else {
      if (!this.connected) return this.close(CloseReason.BAD_FRAME, "request before connect");
      this.handler!.onRequest(frame.xid, frame.request);
    }
  }
}

export interface NativeListenerOptions {
  port: number;
  host: string | undefined;
  limits: Partial<NativeCodecLimits>;
  limiter: ConnectionLimiter;
  handlers: HandlerFactory;
  log: (line: string) => void;
}

export async function startNativeListener(opts: NativeListenerOptions): Promise<{ port: number; close(): Promise<void>; server: WebSocketServer }> {
  const codec = new NativeCodec(opts.limits);
  const wss = new WebSocketServer({ port: opts.port, host: opts.host, maxPayload: codec.limits.frameBytesMax, perMessageDeflate: false });
  wss.on("connection", (ws: WebSocket, req: IncomingMessage) => accept(ws, req, codec, opts));
  await new Promise<void>((resolve, reject) => {
    wss.once("listening", resolve);
    wss.once("error", reject);
  });
  const port = (wss.address() as { port: number }).port;
  return {
    port,
    server: wss,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

function accept(ws: WebSocket, req: IncomingMessage, codec: NativeCodec, opts: NativeListenerOptions): void {
  const ip = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const conn = new NativeConnection(ws, codec, `${ip}:${req.socket.remotePort}`, ip);
  if (!opts.limiter.tryAcquire(ip)) {
    conn.close(CloseReason.TOO_MANY_CONNECTIONS, `too many connections from ${ip}`);
    return;
  }
  conn.handler = opts.handlers(conn);
  ws.binaryType = "nodebuffer";
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return conn.close(CloseReason.BAD_FRAME, "text frames are not part of the protocol");
    conn.onFrame(data);
  });
  ws.on("error", () => ws.terminate());
  ws.on("close", () => {
    conn.closed = true;
    opts.limiter.release(ip);
    conn.handler!.onClose();
  });
}
