// Why peer connections end, and what the transport refused to send: counters for /metrics.
import { DecodeError } from "@warden/protocol";
import { PEER_MESSAGE_INVALID, PeerMessageRefusedError } from "@warden/consensus";
import { PeerFrameError } from "./frames.js";
import { PeerMacError } from "./frame-mac.js";

/**
 * Why a peer connection was closed by us (a peer closing its side is "closed-by-peer"):
 *  - frame-too-large: a frame length over frameBytesMax (nothing of it was buffered);
 *  - undecodable: a frame that is not CBOR;
 *  - invalid-message: a message that fails its schema (validate.ts, server-messages.ts);
 *  - refused: a well-formed message that contradicts what this server knows of its own epoch
 *    (PeerMessageRefusedError: a second leader of its epoch, an acknowledgement of entries never
 *    sent, a rewrite of committed entries); no correct peer sends one;
 *  - handler-error: anything else thrown while handling the connection's input (a bug);
 *  - handshake-failed: a bad hello, an unknown id, a wrong proof (either end's), an acceptor that
 *    is not the server dialed, an unexpected frame, no answer in time;
 *  - bad-mac: a frame after the handshake whose MAC fails (frame-mac.ts): changed, replayed,
 *    reordered, cut short or taken from another connection; no correct peer sends one;
 *  - write-buffer-full: the peer stopped reading and our unsent bytes passed their bound;
 *  - tls-handshake (sslQuorum): a TLS handshake that failed, either end: plain text on the TLS
 *    port, a certificate missing or not chaining to ssl.quorum.trustStore, no common version,
 *    a connection over the bound on handshakes in progress (peer-tls.ts);
 *  - tls-hostname (sslQuorum): a certificate that does not name the peer's host (the acceptor's,
 *    ssl.quorum.hostnameVerification) or address (the dialer's, ssl.quorum.clientHostnameVerification).
 */
export type PeerCloseReason =
  | "frame-too-large"
  | "undecodable"
  | "invalid-message"
  | "refused"
  | "handler-error"
  | "handshake-failed"
  | "bad-mac"
  | "write-buffer-full"
  | "tls-handshake"
  | "tls-hostname";

export class PeerStats {
  messagesSent = 0;
  bytesSent = 0;
  messagesReceived = 0;
  /** Messages refused because they exceed frameBytesMax: a bug (limits.ts makes it unreachable). */
  oversizeDropped = 0;
  /** Messages dropped while a peer was unreachable and its queue was full. */
  queueDropped = 0;
  readonly closed = new Map<PeerCloseReason, number>();

  close(reason: PeerCloseReason): void {
    this.closed.set(reason, (this.closed.get(reason) ?? 0) + 1);
  }

  closedCount(reason?: PeerCloseReason): number {
    if (reason !== undefined) return this.closed.get(reason) ?? 0;
    let n = 0;
    for (const v of this.closed.values()) n += v;
    return n;
  }
}

/** The close reason for an error thrown while handling a connection's input. */
export function reasonOf(error: unknown, decoding: boolean): PeerCloseReason {
  if (error instanceof PeerFrameError) return "frame-too-large";
  if (error instanceof PeerMacError) return "bad-mac";
  if (decoding) return "undecodable";
  if (error instanceof DecodeError && error.reason === PEER_MESSAGE_INVALID) return "invalid-message";
  if (error instanceof PeerMessageRefusedError) return "refused";
  return "handler-error";
}
