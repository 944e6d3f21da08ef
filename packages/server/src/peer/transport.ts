// Peer transport: every server dials every other server for the messages it sends, and
// accepts connections for the messages it receives (one direction per connection keeps
// reconnection simple). A dialer proves it knows the ensemble secret by HMAC over both
// sides' nonces; without a secret, only the addresses named by server.N lines may connect.
import { createServer, connect, type Server, type Socket } from "node:net";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { lookup } from "node:dns/promises";
import { encode, decode } from "cbor-x";
import { FrameSplitter, frameHeader } from "./frames.js";

export interface PeerAddress {
  id: number;
  host: string;
  port: number;
}

export interface PeerTransportOptions {
  myId: number;
  listenHost: string | undefined;
  listenPort: number;
  peers: PeerAddress[];
  /** Shared secret; undefined = address-based admission with a loud warning. */
  secret: Uint8Array | undefined;
  frameBytesMax: number;
  /** Messages queued to one peer while it is unreachable or slow; beyond it they are dropped. */
  queueMessagesMax: number;
  onMessage: (from: number, message: unknown) => void;
  /** An authenticated connection from this peer closed (e.g. its process died). */
  onPeerLost?: (from: number) => void;
  log: (line: string) => void;
}

const HELLO_TIMEOUT_MS = 5_000;
const BACKOFF_MS_MIN = 50;
const BACKOFF_MS_MAX = 2_000;

interface Outgoing {
  peer: PeerAddress;
  socket: Socket | undefined;
  ready: boolean;
  queue: Uint8Array[];
  backoffMs: number;
  timer: NodeJS.Timeout | undefined;
  corked: boolean;
}

