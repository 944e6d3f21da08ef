// Peer transport: every server dials every other server for the messages it sends, and
// accepts connections for the messages it receives (one direction per connection keeps
// reconnection simple). With an ensemble secret both ends prove it, bound to both ids and the
// direction (handshake.ts), and every frame after the handshake carries a MAC (frame-mac.ts);
// without a secret, only the addresses named by server.N lines may connect, and frames are bare.
// With sslQuorum every connection is TLS with certificates verified both ways (peer-tls.ts),
// and all of the above runs inside it.
//
// Each connection is a containment boundary: whatever goes wrong with its input (a frame over
// frameBytesMax, bytes that are not CBOR, a message that fails its schema, a handler that
// throws) or its output (a peer that stops reading) closes that connection, logged and counted
// (PeerStats), and nothing else. Nothing thrown while handling a connection leaves its handlers.
import { createServer, connect, type Server, type Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { lookup } from "node:dns/promises";
import { encode, decode } from "cbor-x";
import { FrameSplitter, frameHeader } from "./frames.js";
import { PeerStats, reasonOf, type PeerCloseReason } from "./peer-stats.js";
import { AcceptorHandshake, DialerHandshake, ensembleSecret, type EnsembleSecret } from "./handshake.js";
import { FrameOpener, FrameSealer, MAC_TAG_BYTES, PeerMacError } from "./frame-mac.js";
import { isTlsError, tlsRefusalOf, type PeerTls } from "./peer-tls.js";
import { lengthOf, linkOf, type Inbound, type Outgoing, type PeerLink } from "./links.js";

export type { PeerLink } from "./links.js";

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
  /** sslQuorum: every connection is TLS, both ways (undefined: plain TCP). */
  tls?: PeerTls;
  /** Every frame, both ways: a larger one from a peer closes its connection; we never send one. */
  frameBytesMax: number;
  /** Messages queued to one peer while it is unreachable; beyond it (or queueBytesMax) they are dropped. */
  queueMessagesMax: number;
  /** Bytes queued to one peer while it is unreachable (default 64 MiB). */
  queueBytesMax?: number;
  /** Bytes written to a connected peer and not yet taken by the socket; beyond, the connection is closed (default 128 MiB). */
  writeBufferBytesMax?: number;
  /** A message from an authenticated peer. May throw: that connection is closed (see PeerStats). */
  onMessage: (from: number, message: unknown) => void;
  /** An authenticated connection from this peer closed (e.g. its process died). */
  onPeerLost?: (from: number) => void;
  /** TCP keep-alive on every peer connection (ZooKeeper's tcpKeepAlive). */
  tcpKeepAlive?: boolean;
  /** Time for either end to complete the handshake before the connection closes (default 5 s). */
  handshakeTimeoutMs?: number;
  log: (line: string) => void;
}

/** How long a peer handshake may take before the connection is closed. */
const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Bytes of one frame before the handshake completes. */
const HANDSHAKE_FRAME_BYTES_MAX = 1024;
/** The first delay before reconnecting to a peer. */
const BACKOFF_MS_MIN = 50;
/** The longest delay before reconnecting to a peer (the doubling stops here). */
const BACKOFF_MS_MAX = 2_000;
const MiB = 1024 * 1024;
/** A refused server outside the configuration is logged at most this often (it redials every few seconds). */
const REFUSAL_LOG_INTERVAL_MS = 60_000;
/** Distinct refused ids remembered for that (an id is 32 bits: bounded, then forgotten all at once). */
const REFUSALS_TRACKED_MAX = 256;

export class PeerTransport {
  private server: Server | undefined;
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly incoming = new Set<Socket>();
  /** The accepted connections past their handshake, and the peer each is from. */
  private readonly authenticatedFrom = new Map<Socket, number>();
  /** Per peer id: frames received after the handshake, and the address of its latest connection. */
  private readonly inbound = new Map<number, Inbound>();
  /** The server.N hosts by the addresses they resolve to (address admission, and the acceptor's name check under TLS). */
  private readonly hostsByAddress = new Map<string, string[]>();
  private stopped = false;
  readonly stats = new PeerStats();
  private readonly queueBytesMax: number;
  private readonly writeBufferBytesMax: number;
  private readonly secret: EnsembleSecret | undefined;

