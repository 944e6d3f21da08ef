// Everything the peer target knows about the peer transport's format, in one file so a
// change of the transport (server/src/peer/transport.ts, frames.ts) is one edit here:
//  - framing: a 4-byte big-endian length, then a CBOR payload (cbor-x's default encoding);
//  - the handshake (server/src/peer/handshake.ts, written again here from its description so a
//    silent change of the server's format shows up as "handshake refused"): the dialer sends
//    {hello: 2, id, to, nonce (16 bytes)}; the acceptor answers {id, nonce, proof:
//    HMAC(kh, "warden peer accept v2" | dialerId | acceptorId | Nd | Na)}; the dialer sends
//    {proof: HMAC(kh, "warden peer dial v2" | ...)}; the acceptor answers {ok: true}, the first
//    MAC'd frame. kh = HKDF-SHA256(secret, no salt, "warden peer handshake v2"); fields
//    length-prefixed (2 bytes), ids as decimal text;
//  - every frame after the handshake: payload, then HMAC-SHA256(direction key, 8-byte
//    sequence number | payload) cut to 16 bytes (server/src/peer/frame-mac.ts); direction key =
//    HKDF-SHA256(secret, Nd | Na, "warden peer frames dialer->acceptor v2" | dialerId | acceptorId);
//  - messages after it: {c: consensus message} (its `from` must be the dialer's id) or
//    {s: [server messages]} (forward, forward-failed, touch);
//  - the shapes of those messages (consensus/src/types.ts, server/src/core/node.ts); snapshots
//    travel as snapshot-chunk / snapshot-ack (consensus README, "Snapshot transfer").
import { createHmac, hkdfSync } from "node:crypto";
import { crc32 } from "node:zlib";
import { decode, encode } from "cbor-x";
import fc from "fast-check";
import { EPOCH_MAX } from "@warden/protocol";
import { int32, int64, request } from "./requests.js";

/** Bytes of a peer frame's length header. */
export const HEADER_BYTES = 4;
/** The acceptor's frame limit before the handshake is done. */
export const HANDSHAKE_FRAME_BYTES_MAX = 1024;
/** A frame length the oversized-frame family announces (the old transport's limit; the server's is a few MiB now, peer/limits.ts). */
export const FRAME_BYTES_MAX = 512 * 1024 * 1024;

export const encodePeer = (value: unknown): Uint8Array => encode(value) as Uint8Array;

/** Decodes a peer payload; undefined when it is not CBOR. */
export function decodePeer(payload: Uint8Array): unknown {
  try {
    return decode(payload) as unknown;
  } catch {
    return undefined;
  }
}

/** A frame: the length (or a lie about it), then the payload. */
export function peerFrame(payload: Uint8Array, declaredLength = payload.length): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  new DataView(out.buffer).setUint32(0, declaredLength >>> 0);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Splits what a peer sends into payloads (handshake-sized frames; larger ones stop the split). */
export class PeerFrameReader {
  private buffered = new Uint8Array(0);
  feed(chunk: Uint8Array): Uint8Array[] {
    const all = new Uint8Array(this.buffered.length + chunk.length);
    all.set(this.buffered);
    all.set(chunk, this.buffered.length);
    const frames: Uint8Array[] = [];
    let at = 0;
    while (all.length - at >= HEADER_BYTES) {
      const length = new DataView(all.buffer, at).getUint32(0);
      if (length > HANDSHAKE_FRAME_BYTES_MAX * 64 || all.length - at - HEADER_BYTES < length) break;
      frames.push(all.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length));
      at += HEADER_BYTES + length;
    }
    this.buffered = all.subarray(at);
    return frames;
  }
}

export const PROTOCOL_VERSION = 2;
/** Bytes of a peer frame's MAC tag. */
export const MAC_TAG_BYTES = 16;
export const hello = (id: number, to: number, nonce: Uint8Array) => ({ hello: PROTOCOL_VERSION, id, to, nonce });
export const challenge = (id: number, nonce: Uint8Array, proof: Uint8Array | undefined) => ({ id, nonce, proof });
export const OK = { ok: true } as const;