function mac(secret: Uint8Array, ...parts: Array<Uint8Array | string>): Buffer {
  const h = createHmac("sha256", secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

export class PeerTransport {
  private server: Server | undefined;
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly incoming = new Set<Socket>();
  private allowedAddresses = new Set<string>();
  private stopped = false;
  readonly stats = { messagesSent: 0, bytesSent: 0, messagesReceived: 0 };

  constructor(private readonly opts: PeerTransportOptions) {}

  async start(): Promise<void> {
    if (!this.opts.secret) {
      this.opts.log("WARNING: no ensembleSecretFile configured: peers are admitted by address only; any process on a server.N host can speak as a peer");
      for (const p of this.opts.peers) {
        for (const a of await lookup(p.host, { all: true }).catch(() => [])) this.allowedAddresses.add(a.address);
      }
    }
    this.server = createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.opts.listenPort, this.opts.listenHost, () => resolve());
    });
    for (const peer of this.opts.peers) {
      if (peer.id === this.opts.myId) continue;
      const o: Outgoing = { peer, socket: undefined, ready: false, queue: [], backoffMs: BACKOFF_MS_MIN, timer: undefined, corked: false };
      this.outgoing.set(peer.id, o);
      this.dial(o);
    }
  }

  /** Sends a message (best effort: the protocol above tolerates loss). */
  send(to: number, message: unknown): void {
    const o = this.outgoing.get(to);
    if (!o) return;
    const payload = encode(message) as Uint8Array;
    if (payload.length > this.opts.frameBytesMax) throw new Error(`peer message of ${payload.length} bytes exceeds frameBytesMax`);
    if (o.ready && o.socket) {
      this.stats.messagesSent++;
      this.stats.bytesSent += payload.length + 4;
      const socket = o.socket;
      if (!o.corked) {
        // Corked until the turn of the event loop ends: every message of the turn leaves in one write.
        o.corked = true;
        socket.cork();
        setImmediate(() => {
          o.corked = false;
          socket.uncork();
        });
      }
      socket.write(frameHeader(payload.length));
      socket.write(payload);
    } else if (o.queue.length < this.opts.queueMessagesMax) {
      o.queue.push(payload);
    }
  }

  connectedPeers(): number[] {
    return [...this.outgoing.values()].filter((o) => o.ready).map((o) => o.peer.id);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const o of this.outgoing.values()) {
      clearTimeout(o.timer);
      o.socket?.destroy();
    }
    for (const s of this.incoming) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * A peer just connected to us, so it is up: if our own connection to it is waiting out a
   * backoff (it was down), dial now. A restarted server is heard from at once, not after
   * up to BACKOFF_MS_MAX.
   */
  private redialSoon(id: number): void {
    const o = this.outgoing.get(id);
    if (!o || o.socket || this.stopped) return;
    clearTimeout(o.timer);
    o.timer = undefined;
    o.backoffMs = BACKOFF_MS_MIN;
    this.dial(o);
  }

  private dial(o: Outgoing): void {
    if (this.stopped) return;
    const s = connect({ host: o.peer.host, port: o.peer.port });
    s.setNoDelay(true);
    o.socket = s;
    const myNonce = randomBytes(16);
    const splitter = new FrameSplitter(1024);
    let stage: "challenge" | "ok" | "ready" = "challenge";
    s.once("connect", () => this.writeFrame(s, encode({ hello: 1, id: this.opts.myId, nonce: myNonce })));
    s.on("data", (chunk: Buffer) => {
      try {
        for (const f of splitter.feed(chunk)) {
          const m = decode(f) as { nonce?: Uint8Array; ok?: boolean };
          if (stage === "challenge") {
            if (!(m.nonce instanceof Uint8Array)) throw new Error("bad challenge");
            const proof = this.opts.secret ? mac(this.opts.secret, "dial", myNonce, m.nonce, String(this.opts.myId)) : new Uint8Array(0);
            this.writeFrame(s, encode({ proof }));
            stage = "ok";
            continue;
          }
          if (stage !== "ok" || m.ok !== true) throw new Error("unexpected frame from acceptor");
          stage = "ready";
          o.ready = true;
          o.backoffMs = BACKOFF_MS_MIN;
          for (const p of o.queue.splice(0)) this.writeFrame(s, p);
        }
      } catch (e) {
        this.opts.log(`peer ${o.peer.id}: handshake failed: ${(e as Error).message}`);
        s.destroy();
      }
    });
    s.on("error", () => {});
    s.on("close", () => {
      o.ready = false;
      o.socket = undefined;
      if (this.stopped) return;
      o.timer = setTimeout(() => this.dial(o), o.backoffMs);
      o.backoffMs = Math.min(o.backoffMs * 2, BACKOFF_MS_MAX);
    });
  }

  private accept(s: Socket): void {
    if (this.stopped) return void s.destroy();
    s.setNoDelay(true);
    const remote = s.remoteAddress?.replace(/^::ffff:/, "") ?? "";
    if (!this.opts.secret && !this.allowedAddresses.has(remote)) {
      this.opts.log(`refused a peer connection from ${remote}: not a server.N address`);
      return void s.destroy();
    }
    this.incoming.add(s);
    const nonce = randomBytes(16);
    let splitter = new FrameSplitter(1024);
    let peerId = -1;
    let helloNonce: Uint8Array | undefined;
    const timer = setTimeout(() => s.destroy(), HELLO_TIMEOUT_MS);
    s.on("data", (chunk: Buffer) => {
      try {
        for (const f of splitter.feed(chunk)) {
          if (peerId >= 0 && !helloNonce) {
            this.stats.messagesReceived++;
            this.opts.onMessage(peerId, decode(f));
            continue;
          }
          const m = decode(f) as { hello?: number; id?: number; nonce?: Uint8Array; proof?: Uint8Array };
          if (!helloNonce) {
            if (m.hello !== 1 || !Number.isInteger(m.id) || !(m.nonce instanceof Uint8Array) || m.nonce.length !== 16) throw new Error("bad hello");
            if (!this.opts.peers.some((p) => p.id === m.id && p.id !== this.opts.myId)) throw new Error(`unknown peer id ${m.id}`);
            peerId = m.id!;
            helloNonce = m.nonce;
            this.writeFrame(s, encode({ nonce }));
          } else {
            const want = this.opts.secret ? mac(this.opts.secret, "dial", helloNonce, nonce, String(peerId)) : Buffer.alloc(0);
            const got = m.proof instanceof Uint8Array ? Buffer.from(m.proof) : Buffer.alloc(1);
            if (got.length !== want.length || !timingSafeEqual(got, want)) throw new Error(`peer ${peerId} does not know the ensemble secret`);
            helloNonce = undefined;
            clearTimeout(timer);
            // The dialer sends nothing more until it reads "ok", so no frame is left in the old splitter.
            splitter = new FrameSplitter(this.opts.frameBytesMax);
            this.writeFrame(s, encode({ ok: true }));
            this.redialSoon(peerId);
          }
        }
      } catch (e) {
        this.opts.log(`peer connection from ${remote} refused: ${(e as Error).message}`);
        s.destroy();
      }
    });
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      this.incoming.delete(s);
      if (peerId >= 0 && !helloNonce && !this.stopped) this.opts.onPeerLost?.(peerId);
    });
  }

  private writeFrame(s: Socket, payload: Uint8Array): void {
    s.cork();
    s.write(frameHeader(payload.length));
    s.write(payload);
    s.uncork();
  }
}