  constructor(private readonly opts: PeerTransportOptions) {
    this.secret = opts.secret ? ensembleSecret(opts.secret) : undefined;
    this.queueBytesMax = opts.queueBytesMax ?? 64 * MiB;
    this.writeBufferBytesMax = opts.writeBufferBytesMax ?? 128 * MiB;
  }

  async start(): Promise<void> {
    const tls = this.opts.tls;
    if (!this.opts.secret) {
      this.opts.log(
        tls
          ? "WARNING: no ensembleSecretFile configured: peers are admitted by address and by a certificate ssl.quorum.trustStore accepts; any process on a server.N host with such a certificate can speak as a peer"
          : "WARNING: no ensembleSecretFile configured: peers are admitted by address only; any process on a server.N host can speak as a peer",
      );
    }
    if (!this.opts.secret || tls?.config.clientHostnameVerification) {
      for (const p of this.opts.peers) {
        for (const a of await lookup(p.host, { all: true }).catch(() => []))
          this.hostsByAddress.set(a.address, [...(this.hostsByAddress.get(a.address) ?? []), p.host]);
      }
    }
    this.server = tls
      ? tls.createServer(
          (raw) => this.track(raw),
          (s) => this.accept(s),
          (reason, remote, detail) => {
            this.stats.close(reason);
            this.opts.log(`peer connection from ${remote} closed (${reason}): ${detail}`);
          },
        )
      : createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.opts.listenPort, this.opts.listenHost, () => resolve());
    });
    for (const peer of this.opts.peers) this.addPeer(peer);
  }

  private addPeer(peer: PeerAddress): void {
    if (peer.id === this.opts.myId) return;
    const o: Outgoing = {
      peer,
      socket: undefined,
      ready: false,
      queue: [],
      queuedBytes: 0,
      backoffMs: BACKOFF_MS_MIN,
      timer: undefined,
      corked: false,
      sealer: undefined,
      establishedMs: undefined,
      framesSent: 0,
    };
    this.outgoing.set(peer.id, o);
    this.dial(o);
  }

  /**
   * The ensemble changed (a configuration committed or was proposed): dial new members, drop
   * the connection to removed ones (and stop redialing them), redial a member whose address
   * changed. Connections from a removed server are refused from now on (the handshake's ids).
   */
  async setPeers(peers: readonly PeerAddress[]): Promise<void> {
    const next = new Map(peers.map((p) => [p.id, p]));
    for (const [id, o] of [...this.outgoing]) {
      const p = next.get(id);
      if (p && p.host === o.peer.host && p.port === o.peer.port) continue;
      this.outgoing.delete(id);
      clearTimeout(o.timer);
      o.socket?.destroy();
    }
    const gone = new Set([...this.authenticatedFrom.values()].filter((id) => !next.has(id)));
    for (const [socket, id] of [...this.authenticatedFrom]) if (gone.has(id)) socket.destroy();
    if (gone.size > 0) this.opts.log(`peer connections from ${[...gone].join(", ")} closed: no longer in the configuration`);
    const added = peers.filter((p) => p.id !== this.opts.myId && !this.outgoing.has(p.id));
    this.opts.peers = [...peers];
    // Dialed at once: the messages of the Ready that named them follow this call.
    if (!this.stopped) for (const p of added) this.addPeer(p);
    if (!this.opts.secret || this.opts.tls?.config.clientHostnameVerification) {
      for (const p of added) {
        for (const a of await lookup(p.host, { all: true }).catch(() => []))
          this.hostsByAddress.set(a.address, [...(this.hostsByAddress.get(a.address) ?? []), p.host]);
      }
    }
  }

  /**
   * Sends a message (best effort: the protocol above tolerates loss). `queueable` false: not
   * kept for a peer that is down (a snapshot chunk: stale by the time it is back, and resent
   * by the transfer anyway).
   */
  send(to: number, message: unknown, queueable = true): void {
    const o = this.outgoing.get(to);
    if (!o || (!queueable && !o.ready)) return;
    this.sendParts(to, [encode(message) as Uint8Array]);
  }

  /**
   * Sends one frame whose payload is `parts`, concatenated (written corked, not copied). A frame
   * over frameBytesMax is never sent: the senders size what they send to fit, so one is a bug,
   * logged and counted (stats.oversizeDropped), not a reason to stop the server.
   */
  sendParts(to: number, parts: readonly Uint8Array[]): void {
    const o = this.outgoing.get(to);
    if (!o) return;
    const length = lengthOf(parts);
    if (length > this.opts.frameBytesMax) {
      this.stats.oversizeDropped++;
      this.opts.log(`BUG: a message of ${length} bytes to peer ${to} exceeds frameBytesMax ${this.opts.frameBytesMax}; not sent`);
      return;
    }
    if (o.ready && o.socket) return this.write(o, o.socket, parts, length);
    if (o.queue.length < this.opts.queueMessagesMax && o.queuedBytes + length <= this.queueBytesMax) {
      o.queue.push([...parts]);
      o.queuedBytes += length;
    } else {
      this.stats.queueDropped++;
    }
  }

  /** Every other server as this one sees it. */
  links(): PeerLink[] {
    return [...this.outgoing.values()].map((o) => linkOf(o, this.inbound.get(o.peer.id)));
  }

  /** Zeroes the frame counts of `ids` (ZooKeeper's observer_connection_stat_reset). */
  resetLinkStats(ids: readonly number[]): void {
    for (const id of ids) {
      const o = this.outgoing.get(id);
      if (o) o.framesSent = 0;
      const i = this.inbound.get(id);
      if (i) i.framesReceived = 0;
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

  private write(o: Outgoing, socket: Socket, parts: readonly Uint8Array[], length: number): void {
    if (socket.writableLength + length > this.writeBufferBytesMax) {
      return this.close(socket, "write-buffer-full", `peer ${o.peer.id}`, `${socket.writableLength} bytes unsent`);
    }
    // One MAC per frame (a frame of server messages is a whole batch), over the parts as they lie.
    const tag = o.sealer?.seal(parts);
    const wireLength = length + (tag ? MAC_TAG_BYTES : 0);
    this.stats.messagesSent++;
    this.stats.bytesSent += wireLength + 4;
    o.framesSent++;
    if (!o.corked) {
      // Corked until the current callback (and the microtasks it queued) returns: every message
      // one pass sends (a whole Ready, a batch of server messages) leaves in one write, and
      // leaves now, not a turn of the event loop later (setImmediate cost a lone write a turn).
      o.corked = true;
      socket.cork();
      process.nextTick(() => {
        o.corked = false;
        socket.uncork();
      });
    }
    socket.write(frameHeader(wireLength));
    for (const p of parts) socket.write(p);
    if (tag) socket.write(tag);
  }

  /** Ends one connection for `reason`, logged and counted; nothing else is touched. */
  private close(s: Socket, reason: PeerCloseReason, who: string, detail: string): void {
    if (s.destroyed) return;
    this.stats.close(reason);
    const repeats = this.repeatedRefusal(detail);
    if (repeats !== undefined)
      this.opts.log(
        `peer connection ${who} closed (${reason}): ${detail}${repeats > 0 ? ` (and ${repeats} more times in the last minute)` : ""}`,
      );
    s.destroy();
  }

  /** Refusals of one server outside the configuration, by detail: when last logged, how many since. */
  private readonly refusals = new Map<string, { atMs: number; since: number }>();

  /**
   * A server outside the configuration (a spare waiting to be added, a removed one) redials
   * every couple of seconds: its refusal is logged once a minute, with the count of the others.
   * Returns undefined to stay quiet, else the repeats to report. Other details always log.
   */
  private repeatedRefusal(detail: string): number | undefined {
    if (!/^unknown peer id \d+$/.test(detail)) return 0;
    const now = Date.now();
    const r = this.refusals.get(detail);
    if (r && now - r.atMs < REFUSAL_LOG_INTERVAL_MS) {
      r.since++;
      return undefined;
    }
    if (this.refusals.size >= REFUSALS_TRACKED_MAX) this.refusals.clear();
    this.refusals.set(detail, { atMs: now, since: 0 });
    return r?.since ?? 0;
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
    const tls = this.opts.tls;
    const s: Socket = tls ? tls.connect(o.peer.host, o.peer.port) : connect({ host: o.peer.host, port: o.peer.port });
    s.setNoDelay(true);
    if (this.opts.tcpKeepAlive) s.setKeepAlive(true);
    o.socket = s;
    o.sealer = undefined;
    const who = `to peer ${o.peer.id}`;
    const handshake = new DialerHandshake(this.opts.myId, o.peer.id, this.secret);
    let stage: "challenge" | "ok" | "ready" = "challenge";
    let okOpener: FrameOpener | undefined;
    let sealer: FrameSealer | undefined;
    // An acceptor that never answers (or a process that only listens) must not hold the link.
    const timeoutMs = this.opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    const timer = setTimeout(() => this.close(s, "handshake-failed", who, `no answer to the hello in ${timeoutMs} ms`), timeoutMs);
    // Under TLS: once the acceptor's certificate verified (and names the host dialed).
    s.once(tls ? "secureConnect" : "connect", () => this.writeFrame(s, encode(handshake.hello())));
    const splitter = new FrameSplitter(HANDSHAKE_FRAME_BYTES_MAX);
    this.onFrames(
      s,
      who,
      () => splitter,
      (e) => (e instanceof PeerMacError ? "bad-mac" : "handshake-failed"),
      (f) => {
        if (stage === "challenge") {
          // Nothing but the hello leaves before the acceptor has proven it is the server we dialed.
          const { reply, keys } = handshake.challenge(decode(f));
          if (keys) {
            okOpener = new FrameOpener(keys.acceptorToDialer);
            sealer = new FrameSealer(keys.dialerToAcceptor);
          }
          this.writeFrame(s, encode(reply));
          stage = "ok";
          return;
        }
        const m = decode(okOpener ? okOpener.open(f) : f) as { ok?: unknown } | undefined;
        if (stage !== "ok" || m?.ok !== true) throw new Error("unexpected frame from acceptor");
        clearTimeout(timer);
        stage = "ready";
        o.ready = true;
        o.sealer = sealer;
        o.establishedMs = Date.now();
        o.backoffMs = BACKOFF_MS_MIN;
        o.tlsFailure = undefined;
        const queued = o.queue.splice(0);
        o.queuedBytes = 0;
        for (const parts of queued) this.write(o, s, parts, lengthOf(parts));
      },
    );
    s.on("error", (e: Error & { code?: string }) => {
      if (tls && isTlsError(e)) this.tlsFailed(o, e);
    });
    s.on("close", () => {
      clearTimeout(timer);
      o.ready = false;
      o.sealer = undefined;
      o.establishedMs = undefined;
      o.socket = undefined;
      // Stopped, or the peer left the ensemble (setPeers): no redial.
      if (this.stopped || this.outgoing.get(o.peer.id) !== o) return;
      o.timer = setTimeout(() => this.dial(o), o.backoffMs);
      o.backoffMs = Math.min(o.backoffMs * 2, BACKOFF_MS_MAX);
    });
  }

  /** Our TLS connection to a peer failed: its certificate does not verify or name the host, or it refused ours. */
  private tlsFailed(o: Outgoing, e: Error & { code?: string }): void {
    const reason = tlsRefusalOf(e);
    this.stats.close(reason);
    const detail = `${e.code ?? ""} ${e.message}`.trim();
    if (o.tlsFailure === detail) return;
    o.tlsFailure = detail;
    this.opts.log(
      `peer connection to peer ${o.peer.id} (${o.peer.host}:${o.peer.port}) closed (${reason}): ${detail}; retrying (the same failure again is counted, not logged)`,
    );
  }

  /** A socket of the TLS listener before its handshake: closed on stop like any other. */
  private track(raw: Socket): void {
    this.incoming.add(raw);
    raw.on("close", () => this.incoming.delete(raw));
  }

  /**
   * Feeds a connection's bytes to `splitter` and each frame to `handle`; anything thrown closes
   * this connection only, with the reason `classify` gives (or frame-too-large). A listener that
   * throws would take the process down: this is the boundary.
   */
  private onFrames(
    s: Socket,
    who: string,
    splitter: () => FrameSplitter,
    classify: (e: unknown) => PeerCloseReason,
    handle: (frame: Uint8Array) => void,
  ): void {
    s.on("data", (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = splitter().feed(chunk);
      } catch (e) {
        return this.close(s, reasonOf(e, false), who, (e as Error).message);
      }
      for (const f of frames) {
        if (s.destroyed) return;
        try {
          handle(f);
        } catch (e) {
          return this.close(s, classify(e), who, e instanceof Error ? e.message : String(e));
        }
      }
    });
  }

  private accept(s: Socket): void {
    if (this.stopped) return void s.destroy();
    s.setNoDelay(true);
    if (this.opts.tcpKeepAlive) s.setKeepAlive(true);
    const remote = s.remoteAddress?.replace(/^::ffff:/, "") ?? "";
    if (!this.opts.secret && !this.hostsByAddress.has(remote)) {
      this.opts.log(`refused a peer connection from ${remote}: not a server.N address`);
      return void s.destroy();
    }
    this.incoming.add(s);
    const who = `from ${remote}`;
    const nameProblem = this.opts.tls?.dialerNameProblem(s as TLSSocket, this.hostsByAddress.get(remote) ?? []);
    if (nameProblem) return this.close(s, "tls-hostname", who, nameProblem);
    const handshake = new AcceptorHandshake(
      this.opts.myId,
      this.opts.peers.map((p) => p.id),
      this.secret,
    );
    let splitter = new FrameSplitter(HANDSHAKE_FRAME_BYTES_MAX);
    let stage: "hello" | "proof" | "authenticated" = "hello";
    let opener: FrameOpener | undefined;
    const authenticated = () => stage === "authenticated";
    const timer = setTimeout(
      () => this.close(s, "handshake-failed", who, "no hello in time"),
      this.opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    );
    let decoding = false;
    this.onFrames(
      s,
      who,
      () => splitter,
      (e) => (authenticated() ? reasonOf(e, decoding) : "handshake-failed"),
      (f) => {
        if (authenticated()) {
          const payload = opener ? opener.open(f) : f;
          decoding = true;
          const m = decode(payload) as unknown;
          decoding = false;
          this.stats.messagesReceived++;
          this.inbound.get(handshake.peerId)!.framesReceived++;
          return this.opts.onMessage(handshake.peerId, m);
        }
        if (stage === "hello") {
          this.writeFrame(s, encode(handshake.hello(decode(f))));
          stage = "proof";
          return;
        }
        const keys = handshake.proof(decode(f));
        stage = "authenticated";
        clearTimeout(timer);
        const peerId = handshake.peerId;
        const known = this.inbound.get(peerId);
        const remoteAddress = `${remote}:${s.remotePort ?? 0}`;
        if (known) known.remoteAddress = remoteAddress;
        else this.inbound.set(peerId, { framesReceived: 0, remoteAddress });
        this.authenticatedFrom.set(s, peerId);
        // The dialer sends nothing more until it reads "ok", so no frame is left in the old splitter.
        splitter = new FrameSplitter(this.opts.frameBytesMax + (keys ? MAC_TAG_BYTES : 0));
        const ok = encode({ ok: true }) as Uint8Array;
        if (keys) {
          opener = new FrameOpener(keys.dialerToAcceptor);
          this.writeFrame(s, ok, new FrameSealer(keys.acceptorToDialer).seal([ok]));
        } else {
          this.writeFrame(s, ok);
        }
        this.redialSoon(peerId);
      },
    );
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      this.incoming.delete(s);
      this.authenticatedFrom.delete(s);
      if (!authenticated() || this.stopped) return;
      try {
        this.opts.onPeerLost?.(handshake.peerId);
      } catch (e) {
        this.opts.log(`BUG: handling the loss of peer ${handshake.peerId} threw: ${(e as Error).message}`);
      }
    });
  }

  private writeFrame(s: Socket, payload: Uint8Array, tag?: Uint8Array): void {
    s.cork();
    s.write(frameHeader(payload.length + (tag?.length ?? 0)));
    s.write(payload);
    if (tag) s.write(tag);
    s.uncork();
  }
}
