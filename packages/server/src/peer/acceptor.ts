// The accepting side of the peer transport: connections from the other servers, for the
// messages they send this one. A connection is admitted by address (without a secret) or by
// the handshake (with one), and under TLS by the dialer's certificate naming its host; once
// authenticated, every frame is opened (its MAC checked), decoded and handed on.
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { decode, encode } from "cbor-x";
import { FrameSplitter } from "./frames.js";
import { reasonOf } from "./peer-stats.js";
import { AcceptorHandshake } from "./handshake.js";
import { FrameOpener, FrameSealer, MAC_TAG_BYTES } from "./frame-mac.js";
import { HANDSHAKE_FRAME_BYTES_MAX, HANDSHAKE_TIMEOUT_MS, type PeerLinkHost, readFrames, writeFrame } from "./socket-frames.js";

/** What the acceptor needs of its transport. */
export interface AcceptorHost extends PeerLinkHost {
  /** Every frame after the handshake (its MAC tag aside). */
  readonly frameBytesMax: number;
  /** The server.N hosts by the addresses they resolve to. */
  readonly hostsByAddress: ReadonlyMap<string, string[]>;
  /** The ids of the configuration now (a dialer outside it is refused by the handshake). */
  peerIds(): number[];
  /** The connection is tracked (closed on stop), from before its handshake to its close. */
  opened(s: Socket): void;
  /** The connection from `peerId` (at `remoteAddress`) completed its handshake. */
  authenticated(s: Socket, peerId: number, remoteAddress: string): void;
  /** A message from an authenticated peer; may throw (that connection is closed). */
  received(peerId: number, message: unknown): void;
  /** The peer just connected, so it is up: redial it now if our connection to it waits out a backoff. */
  redialSoon(peerId: number): void;
  /** The connection closed; `lostPeer` is its peer's id once it had authenticated. */
  closed(s: Socket, lostPeer: number | undefined): void;
}

export function accept(s: Socket, host: AcceptorHost): void {
  if (host.stopped()) return void s.destroy();
  s.setNoDelay(true);
  if (host.tcpKeepAlive) s.setKeepAlive(true);
  const remote = s.remoteAddress?.replace(/^::ffff:/, "") ?? "";
  if (!host.secret && !host.hostsByAddress.has(remote)) {
    host.log(`refused a peer connection from ${remote}: not a server.N address`);
    return void s.destroy();
  }
  host.opened(s);
  const who = `from ${remote}`;
  const nameProblem = host.tls?.dialerNameProblem(s as TLSSocket, host.hostsByAddress.get(remote) ?? []);
  if (nameProblem) return host.close(s, "tls-hostname", who, nameProblem);
  const handshake = new AcceptorHandshake(host.myId, host.peerIds(), host.secret);
  let splitter = new FrameSplitter(HANDSHAKE_FRAME_BYTES_MAX);
  let stage: "hello" | "proof" | "authenticated" = "hello";
  let opener: FrameOpener | undefined;
  const authenticated = () => stage === "authenticated";
  const timer = setTimeout(
    () => host.close(s, "handshake-failed", who, "no hello in time"),
    host.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
  );
  let decoding = false;
  readFrames(
    s,
    () => splitter,
    (e) => (authenticated() ? reasonOf(e, decoding) : "handshake-failed"),
    (f) => {
      if (authenticated()) {
        const payload = opener ? opener.open(f) : f;
        decoding = true;
        const m = decode(payload) as unknown;
        decoding = false;
        return host.received(handshake.peerId, m);
      }
      if (stage === "hello") {
        writeFrame(s, encode(handshake.hello(decode(f))));
        stage = "proof";
        return;
      }
      const keys = handshake.proof(decode(f));
      stage = "authenticated";
      clearTimeout(timer);
      host.authenticated(s, handshake.peerId, `${remote}:${s.remotePort ?? 0}`);
      // The dialer sends nothing more until it reads "ok", so no frame is left in the old splitter.
      splitter = new FrameSplitter(host.frameBytesMax + (keys ? MAC_TAG_BYTES : 0));
      const ok = encode({ ok: true }) as Uint8Array;
      if (keys) {
        opener = new FrameOpener(keys.dialerToAcceptor);
        writeFrame(s, ok, new FrameSealer(keys.acceptorToDialer).seal([ok]));
      } else {
        writeFrame(s, ok);
      }
      host.redialSoon(handshake.peerId);
    },
    (reason, detail) => host.close(s, reason, who, detail),
  );
  s.on("error", () => {});
  s.on("close", () => {
    clearTimeout(timer);
    host.closed(s, authenticated() ? handshake.peerId : undefined);
  });
}
