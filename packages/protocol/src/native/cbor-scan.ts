// A structural pass over a CBOR frame before cbor-x sees it. It reads only item heads, so
// it allocates nothing, and it rejects every declared length or count that runs past the
// end of the frame: cbor-x is never asked to decode a header that claims 2^32 bytes, and
// it never meets a tag (cbor-x's extensions: records, structured clone, classes).
import { NativeDecodeReason as R, decodeFailure } from "./reasons.js";

/** No message of the native protocol nests deeper (frame > request > ops > op > acl > id). */
export const CBOR_DEPTH_MAX = 8;

const MAJOR_UINT = 0;
const MAJOR_NINT = 1;
/** CBOR major type 2, a byte string (a type code, not a size). */
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;

class Scanner {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  /** Reads one head; returns its major type and leaves the argument in `arg`. */
  arg = 0;
  head(): number {
    const b = this.bytes;
    if (this.pos >= b.length) throw decodeFailure(R.CBOR_TRUNCATED, `CBOR item expected at byte ${this.pos}`);
    const initial = b[this.pos++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (info < 24) {
      this.arg = info;
      return major;
    }
    if (info === 31) throw decodeFailure(R.CBOR_MALFORMED, `indefinite length or break at byte ${this.pos - 1}`);
    if (info > 27) throw decodeFailure(R.CBOR_MALFORMED, `reserved additional info ${info} at byte ${this.pos - 1}`);
    const size = 1 << (info - 24);
    this.need(size);
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + b[this.pos + i]!;
    this.pos += size;
    this.arg = value; // above 2^53 it is imprecise, but then it exceeds every frame anyway
    return major;
  }

  need(count: number): void {
    if (count > this.bytes.length - this.pos) {
      throw decodeFailure(R.CBOR_TRUNCATED, `CBOR item at byte ${this.pos} declares ${count} bytes past the end of the frame`);
    }
  }

  item(depth: number): void {
    const start = this.pos;
    const major = this.head();
    switch (major) {
      case MAJOR_UINT:
      case MAJOR_NINT:
        return;
      case MAJOR_BYTES:
      case MAJOR_TEXT:
        this.need(this.arg);
        this.pos += this.arg;
        return;
      case MAJOR_ARRAY:
      case MAJOR_MAP:
        return this.container(major, depth, start);
      case MAJOR_TAG:
        throw decodeFailure(R.CBOR_UNSUPPORTED, `CBOR tag ${this.arg} at byte ${start}`);
      default:
        return this.simple(start);
    }
  }

  container(major: number, depth: number, start: number): void {
    if (depth >= CBOR_DEPTH_MAX) throw decodeFailure(R.CBOR_TOO_DEEP, `containers nested deeper than ${CBOR_DEPTH_MAX} at byte ${start}`);
    const count = this.arg;
    const items = major === MAJOR_MAP ? count * 2 : count;
    this.need(items); // every item takes at least one byte
    for (let i = 0; i < count; i++) {
      if (major === MAJOR_MAP) this.key();
      this.item(depth + 1);
    }
  }

  key(): void {
    const start = this.pos;
    if (this.head() !== MAJOR_TEXT) throw decodeFailure(R.CBOR_MALFORMED, `map key at byte ${start} is not a text string`);
    this.need(this.arg);
    this.pos += this.arg;
  }

  simple(start: number): void {
    const info = this.bytes[start]! & 0x1f;
    // false, true, null, undefined; and floats (their bytes were consumed by head()).
    if ((info >= 20 && info <= 23) || (info >= 25 && info <= 27)) return;
    throw decodeFailure(R.CBOR_UNSUPPORTED, `CBOR simple value at byte ${start}`);
  }
}

/** Throws DecodeError unless `bytes` is exactly one well-formed CBOR item this protocol may use. */
export function scanCbor(bytes: Uint8Array): void {
  const scanner = new Scanner(bytes);
  scanner.item(0);
  if (scanner.pos !== bytes.length) {
    throw decodeFailure(R.CBOR_TRAILING_BYTES, `${bytes.length - scanner.pos} bytes after the frame's CBOR item`);
  }
}
