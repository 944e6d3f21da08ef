// Raw connections for the fuzzer: TCP sockets and ws WebSockets that never throw for a
// network reason (a refused or reset connection is just a closed one), keep only a bounded
// tail of what they receive, and belong to a pool that a case ends all at once.
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";

/** How long a fuzz connection may take to open. */
const CONNECT_TIMEOUT_MS = 3_000;
/** Bytes of received data kept per connection (older bytes are counted, then dropped). */
const KEPT_BYTES_MAX = 64 * 1024;
/** Frames kept per WebSocket connection (older ones are counted, then dropped). */
const KEPT_FRAMES_MAX = 1_000;
/** Bytes of received frames kept for the checks. */
const KEPT_FRAME_BYTES_MAX = 16 * 1024 * 1024;
/** The fuzzer's own bound on a server frame it accepts; larger ones end the connection on our side. */
export const WS_RECEIVE_BYTES_MAX = 4 * 1024 * 1024;

/** Something a pool ends when its case ends. */
interface Endable {
  destroy(): void;
}

/** Where a connection ended and who ended it. */
export type EndedBy = "open" | "server" | "fuzzer" | "refused";

/** Every connection a case opens; all destroyed by end(). */
export class ConnectionPool {
  opened = 0;
  closedByServer = 0;
  private readonly live = new Set<Endable>();
  private ended = false;

  /** Tracks `c`; after end() (a case abandoned after a failure, still running) it is ended at once. */
  add(c: Endable): void {
    this.opened++;
    if (this.ended) return void queueMicrotask(() => c.destroy());
    this.live.add(c);
  }
  forget(c: Endable): void {
    this.live.delete(c);
  }
  get size(): number {
    return this.live.size;
  }
  end(): void {
    this.ended = true;
    for (const c of [...this.live]) c.destroy();
    this.live.clear();
  }
}

/** Resolves when `pred()` holds, re-checked on every `wake()`; false after `timeoutMs`. */
class Waiters {
  private readonly waiting = new Set<() => void>();
  wake(): void {
    for (const w of [...this.waiting]) w();
  }
  until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!pred()) return;
        finish(true);
      };
      const finish = (v: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(check);
        resolve(v);
      };
      const timer = setTimeout(() => finish(pred()), timeoutMs);
      this.waiting.add(check);
    });
  }
}

export interface OpenOptions {
  /** Local (source) address, e.g. 127.0.0.7: the server counts connections per address. */
  localAddress?: string;
}

/** A TCP connection: write bytes, count and keep the tail of what comes back, see who closed it. */
export class RawTcp implements Endable {
  bytesReceived = 0;
  endedBy: EndedBy = "open";
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private readonly waiters = new Waiters();
  private readonly listeners: Array<(chunk: Buffer) => void> = [];

  private constructor(
    readonly socket: Socket,
    private readonly pool: ConnectionPool,
  ) {}

