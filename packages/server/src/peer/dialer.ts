// The dialing side of the peer transport: one outgoing connection per peer, for the messages
// this server sends it. The dialer says hello, answers the acceptor's challenge (which proves
// the acceptor is the server dialed), waits for its "ok", then flushes what was queued; a
// closed connection is redialed with a doubling backoff.
import { connect, type Socket } from "node:net";
import { decode, encode } from "cbor-x";
import { FrameSplitter } from "./frames.js";
import type { PeerStats } from "./peer-stats.js";
import { DialerHandshake } from "./handshake.js";
import { FrameOpener, FrameSealer, PeerMacError } from "./frame-mac.js";
import { isTlsError, tlsRefusalOf } from "./peer-tls.js";
import { lengthOf, type Outgoing } from "./links.js";
import { HANDSHAKE_FRAME_BYTES_MAX, HANDSHAKE_TIMEOUT_MS, type PeerLinkHost, readFrames, writeFrame } from "./socket-frames.js";

/** The first delay before reconnecting to a peer. */
export const BACKOFF_MS_MIN = 50;
/** The longest delay before reconnecting to a peer (the doubling stops here). */
const BACKOFF_MS_MAX = 2_000;

/** What the dialer needs of its transport. */
export interface DialerHost extends PeerLinkHost {
  readonly stats: PeerStats;
  /** Whether `o` is still its peer's outgoing link (setPeers drops a removed peer's: no redial). */
  current(o: Outgoing): boolean;
  /** Writes one message frame to a ready connection. */
  write(o: Outgoing, s: Socket, parts: readonly Uint8Array[], length: number): void;
}

/** Dials `o`'s peer (unless the transport stopped) and redials it whenever the connection closes. */
export function dial(o: Outgoing, host: DialerHost): void {
  if (host.stopped()) return;
  const tls = host.tls;
  const s: Socket = tls ? tls.connect(o.peer.host, o.peer.port) : connect({ host: o.peer.host, port: o.peer.port });
  s.setNoDelay(true);
  if (host.tcpKeepAlive) s.setKeepAlive(true);
  o.socket = s;
  o.sealer = undefined;
  const who = `to peer ${o.peer.id}`;
  const handshake = new DialerHandshake(host.myId, o.peer.id, host.secret);
  let stage: "challenge" | "ok" | "ready" = "challenge";
  let okOpener: FrameOpener | undefined;
  let sealer: FrameSealer | undefined;
  // An acceptor that never answers (or a process that only listens) must not hold the link.
  const timeoutMs = host.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  const timer = setTimeout(() => host.close(s, "handshake-failed", who, `no answer to the hello in ${timeoutMs} ms`), timeoutMs);
  // Under TLS: once the acceptor's certificate verified (and names the host dialed).
  s.once(tls ? "secureConnect" : "connect", () => writeFrame(s, encode(handshake.hello())));
  const splitter = new FrameSplitter(HANDSHAKE_FRAME_BYTES_MAX);
  readFrames(
    s,
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
        writeFrame(s, encode(reply));
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
      for (const parts of queued) host.write(o, s, parts, lengthOf(parts));
    },
    (reason, detail) => host.close(s, reason, who, detail),
  );
  s.on("error", (e: Error & { code?: string }) => {
    if (tls && isTlsError(e)) tlsFailed(o, e, host);
  });
  s.on("close", () => {
    clearTimeout(timer);
    o.ready = false;
    o.sealer = undefined;
    o.establishedMs = undefined;
    o.socket = undefined;
    // Stopped, or the peer left the ensemble (setPeers): no redial.
    if (host.stopped() || !host.current(o)) return;
    o.timer = setTimeout(() => dial(o, host), o.backoffMs);
    o.backoffMs = Math.min(o.backoffMs * 2, BACKOFF_MS_MAX);
  });
}

/** Our TLS connection to a peer failed: its certificate does not verify or name the host, or it refused ours. */
function tlsFailed(o: Outgoing, e: Error & { code?: string }, host: DialerHost): void {
  const reason = tlsRefusalOf(e);
  host.stats.close(reason);
  const detail = `${e.code ?? ""} ${e.message}`.trim();
  if (o.tlsFailure === detail) return;
  o.tlsFailure = detail;
  host.log(
    `peer connection to peer ${o.peer.id} (${o.peer.host}:${o.peer.port}) closed (${reason}): ${detail}; retrying (the same failure again is counted, not logged)`,
  );
}
