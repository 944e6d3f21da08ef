// The peer handshake, both ends as plain objects (no sockets): frames in, frames out, or a
// PeerHandshakeError. With an ensemble secret it is mutual, and bound to both server ids, the
// direction and both nonces:
//
//   dialer   -> {hello: 2, id: dialerId, to: acceptorId, nonce: Nd}
//   acceptor -> {id: acceptorId, nonce: Na, proof: HMAC(kh, "accept" | dialerId | acceptorId | Nd | Na)}
//   dialer      checks id = the server it dialed and the proof (constant time); else closes,
//               having sent nothing but its hello
//   dialer   -> {proof: HMAC(kh, "dial" | dialerId | acceptorId | Nd | Na)}
//   acceptor    checks the proof; then every frame both ways carries a MAC (frame-mac.ts):
//   acceptor -> {ok: true} (the first protected frame acceptor -> dialer)
//
// kh = HKDF(secret, "warden peer handshake v2"); each direction's frame key = HKDF(secret,
// salt Nd | Na, "warden peer frames <direction>" | dialerId | acceptorId). Every field of a MAC
// input is length-prefixed, so no two different transcripts have the same bytes.
// Without a secret the same frames flow with empty proofs and no MAC: peers are admitted by
// their address (transport.ts), as ZooKeeper admits them without quorum authentication.
import { WardenError } from "@warden/protocol";
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/** The version in a hello; a peer speaking another one is refused (all servers upgrade together). */
export const PEER_PROTOCOL_VERSION = 2;
/** Bytes of each side's handshake nonce. */
export const NONCE_BYTES = 16;
/** Bytes of a handshake proof (an HMAC-SHA-256). */
const PROOF_BYTES = 32;
/** Bytes of each derived key. */
const KEY_BYTES = 32;

export class PeerHandshakeError extends WardenError {
  constructor(message: string) {
    super({ code: "WARDEN_ERR_PEER_HANDSHAKE", message });
  }
}

/** The ensemble secret and the handshake key derived from it (once per transport). */
export interface EnsembleSecret {
  readonly secret: Uint8Array;
  readonly handshakeKey: Uint8Array;
}

export function ensembleSecret(secret: Uint8Array): EnsembleSecret {
  return { secret, handshakeKey: new Uint8Array(hkdfSync("sha256", secret, new Uint8Array(0), "warden peer handshake v2", KEY_BYTES)) };
}

/** The frame keys of one connection, one per direction. */
export interface SessionKeys {
  readonly dialerToAcceptor: Uint8Array;
  readonly acceptorToDialer: Uint8Array;
}

