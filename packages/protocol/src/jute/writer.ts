// Writes jute's binary archive (BinaryOutputArchive) into one length-prefixed frame, within
// a bound on the frame's body: the buffer never grows beyond it, and a field that would pass
// it throws EncodeError before anything is allocated for it.
import { EncodeError } from "../errors.js";
import { JuteDecodeReason as R } from "./reasons.js";
import { pooledBytes } from "../bytes-pool.js";

const utf8 = new TextEncoder();
/** Bytes a writer allocates first; it grows by doubling up to its bytesMax. */
const INITIAL_BYTES = 256;
/** Bytes of the frame's length prefix, reserved at the start. */
const LENGTH_BYTES = 4;
/** A frame's length is a jute int: no body is longer, whatever bound the caller gives. */
export const JUTE_BODY_BYTES_MAX = 0x7fffffff;

/** Bytes of `s` in UTF-8, as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a pair: 2 units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

export class JuteWriter {
  /** The bound on the frame's body (the bytes after its 4-byte length). */
  readonly bytesMax: number;
  private bytes: Uint8Array;
  private view: DataView;
  /** Starts after the 4-byte frame length, filled in by frame(). */
  private offset = LENGTH_BYTES;

  /**
   * `initialBytes`: a guess at the whole frame's size (a small reply need not take a 256-byte buffer).
   * `pooled`: small buffers are views of the shared pool (bytes-pool.ts), for a frame that is
   * copied out at once (a server's reply, which the connection's turn batch copies).
   */
  constructor(
    bytesMax: number = JUTE_BODY_BYTES_MAX,
    initialBytes = INITIAL_BYTES,
    private readonly pooled = false,
  ) {
    if (!Number.isSafeInteger(bytesMax) || bytesMax < 0 || bytesMax > JUTE_BODY_BYTES_MAX) {
      throw new RangeError(`bytesMax must be an int32 >= 0, got ${bytesMax}`);
    }
    this.bytesMax = bytesMax;
    this.bytes = this.allocate(Math.max(LENGTH_BYTES, Math.min(initialBytes, LENGTH_BYTES + bytesMax)));
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  private allocate(n: number): Uint8Array {
    return this.pooled ? pooledBytes(n) : new Uint8Array(n);
  }

  /** Body bytes still allowed before the bound. */
  private get roomBytes(): number {
    return LENGTH_BYTES + this.bytesMax - this.offset;
  }

  /**
   * Takes n bytes at the end and returns their offset. May replace this.bytes and this.view
   * with grown ones (doubling, capped at the bound): a caller takes the offset first and
   * reads the buffer after.
   */
  private reserve(n: number): number {
    if (n > this.roomBytes) {
      throw new EncodeError(
        R.FRAME_TOO_LARGE,
        `jute: a field of ${n} bytes after ${this.offset - LENGTH_BYTES} would pass bytesMax ${this.bytesMax}`,
      );
    }
    const need = this.offset + n;
    if (need > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < need) size *= 2;
      const grown = this.allocate(Math.min(size, LENGTH_BYTES + this.bytesMax));
      grown.set(this.bytes.subarray(0, this.offset));
      this.bytes = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
    }
    const at = this.offset;
    this.offset = need;
    return at;
  }

  // Every write takes its offset first and reads the buffer after (`this.view.setInt32(this.reserve(4), v)`
  // would evaluate the old view before reserve() ran, and write past its end).
  int(value: number): this {
    const at = this.reserve(4);
    this.view.setInt32(at, value);
    return this;
  }

  long(value: bigint): this {
    const at = this.reserve(8);
    this.view.setBigInt64(at, BigInt.asIntN(64, value));
    return this;
  }

  /** A millisecond count (ctime, mtime, ttl) as a jute long. */
  longNumber(value: number): this {
    return this.long(BigInt(Math.trunc(value)));
  }

  bool(value: boolean): this {
    const at = this.reserve(1);
    this.bytes[at] = value ? 1 : 0;
    return this;
  }

  /** null is written as length -1, every buffer with its length (empty: 0). */
  buffer(value: Uint8Array | null): this {
    if (value === null) return this.int(-1);
    this.int(value.length);
    const at = this.reserve(value.length);
    this.bytes.set(value, at);
    return this;
  }

  string(value: string | null): this {
    if (value === null) return this.int(-1);
    const lengthAt = this.reserve(4);
    // At most 3 bytes per UTF-16 unit: reserve that, or the exact length when that much
    // would pass the bound. encodeInto writes in place; the length is fixed up after.
    const worstBytes = value.length * 3;
    const at = this.reserve(worstBytes <= this.roomBytes ? worstBytes : utf8Length(value));
    const { written } = utf8.encodeInto(value, this.bytes.subarray(at, this.offset));
    this.offset = at + written;
    this.view.setInt32(lengthAt, written);
    return this;
  }

  vector<T>(items: readonly T[], element: (w: JuteWriter, item: T) => void): this {
    this.int(items.length);
    for (const item of items) element(this, item);
    return this;
  }

  strings(items: readonly string[]): this {
    return this.vector(items, (w, s) => w.string(s));
  }

  /** The frame: 4-byte big-endian length, then the record. */
  frame(): Uint8Array {
    this.view.setInt32(0, this.offset - LENGTH_BYTES);
    return this.bytes.subarray(0, this.offset);
  }
}
