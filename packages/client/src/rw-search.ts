// While connected to a read-only server, look for a read-write one in the background, as
// ZooKeeper's ClientCnxn.pingRwServer: every so often (from 100 ms, doubling to 60 s) try the
// next server of the list. ZooKeeper asks it `isro` on the client port; the native port has
// no four-letter words, so the probe here is a handshake that does not allow read-only: a
// read-only or leaderless server refuses it, a read-write one opens the session on it, and
// that connection is handed over (found) instead of being opened a second time.
import type { Clock } from "./clock.js";
import type { ConnectedFrame, ConnectRequest, NativeCodec, ServerFrame } from "@warden/protocol";
import { Connection } from "./connection.js";
import type { Transport } from "./transport.js";

/** ZooKeeper's minPingRwTimeout and maxPingRwTimeout. */
export const RW_PROBE_DELAY_MS_MIN = 100;
/** The longest delay between read-write server probes (the doubling stops here). */
export const RW_PROBE_DELAY_MS_MAX = 60_000;

export interface ReadWriteSearchHooks {
  /** The next server's URL to try (the list in turn, as ZooKeeper's hostProvider.next). */
  nextUrl(): string;
  /** The handshake to send: the session's state, with readOnly false. */
  connectRequest(): ConnectRequest;
  /** How long one probe may take. */
  probeTimeoutMs(): number;
  /** Who receives a handed-over connection's frames and its close. */
  routeOf(conn: Connection): ProbeOwner;
  /** A read-write server took the handshake: `conn` is open on it, `frame` is its connected frame. */
  found(conn: Connection, frame: ConnectedFrame): void;
  readonly clock: Clock;
}

export interface ProbeOwner {
  onFrame(frame: ServerFrame): void;
  onClosed(): void;
}

export class ReadWriteSearch {
  #delayMs = RW_PROBE_DELAY_MS_MIN;
  #timer: unknown;
  #probe: Connection | undefined;
  #probeTimer: unknown;
  #running = false;
  /** Probes made since the search began (for tests and logs). */
  probes = 0;

  constructor(
    private readonly transport: Transport,
    private readonly codec: NativeCodec,
    private readonly hooks: ReadWriteSearchHooks,
  ) {}

  #clear(timer: unknown): void {
    if (timer !== undefined) this.hooks.clock.clearTimeout(timer);
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#delayMs = RW_PROBE_DELAY_MS_MIN;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    this.#clear(this.#timer);
    this.#timer = undefined;
    this.#clear(this.#probeTimer);
    const p = this.#probe;
    this.#probe = undefined;
    p?.close("the search for a read-write server stopped");
  }

  #schedule(): void {
    this.#clear(this.#timer);
    const delayMs = this.#delayMs;
    this.#delayMs = Math.min(2 * this.#delayMs, RW_PROBE_DELAY_MS_MAX);
    this.#timer = this.hooks.clock.setTimeout(() => this.#probeNext(), delayMs);
  }

  #probeNext(): void {
    if (!this.#running) return;
    this.probes++;
    const url = this.hooks.nextUrl();
    // Once handed over, the session receives this connection's frames and its close.
    let owner: ProbeOwner | undefined;
    const conn: Connection = new Connection(
      this.transport,
      url,
      this.codec,
      {
        onOpen: () => conn.send({ kind: "connect", request: this.hooks.connectRequest() }),
        onFrame: (frame) => (owner ? owner.onFrame(frame) : this.#onFrame(conn, frame, (o) => (owner = o))),
        onClosed: () => (owner ? owner.onClosed() : this.#onProbeClosed(conn)),
      },
      () => this.hooks.clock.now(),
    );
    this.#probe = conn;
    this.#probeTimer = this.hooks.clock.setTimeout(
      () => conn.close(`no answer from ${url} within the probe's time`),
      this.hooks.probeTimeoutMs(),
    );
  }

  #onFrame(conn: Connection, frame: ServerFrame, handOver: (owner: ProbeOwner) => void): void {
    if (conn !== this.#probe) return conn.close("a stale probe");
    if (frame.kind === "connected" && !frame.response.readOnly && frame.response.timeoutMs > 0) {
      this.#clear(this.#probeTimer);
      this.#probe = undefined;
      this.stop();
      // The session routes the connection first: it may close it while it takes the frame.
      handOver(this.hooks.routeOf(conn));
      return this.hooks.found(conn, frame);
    }
    conn.close(frame.kind === "close" ? `refused: ${frame.reason}` : `no read-write session (${frame.kind})`);
  }

  #onProbeClosed(conn: Connection): void {
    if (conn !== this.#probe) return;
    this.#clear(this.#probeTimer);
    this.#probe = undefined;
    if (this.#running) this.#schedule();
  }
}