/** Length-prefixed fields (2-byte length each): an unambiguous MAC input. */
function transcript(...fields: Array<string | Uint8Array>): Buffer {
  const bytes = fields.map((f) => (typeof f === "string" ? Buffer.from(f, "utf8") : Buffer.from(f.buffer, f.byteOffset, f.byteLength)));
  const out = Buffer.alloc(bytes.reduce((n, b) => n + 2 + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.writeUInt16BE(b.length, at);
    b.copy(out, at + 2);
    at += 2 + b.length;
  }
  return out;
}

/** The proof one end gives: `role` "accept" (the acceptor's) or "dial" (the dialer's). */
export function handshakeProof(
  key: Uint8Array,
  role: "accept" | "dial",
  dialerId: number,
  acceptorId: number,
  dialerNonce: Uint8Array,
  acceptorNonce: Uint8Array,
): Buffer {
  return createHmac("sha256", key)
    .update(transcript(`warden peer ${role} v2`, String(dialerId), String(acceptorId), dialerNonce, acceptorNonce))
    .digest();
}

export function sessionKeys(
  secret: Uint8Array,
  dialerId: number,
  acceptorId: number,
  dialerNonce: Uint8Array,
  acceptorNonce: Uint8Array,
): SessionKeys {
  const salt = Buffer.concat([dialerNonce, acceptorNonce]);
  const key = (direction: string) =>
    new Uint8Array(
      hkdfSync("sha256", secret, salt, transcript(`warden peer frames ${direction} v2`, String(dialerId), String(acceptorId)), KEY_BYTES),
    );
  return { dialerToAcceptor: key("dialer->acceptor"), acceptorToDialer: key("acceptor->dialer") };
}

function proofMatches(got: unknown, want: Buffer): boolean {
  if (!(got instanceof Uint8Array) || got.length !== want.length) return false;
  return timingSafeEqual(got, want);
}

const isNonce = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.length === NONCE_BYTES;
const asRecord = (m: unknown): Record<string, unknown> =>
  typeof m === "object" && m !== null && !Array.isArray(m) ? (m as Record<string, unknown>) : {};

/** The dialing end: `hello()`, then `challenge(frame)` gives the proof to send and the keys. */
export class DialerHandshake {
  readonly nonce: Uint8Array = randomBytes(NONCE_BYTES);

  constructor(
    private readonly myId: number,
    /** The server this connection is meant to reach: the acceptor must be it and prove it. */
    private readonly peerId: number,
    private readonly secret: EnsembleSecret | undefined,
  ) {}

  hello(): Record<string, unknown> {
    return { hello: PEER_PROTOCOL_VERSION, id: this.myId, to: this.peerId, nonce: this.nonce };
  }

  /** Checks the acceptor's identity and proof; returns the dialer's proof and (with a secret) the frame keys. */
  challenge(frame: unknown): { reply: Record<string, unknown>; keys: SessionKeys | undefined } {
    const m = asRecord(frame);
    if (!isNonce(m.nonce)) throw new PeerHandshakeError("the acceptor's challenge has no nonce of 16 bytes");
    if (m.id !== this.peerId)
      throw new PeerHandshakeError(`the acceptor claims to be server ${String(m.id)}, but this connection dialed server ${this.peerId}`);
    if (!this.secret) return { reply: { proof: new Uint8Array(0) }, keys: undefined };
    const want = handshakeProof(this.secret.handshakeKey, "accept", this.myId, this.peerId, this.nonce, m.nonce);
    if (!proofMatches(m.proof, want))
      throw new PeerHandshakeError(`the acceptor claiming to be server ${this.peerId} does not prove it knows the ensemble secret`);
    const proof = handshakeProof(this.secret.handshakeKey, "dial", this.myId, this.peerId, this.nonce, m.nonce);
    return { reply: { proof }, keys: sessionKeys(this.secret.secret, this.myId, this.peerId, this.nonce, m.nonce) };
  }
}

/** The accepting end: `hello(frame)` gives the challenge, `proof(frame)` checks the dialer and gives the keys. */
export class AcceptorHandshake {
  readonly nonce: Uint8Array = randomBytes(NONCE_BYTES);
  private dialerId = -1;
  private dialerNonce: Uint8Array | undefined;

  constructor(
    private readonly myId: number,
    private readonly peerIds: readonly number[],
    private readonly secret: EnsembleSecret | undefined,
  ) {}

  /** The dialer's claimed id (-1 before its hello). */
  get peerId(): number {
    return this.dialerId;
  }

  hello(frame: unknown): Record<string, unknown> {
    const m = asRecord(frame);
    if (m.hello !== PEER_PROTOCOL_VERSION)
      throw new PeerHandshakeError(m.hello === 1 ? "the peer speaks peer protocol 1 (an older Warden): upgrade every server" : "bad hello");
    if (typeof m.id !== "number" || !isNonce(m.nonce)) throw new PeerHandshakeError("bad hello");
    if (m.id === this.myId || !this.peerIds.includes(m.id)) throw new PeerHandshakeError(`unknown peer id ${m.id}`);
    if (m.to !== this.myId)
      throw new PeerHandshakeError(
        `peer ${m.id} dialed server ${String(m.to)}, but this is server ${this.myId}: do the server.N lines agree?`,
      );
    this.dialerId = m.id;
    this.dialerNonce = m.nonce;
    const proof = this.secret
      ? handshakeProof(this.secret.handshakeKey, "accept", m.id, this.myId, m.nonce, this.nonce)
      : new Uint8Array(0);
    return { id: this.myId, nonce: this.nonce, proof };
  }

  /** Checks the dialer's proof; returns the frame keys (undefined without a secret). */
  proof(frame: unknown): SessionKeys | undefined {
    if (!this.dialerNonce) throw new PeerHandshakeError("a proof before a hello");
    const m = asRecord(frame);
    if (!this.secret) {
      if (!(m.proof instanceof Uint8Array)) throw new PeerHandshakeError("bad proof");
      return undefined;
    }
    const want = handshakeProof(this.secret.handshakeKey, "dial", this.dialerId, this.myId, this.dialerNonce, this.nonce);
    if (want.length !== PROOF_BYTES || !proofMatches(m.proof, want))
      throw new PeerHandshakeError(`peer ${this.dialerId} does not know the ensemble secret`);
    return sessionKeys(this.secret.secret, this.dialerId, this.myId, this.dialerNonce, this.nonce);
  }
}
