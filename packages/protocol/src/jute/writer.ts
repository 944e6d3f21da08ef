// Writes jute's binary archive (BinaryOutputArchive) into one length-prefixed frame.
import { JUTE_NULL_BYTES } from "./reader.js";

const utf8 = new TextEncoder();
const INITIAL_BYTES = 256;

export class JuteWriter {
  private bytes = new Uint8Array(INITIAL_BYTES);
  private view = new DataView(this.bytes.buffer);
  /** Starts after the 4-byte frame length, filled in by frame(). */
  private offset = 4;

  private reserve(n: number): number {
    const need = this.offset + n;
    if (need > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(0, this.offset));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.offset;
    this.offset = need;
    return at;
  }

  // reserve() may replace this.bytes and this.view with grown ones: every write takes its
  // offset first and reads the buffer after (`this.view.setInt32(this.reserve(4), v)` would
  // evaluate the old view before reserve() ran, and write past its end).
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

  /** JUTE_NULL_BYTES is written as null (-1), every other buffer with its length. */
  buffer(value: Uint8Array): this {
    if (value === JUTE_NULL_BYTES) return this.int(-1);
    this.int(value.length);
    // reserve() first: it may replace this.bytes with a grown array.
    const at = this.reserve(value.length);
    this.bytes.set(value, at);
    return this;
  }

  string(value: string | null): this {
    if (value === null) return this.int(-1);
    // At most 3 bytes per UTF-16 unit; encodeInto writes in place, then the length is fixed up.
    const lengthAt = this.reserve(4);
    const at = this.reserve(value.length * 3);
    const { written } = utf8.encodeInto(value, this.bytes.subarray(at));
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
    this.view.setInt32(0, this.offset - 4);
    return this.bytes.subarray(0, this.offset);
  }
}