/** Length-prefixed fields, as the server's MAC inputs are built. */
function transcript(...fields: Array<string | Uint8Array>): Buffer {
  return Buffer.concat(
    fields.flatMap((f) => {
      const b = typeof f === "string" ? Buffer.from(f) : Buffer.from(f);
      const n = Buffer.alloc(2);
      n.writeUInt16BE(b.length);
      return [n, b];
    }),
  );
}

const handshakeKey = (secret: Uint8Array) => new Uint8Array(hkdfSync("sha256", secret, new Uint8Array(0), "warden peer handshake v2", 32));

/** A handshake proof: "accept" (the acceptor's) or "dial" (the dialer's). */
export function proofOf(
  secret: Uint8Array,
  role: "accept" | "dial",
  dialerId: number,
  acceptorId: number,
  dialerNonce: Uint8Array,
  acceptorNonce: Uint8Array,
): Uint8Array {
  return createHmac("sha256", handshakeKey(secret))
    .update(transcript(`warden peer ${role} v2`, String(dialerId), String(acceptorId), dialerNonce, acceptorNonce))
    .digest();
}

export function frameKey(
  secret: Uint8Array,
  direction: "dialer->acceptor" | "acceptor->dialer",
  dialerId: number,
  acceptorId: number,
  dialerNonce: Uint8Array,
  acceptorNonce: Uint8Array,
): Uint8Array {
  return new Uint8Array(
    hkdfSync(
      "sha256",
      secret,
      Buffer.concat([dialerNonce, acceptorNonce]),
      transcript(`warden peer frames ${direction} v2`, String(dialerId), String(acceptorId)),
      32,
    ),
  );
}

/** One direction's frames: each payload followed by its tag, in sequence. */
export class Sealer {
  private sequence = 0n;
  constructor(private readonly key: Uint8Array) {}
  /** The tag of the next frame; `peek` leaves the sequence where it is. */
  tag(payload: Uint8Array, peek = false): Uint8Array {
    const n = Buffer.alloc(8);
    n.writeBigUInt64BE(this.sequence);
    if (!peek) this.sequence++;
    return createHmac("sha256", this.key).update(n).update(payload).digest().subarray(0, MAC_TAG_BYTES);
  }
  /** The next frame's bytes: header, payload, tag. */
  frame(payload: Uint8Array): Uint8Array {
    const tag = this.tag(payload);
    return peerFrame(Buffer.concat([payload, tag]));
  }
  /** The payload of the next frame, if its tag is right. */
  open(frame: Uint8Array): Uint8Array | undefined {
    if (frame.length < MAC_TAG_BYTES) return undefined;
    const payload = frame.subarray(0, frame.length - MAC_TAG_BYTES);
    return Buffer.from(this.tag(payload)).equals(frame.subarray(frame.length - MAC_TAG_BYTES)) ? payload : undefined;
  }
}

/** The acceptor's challenge, if the payload is one. */
export function challengeOf(payload: Uint8Array): { id: unknown; nonce: Uint8Array; proof: unknown } | undefined {
  const m = decodePeer(payload) as { id?: unknown; nonce?: unknown; proof?: unknown } | undefined;
  return m && m.nonce instanceof Uint8Array ? { id: m.id, nonce: m.nonce, proof: m.proof } : undefined;
}

export const isOk = (payload: Uint8Array | undefined): boolean =>
  payload !== undefined && (decodePeer(payload) as { ok?: unknown } | undefined)?.ok === true;

export const consensusEnvelope = (message: unknown) => ({ c: message });
export const serverEnvelope = (items: unknown[]) => ({ s: items });

/**
 * Small epochs, and the invalid ones past every edge (EPOCH_MAX + 1 and beyond close the
 * connection). EPOCH_MAX itself is valid and not drawn: a peer that holds the ensemble secret
 * and names it ends every later election (no epoch is left to campaign in), which the probes
 * would see as a server that no longer serves; that is a Byzantine peer, outside what the
 * ensemble tolerates (consensus README, "Epochs are terms").
 */