  /** Opens a connection; a refused or timed-out one comes back already closed (endedBy "refused"). */
  static open(pool: ConnectionPool, port: number, opts: OpenOptions = {}): Promise<RawTcp> {
    const socket = connect({ port, host: "127.0.0.1", ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    const t = new RawTcp(socket, pool);
    pool.add(t);
    socket.setNoDelay(true);
    let connected = false;
    socket.on("data", (chunk: Buffer) => t.take(chunk));
    socket.on("end", () => t.ended("server"));
    socket.on("error", () => t.ended(connected ? "server" : "refused"));
    socket.on("close", () => {
      t.ended(connected ? "server" : "refused");
      pool.forget(t);
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        t.ended("refused");
        socket.destroy();
      }, CONNECT_TIMEOUT_MS);
      socket.once("connect", () => {
        connected = true;
        clearTimeout(timer);
        resolve(t);
      });
      socket.once("close", () => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  }

  get closed(): boolean {
    return this.endedBy !== "open";
  }
  /** Calls `listener` with every chunk received from now on (frame parsers). */
  onData(listener: (chunk: Buffer) => void): void {
    this.listeners.push(listener);
  }
  /** The last bytes received (at most KEPT_BYTES_MAX). */
  received(): Buffer {
    return Buffer.concat(this.tail);
  }
  private take(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - this.tail[0]!.length >= KEPT_BYTES_MAX) this.tailBytes -= this.tail.shift()!.length;
    for (const l of this.listeners) l(chunk);
    this.waiters.wake();
  }
  private ended(by: EndedBy): void {
    if (this.endedBy !== "open") return;
    this.endedBy = by;
    if (by === "server") this.pool.closedByServer++;
    this.waiters.wake();
  }
  write(bytes: Uint8Array | string): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(bytes);
  }
  /** Writes the parts with `gapMs` between them (0: one write each, back to back). */
  async writeParts(parts: readonly Uint8Array[], gapMs = 0): Promise<void> {
    for (const p of parts) {
      this.write(p);
      if (gapMs > 0) await sleep(gapMs);
    }
  }
  /** Resolves when our writes have left for the kernel, or the connection ended, or `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed || this.socket.writableLength === 0) return resolve(true);
      const finish = (v: boolean) => {
        clearTimeout(timer);
        this.socket.off("drain", onEvent);
        this.socket.off("close", onEvent);
        resolve(v);
      };
      const onEvent = () => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.socket.on("drain", onEvent);
      this.socket.on("close", onEvent);
    });
  }
  until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    return this.waiters.until(pred, timeoutMs);
  }
  /** Waits for the server to close the connection; true if it did within `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<boolean> {
    return this.until(() => this.closed, timeoutMs);
  }
  /** Stop reading: the kernel buffers fill and the server's writes back up. */
  stopReading(): void {
    this.socket.pause();
  }
  end(): void {
    if (!this.closed) this.socket.end();
  }
  destroy(): void {
    if (this.endedBy === "open") this.endedBy = "fuzzer";
    this.socket.destroy();
    this.pool.forget(this);
  }
}

/** A WebSocket (ws) connection that keeps the last frames it received. */
export class WsConnection implements Endable {
  readonly frames: Uint8Array[] = [];
  private keptBytes = 0;
  private readonly listeners: Array<(frame: Uint8Array) => void> = [];
  framesReceived = 0;
  textFramesReceived = 0;
  endedBy: EndedBy = "open";
  closeCode: number | undefined;
  private readonly waiters = new Waiters();

  private constructor(
    readonly ws: WebSocket,
    private readonly pool: ConnectionPool,
  ) {}

  static open(pool: ConnectionPool, port: number, opts: OpenOptions & { path?: string } = {}): Promise<WsConnection> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${opts.path ?? "/"}`, {
      perMessageDeflate: false,
      maxPayload: WS_RECEIVE_BYTES_MAX,
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    ws.binaryType = "nodebuffer";
    const c = new WsConnection(ws, pool);
    pool.add(c);
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      c.framesReceived++;
      if (!isBinary) c.textFramesReceived++;
      c.keep(data);
      for (const l of c.listeners) l(data);
      c.waiters.wake();
    });
    ws.on("error", () => undefined);
    ws.on("close", (code: number) => {
      c.closeCode = code;
      if (c.endedBy === "open") {
        c.endedBy = "server";
        pool.closedByServer++;
      }
      pool.forget(c);
      c.waiters.wake();
    });
    return new Promise((resolve) => {
      ws.once("open", () => resolve(c));
      ws.once("close", () => {
        if (c.endedBy === "server" && c.framesReceived === 0) c.endedBy = "refused";
        resolve(c);
      });
    });
  }

  /** Calls `listener` with every frame received from now on. */
  onFrame(listener: (frame: Uint8Array) => void): void {
    this.listeners.push(listener);
  }
  private keep(frame: Uint8Array): void {
    this.frames.push(frame);
    this.keptBytes += frame.length;
    while (this.frames.length > KEPT_FRAMES_MAX || this.keptBytes > KEPT_FRAME_BYTES_MAX) this.keptBytes -= this.frames.shift()!.length;
  }
  get closed(): boolean {
    return this.endedBy !== "open";
  }
  send(bytes: Uint8Array | string, binary = typeof bytes !== "string"): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes, { binary });
  }
  until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    return this.waiters.until(pred, timeoutMs);
  }
  /** Stop reading from the socket (a slow reader). */
  stopReading(): void {
    this.ws.pause();
  }
  destroy(): void {
    if (this.endedBy === "open") this.endedBy = "fuzzer";
    this.ws.terminate();
    this.pool.forget(this);
  }
}

/** `parts` cut from `bytes` at the given positions (each in [0, 65535], as a fraction of the length). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => Math.floor((c * bytes.length) / 65536)))]
    .filter((n) => n > 0 && n < bytes.length)
    .sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const n of at) {
    parts.push(bytes.subarray(from, n));
    from = n;
  }
  parts.push(bytes.subarray(from));
  return parts;
}
