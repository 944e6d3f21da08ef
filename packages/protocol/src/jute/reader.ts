// Reads jute's binary archive (BinaryInputArchive) from one frame. Every length and count
// is checked against the bytes left in the frame before anything is allocated, so a
// reader never allocates more than its frame holds.
import { juteError, JuteDecodeReason as R } from "./reasons.js";

// Not fatal: malformed UTF-8 becomes U+FFFD, as in Java. ignoreBOM keeps a leading U+FEFF, as Java does.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

export class JuteReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(n: number, what: string): number {
    if (this.remaining < n) {
      throw juteError(R.TRUNCATED, `${what} needs ${n} bytes, ${this.remaining} left`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  int(what = "int"): number {
    return this.view.getInt32(this.need(4, what));
  }

  long(what = "long"): bigint {
    return this.view.getBigInt64(this.need(8, what));
  }

  /** A long that is a count of milliseconds (ctime, mtime, ttl): a number. */
  longNumber(what = "long"): number {
    return Number(this.long(what));
  }

  /** Java's DataInput.readBoolean: any non-zero byte is true. */
  bool(what = "boolean"): boolean {
    return this.bytes[this.need(1, what)] !== 0;
  }

  /** Length of a string or buffer: -1 (null) or 0..remaining. */
  private length(what: string): number {
    const len = this.int(`${what} length`);
    if (len < -1 || len > this.remaining) {
      throw juteError(R.BAD_LENGTH, `${what} length ${len} with ${this.remaining} bytes left`);
    }
    return len;
  }

  /** A buffer, copied out of the frame; null (-1) stays null, apart from empty (0). */
  buffer(what = "buffer"): Uint8Array | null {
    const len = this.length(what);
    if (len === -1) return null;
    const at = this.need(len, what);
    return this.bytes.slice(at, at + len);
  }

  stringOrNull(what = "string"): string | null {
    const len = this.length(what);
    if (len === -1) return null;
    const at = this.need(len, what);
    return utf8.decode(this.bytes.subarray(at, at + len));
  }

  string(what = "string"): string {
    const s = this.stringOrNull(what);
    if (s === null) throw juteError(R.NULL_STRING, `${what} is null`);
    return s;
  }

  /**
   * A vector of elements each at least `elementBytesMin` long; null (-1) reads as [].
   * The count is checked against the remaining bytes before the loop starts.
   */
  vector<T>(what: string, elementBytesMin: number, element: (r: JuteReader) => T): T[] {
    const count = this.int(`${what} count`);
    if (count === -1) return [];
    if (count < -1 || count * elementBytesMin > this.remaining) {
      throw juteError(R.BAD_COUNT, `${what} count ${count} with ${this.remaining} bytes left`);
    }
    const items = new Array<T>(count);
    for (let i = 0; i < count; i++) items[i] = element(this);
    return items;
  }

  strings(what: string): string[] {
    return this.vector(what, 4, (r) => r.string(what));
  }
}