const epoch = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, EPOCH_MAX + 1, 2 ** 31, 2 ** 32, 2 ** 53, 1.5, NaN) },
);
const zxid = fc.oneof({ weight: 3, arbitrary: fc.bigInt({ min: 0n, max: (4n << 32n) + 100n }) }, { weight: 1, arbitrary: int64 });
/** A pre-vote's round: any uint32, or a value no correct peer sends. */
const round = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 0xffffffff }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 32, 1.5, NaN) },
);
const payload = fc.oneof(fc.uint8Array({ maxLength: 128 }), fc.constant(null));
const entry = fc.record({ zxid, payload });
const size = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 4096 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 31, 2 ** 53, 1.5, NaN) },
);

/** A consensus message of any type, from `from` to `to`, with its fields on their edges. */
export function consensusMessage(from: fc.Arbitrary<number>, to: number): fc.Arbitrary<Record<string, unknown>> {
  const envelope = {
    from,
    to: fc.oneof({ weight: 5, arbitrary: fc.constant(to) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 9 }) }),
    epoch,
  };
  return fc.oneof(
    fc.record({ type: fc.constant("vote-request"), ...envelope, lastZxid: zxid }),
    fc.record({ type: fc.constant("vote-response"), ...envelope, granted: fc.boolean() }),
    fc.record(
      { type: fc.constant("prevote-request"), ...envelope, lastZxid: zxid, round },
      { requiredKeys: ["type", "from", "to", "epoch", "lastZxid"] },
    ),
    fc.record(
      { type: fc.constant("prevote-response"), ...envelope, granted: fc.boolean(), round },
      { requiredKeys: ["type", "from", "to", "epoch", "granted"] },
    ),
    fc.record(
      {
        type: fc.constant("append"),
        ...envelope,
        prevZxid: zxid,
        entries: fc.array(entry, { maxLength: 8 }),
        commitZxid: zxid,
        quiet: fc.boolean(),
      },
      { requiredKeys: ["type", "from", "to", "epoch", "prevZxid", "entries", "commitZxid"] },
    ),
    fc.record({
      type: fc.constant("append-response"),
      ...envelope,
      success: fc.boolean(),
      matchZxid: zxid,
      acceptedZxid: zxid,
      rejectedPrevZxid: zxid,
      hintZxid: zxid,
    }),
    // Chunks with their fields on their edges, and whole snapshots of garbage with the right
    // checksum (CRC-32, as server.ts configures), which pass the transfer and reach the loader.
    fc.record({
      type: fc.constant("snapshot-chunk"),
      ...envelope,
      snapshotZxid: zxid,
      totalBytes: size,
      checksum: int32,
      offset: size,
      data: fc.uint8Array({ maxLength: 256 }),
    }),
    fc
      .record({ envelope: fc.record(envelope), snapshotZxid: zxid, data: fc.uint8Array({ minLength: 1, maxLength: 256 }) })
      .map(({ envelope: e, snapshotZxid, data }) => ({
        type: "snapshot-chunk",
        ...e,
        snapshotZxid,
        totalBytes: data.length,
        checksum: crc32(data),
        offset: 0,
        data,
      })),
    fc.record({ type: fc.constant("snapshot-ack"), ...envelope, snapshotZxid: zxid, receivedBytes: size }),
    fc.record({ type: fc.constant("sync-request"), ...envelope, requestId: int32 }),
    fc.record({ type: fc.constant("sync-response"), ...envelope, requestId: int32, zxid }),
  );
}

const identity = fc.record({ scheme: fc.constantFrom("world", "digest", "ip", "super"), id: fc.string({ maxLength: 20 }) });

/** A server message (forwarded write, its failure, session touches) from `origin`. */
export function serverMessage(origin: fc.Arbitrary<number>): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    fc.record({
      type: fc.constant("forward"),
      origin,
      sessionId: int64,
      cxid: int32,
      request: fc.oneof(request, fc.record({ type: fc.constant("createSession"), timeoutMs: int32 })),
      identities: fc.array(identity, { maxLength: 3 }),
      superuser: fc.boolean(),
    }),
    fc.record({ type: fc.constant("forward-failed"), sessionId: int64, cxid: int32, err: int32 }),
    fc.record({ type: fc.constant("touch"), sessions: fc.array(int64, { maxLength: 20 }) }),
  );
}
