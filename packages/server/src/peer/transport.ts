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
//
// This file keeps the links and their queues; dialer.ts dials (one outgoing connection per
// peer), acceptor.ts accepts (one incoming connection per peer), socket-frames.ts reads and
// writes the frames of either.
import { createServer, type Server, type Socket } from "node:net";
import { lookup } from "node:dns/promises";
import { encode } from "cbor-x";
import { frameHeader } from "./frames.js";
import { PeerStats, type PeerCloseReason } from "./peer-stats.js";
import { ensembleSecret, type EnsembleSecret } from "./handshake.js";
import { MAC_TAG_BYTES } from "./frame-mac.js";
import type { PeerTls } from "./peer-tls.js";
import { lengthOf, linkOf, type Inbound, type Outgoing, type PeerLink } from "./links.js";
import { BACKOFF_MS_MIN, type DialerHost, dial } from "./dialer.js";
import { type AcceptorHost, accept } from "./acceptor.js";
import type { PeerLinkHost } from "./socket-frames.js";
import { RefusalLog } from "./refusal-log.js";

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

const MiB = 1024 * 1024;

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
  private readonly dialer: DialerHost;
  private readonly acceptor: AcceptorHost;

  constructor(private readonly opts: PeerTransportOptions) {
    this.secret = opts.secret ? ensembleSecret(opts.secret) : undefined;
    this.queueBytesMax = opts.queueBytesMax ?? 64 * MiB;
    this.writeBufferBytesMax = opts.writeBufferBytesMax ?? 128 * MiB;
    this.dialer = this.dialerHost();
    this.acceptor = this.acceptorHost();
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
    await this.resolveHosts(this.opts.peers);
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

  /** Without a secret (address admission) or with TLS host name checks: the addresses `peers`' hosts resolve to. */
  private async resolveHosts(peers: readonly PeerAddress[]): Promise<void> {
    if (this.opts.secret && !this.opts.tls?.config.clientHostnameVerification) return;
    for (const p of peers) {
      for (const a of await lookup(p.host, { all: true }).catch(() => []))
        this.hostsByAddress.set(a.address, [...(this.hostsByAddress.get(a.address) ?? []), p.host]);
    }
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
    await this.resolveHosts(added);
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
   * logged and counted (stats.oversizeDropped), not a reason to stop the server. `queueable`:
   * as for send.
   */
  sendParts(to: number, parts: readonly Uint8Array[], queueable = true): void {
    const o = this.outgoing.get(to);
    if (!o || (!queueable && !o.ready)) return;
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
    const repeats = this.refusals.repeats(detail);
    if (repeats !== undefined)
      this.opts.log(
        `peer connection ${who} closed (${reason}): ${detail}${repeats > 0 ? ` (and ${repeats} more times in the last minute)` : ""}`,
      );
    s.destroy();
  }

  /** Refusals of a server outside the configuration, logged once a minute. */
  private readonly refusals = new RefusalLog();

  /**
   * A peer just connected to us, so it is up: if our own connection to it is waiting out a
   * backoff (it was down), dial now. A restarted server is heard from at once, not after
   * up to the longest backoff.
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
    dial(o, this.dialer);
  }

  /** What both ends of a link reach of this transport. */
  private linkHost(): PeerLinkHost {
    return {
      myId: this.opts.myId,
      secret: this.secret,
      tls: this.opts.tls,
      tcpKeepAlive: this.opts.tcpKeepAlive,
      handshakeTimeoutMs: this.opts.handshakeTimeoutMs,
      log: (line) => this.opts.log(line),
      stopped: () => this.stopped,
      close: (s, reason, who, detail) => this.close(s, reason, who, detail),
    };
  }

  /** What dialer.ts reaches of this transport. */
  private dialerHost(): DialerHost {
    return {
      ...this.linkHost(),
      stats: this.stats,
      current: (o) => this.outgoing.get(o.peer.id) === o,
      write: (o, s, parts, length) => this.write(o, s, parts, length),
    };
  }

  /** A socket of the TLS listener before its handshake: closed on stop like any other. */
  private track(raw: Socket): void {
    this.incoming.add(raw);
    raw.on("close", () => this.incoming.delete(raw));
  }

  private accept(s: Socket): void {
    accept(s, this.acceptor);
  }

  /** What acceptor.ts reaches of this transport. */
  private acceptorHost(): AcceptorHost {
    return {
      ...this.linkHost(),
      frameBytesMax: this.opts.frameBytesMax,
      hostsByAddress: this.hostsByAddress,
      peerIds: () => this.opts.peers.map((p) => p.id),
      opened: (s) => this.incoming.add(s),
      authenticated: (s, peerId, remoteAddress) => {
        const known = this.inbound.get(peerId);
        if (known) known.remoteAddress = remoteAddress;
        else this.inbound.set(peerId, { framesReceived: 0, remoteAddress });
        this.authenticatedFrom.set(s, peerId);
      },
      received: (peerId, message) => {
        this.stats.messagesReceived++;
        this.inbound.get(peerId)!.framesReceived++;
        return this.opts.onMessage(peerId, message);
      },
      redialSoon: (peerId) => this.redialSoon(peerId),
      closed: (s, lostPeer) => {
        this.incoming.delete(s);
        this.authenticatedFrom.delete(s);
        if (lostPeer === undefined || this.stopped) return;
        try {
          this.opts.onPeerLost?.(lostPeer);
        } catch (e) {
          this.opts.log(`BUG: handling the loss of peer ${lostPeer} threw: ${(e as Error).message}`);
        }
      },
    };
  }
}
