// Integrity of every frame after the handshake: the frame is the payload followed by a 16-byte
// tag, HMAC-SHA256(direction key, sequence number || payload) truncated to 16 bytes. Each
// direction of a connection has its own key (handshake.ts derives it from the ensemble secret
// and both nonces) and its own sequence number, counted by both ends and never sent: a frame
// changed, dropped, replayed, reordered, cut short or taken from another connection fails its
// tag, and the connection closes (PeerStats "bad-mac").
//
// HMAC, not AES-GCM: integrity is what stops a forged or replayed message; confidentiality of
// the peer traffic is TLS's job (sslQuorum). A MAC reads the payload where it lies (the parts of
// a frame are written corked, never concatenated) while an AEAD writes a ciphertext copy of it,
// and an HMAC key needs no nonce discipline.
import { WardenError } from "@warden/protocol";
import { createHmac, timingSafeEqual } from "node:crypto";

/** Bytes of the tag at the end of every protected frame (128 bits of HMAC-SHA256). */
export const MAC_TAG_BYTES = 16;

export class PeerMacError extends WardenError {
  constructor(message: string) {
    super({ code: "WARDEN_ERR_PEER_BAD_MAC", message });
  }
}

/** The tag of the frame numbered `sequence` whose payload is `parts`, concatenated. */
function tagOf(key: Uint8Array, sequenceBytes: Uint8Array, parts: readonly Uint8Array[]): Buffer {
  const h = createHmac("sha256", key);
  h.update(sequenceBytes);
  for (const p of parts) h.update(p);
  return h.digest().subarray(0, MAC_TAG_BYTES);
}

/** Counts the frames of one direction: an 8-byte big-endian sequence number, from 0. */
class Sequence {
  readonly bytes = new Uint8Array(8);
  private readonly view = new DataView(this.bytes.buffer);
  private next = 0;

  /** The bytes of the current number (valid until `advance`). */
  current(): Uint8Array {
    return this.bytes;
  }

  advance(): void {
    this.next++;
    // 2^53 frames is never reached; the high word is written for the format's sake.
    this.view.setUint32(0, Math.floor(this.next / 2 ** 32));
    this.view.setUint32(4, this.next >>> 0);
  }

  get value(): number {
    return this.next;
  }
}

/** The sending end of one direction: the tag of each frame, in the order they are written. */
export class FrameSealer {
  private readonly sequence = new Sequence();
  constructor(private readonly key: Uint8Array) {}

  /** The tag to write after `parts` (the next frame's payload). Call once per frame, in order. */
  seal(parts: readonly Uint8Array[]): Uint8Array {
    const tag = tagOf(this.key, this.sequence.current(), parts);
    this.sequence.advance();
    return tag;
  }

  get framesSealed(): number {
    return this.sequence.value;
  }
}

/** The receiving end of one direction: checks each frame's tag, in order, and returns its payload. */
export class FrameOpener {
  private readonly sequence = new Sequence();
  constructor(private readonly key: Uint8Array) {}

  /** The payload of `frame` (a view), or throws PeerMacError (the connection must then close: its sequence is broken). */
  open(frame: Uint8Array): Uint8Array {
    const n = this.sequence.value;
    if (frame.length < MAC_TAG_BYTES) throw new PeerMacError(`frame ${n} of ${frame.length} bytes is shorter than its tag`);
    const payload = frame.subarray(0, frame.length - MAC_TAG_BYTES);
    const got = frame.subarray(frame.length - MAC_TAG_BYTES);
    const want = tagOf(this.key, this.sequence.current(), [payload]);
    if (!timingSafeEqual(got, want))
      throw new PeerMacError(
        `frame ${n} (${payload.length} bytes) fails its MAC: changed, replayed, reordered, cut short or from another connection`,
      );
    this.sequence.advance();
    return payload;
  }

  get framesOpened(): number {
    return this.sequence.value;
  }
}
