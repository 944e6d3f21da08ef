// Splits a jute byte stream into frames: a 4-byte big-endian length, then that many bytes.
// The shape of ws's receiver: the length is checked (negative, over frameBytesMax) the
// moment it is read, before any of the frame is buffered; a frame inside one chunk is
// handed on as a view of that chunk; only a frame spanning chunks is copied, once.
import { fourLetterWordOfInt, type FourLetterWord } from "./four-letter.js";
import { juteError, JuteDecodeReason as R } from "./reasons.js";

/** 1 MiB of node data (ZooKeeper's jute.maxbuffer) plus room for the path, ACL and headers. */
export const JUTE_FRAME_BYTES_MAX_DEFAULT = 1024 * 1024 + 64 * 1024;
/** Bytes of a jute frame's length prefix. */
const LENGTH_BYTES = 4;
const EMPTY = new Uint8Array(0);

export interface JuteFrameSplitterOptions {
  /** Largest frame body accepted, in bytes. */
  frameBytesMax?: number;
  /**
   * Largest first frame (server side: the ConnectRequest, a few dozen bytes), so that a
   * connection that has not completed its handshake holds a few KiB at most. Default: frameBytesMax.
   */
  firstFrameBytesMax?: number;
  /** Server side: the first 4 bytes of the stream may be a four-letter word. */
  detectFourLetterWords?: boolean;
}

export class JuteFrameSplitter {
  readonly frameBytesMax: number;
  readonly firstFrameBytesMax: number;
  /** Set when the stream opened with a four-letter word; no frames follow then. */
  fourLetterWord: FourLetterWord | undefined;
  private readonly detectFourLetterWords: boolean;
  private chunks: Uint8Array[] = [];
  /** Index of the first unread chunk in `chunks`, and how much of it was read. */
  private head = 0;
  private offset = 0;
  private buffered = 0;
  /** Body length of the frame being read, or -1 while reading a length. */
  private bodyBytes = -1;
  private fresh = true;
  private framesStarted = 0;
  private failed = false;

  constructor(options: JuteFrameSplitterOptions = {}) {
    this.frameBytesMax = options.frameBytesMax ?? JUTE_FRAME_BYTES_MAX_DEFAULT;
    if (!Number.isSafeInteger(this.frameBytesMax) || this.frameBytesMax < 0 || this.frameBytesMax > 0x7fffffff) {
      throw new RangeError(`frameBytesMax must be an int32 >= 0, got ${this.frameBytesMax}`);
    }
    this.firstFrameBytesMax = Math.min(options.firstFrameBytesMax ?? this.frameBytesMax, this.frameBytesMax);
    this.detectFourLetterWords = options.detectFourLetterWords ?? false;
  }

  /**
   * Bytes received and not yet handed on as frames: an incomplete length or frame (at most
   * 4 + frameBytesMax), and, when the caller stops taking frames (`next`), whole frames too.
   */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * The frame bodies (without their lengths) that `chunk` completes, in order: push, then
   * next until there is none. Views into `chunk` stay valid as long as the caller does not
   * reuse the chunk's memory. Throws DecodeError on a bad length; the splitter is then failed for good.
   */
  feed(chunk: Uint8Array): Uint8Array[] {
    this.push(chunk);
    const frames: Uint8Array[] = [];
    for (let f = this.next(); f !== undefined; f = this.next()) frames.push(f);
    return frames;
  }

  /** Keeps `chunk` (not copied) for `next` to split; nothing is decoded yet. */
  push(chunk: Uint8Array): void {
    if (this.failed) throw juteError(R.STREAM_FAILED, "the stream already had a bad frame");
    if (this.fourLetterWord !== undefined || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next whole frame body, or undefined until more bytes are pushed. A caller that stops
   * taking frames (its reader is paused) leaves the rest as the bytes they came in: nothing is
   * split or decoded ahead of it. A frame inside one chunk is a view of it; one spanning chunks
   * is copied, once. Throws DecodeError on a bad length; the splitter is then failed for good.
   */
  next(): Uint8Array | undefined {
    if (this.failed) throw juteError(R.STREAM_FAILED, "the stream already had a bad frame");
    if (this.fourLetterWord !== undefined) return undefined;
    try {
      if (this.bodyBytes < 0) {
        if (this.buffered < LENGTH_BYTES) return undefined;
        if (this.startFrame(this.readLength())) return undefined;
      }
      if (this.buffered < this.bodyBytes) return undefined;
      const frame = this.consume(this.bodyBytes);
      this.bodyBytes = -1;
      return frame;
    } catch (error) {
      this.failed = true;
      this.forget();
      throw error;
    }
  }

  /** Checks a length just read; true when the stream turned out to be a four-letter word. */
  private startFrame(length: number): boolean {
    if (this.fresh) {
      this.fresh = false;
      const word = this.detectFourLetterWords ? fourLetterWordOfInt(length) : undefined;
      if (word !== undefined) {
        this.fourLetterWord = word;
        this.forget();
        return true;
      }
    }
    if (length < 0) throw juteError(R.FRAME_NEGATIVE_LENGTH, `frame length ${length}`);
    const max = this.framesStarted++ === 0 ? this.firstFrameBytesMax : this.frameBytesMax;
    if (length > max) {
      throw juteError(
        R.FRAME_TOO_LARGE,
        `frame length ${length} exceeds ${this.framesStarted === 1 && max < this.frameBytesMax ? "the first frame's bound" : "frameBytesMax"} ${max}`,
      );
    }
    this.bodyBytes = length;
    return false;
  }

  /** A big-endian int32 from the next 4 buffered bytes (4 <= buffered), read in place: no view, no DataView. */
  private readLength(): number {
    this.buffered -= LENGTH_BYTES;
    let value = 0;
    for (let i = 0; i < LENGTH_BYTES; i++) {
      const chunk = this.chunks[this.head]!;
      value = (value << 8) | chunk[this.offset]!;
      this.advance(chunk, 1);
    }
    return value | 0;
  }

  /** The next n buffered bytes (n <= buffered): a view when one chunk holds them, else one copy. */
  private consume(n: number): Uint8Array {
    this.buffered -= n;
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[this.head]!;
    const at = this.offset;
    if (n <= first.length - at) {
      this.advance(first, n);
      return first.subarray(at, at + n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.head]!;
      const take = Math.min(chunk.length - this.offset, n - filled);
      out.set(chunk.subarray(this.offset, this.offset + take), filled);
      filled += take;
      this.advance(chunk, take);
    }
    return out;
  }

  /** Moves past `taken` bytes of the head chunk; an index, not shift(), so many tiny chunks stay O(n). */
  private advance(chunk: Uint8Array, taken: number): void {
    this.offset += taken;
    if (this.offset < chunk.length) return;
    this.chunks[this.head++] = EMPTY;
    this.offset = 0;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    }
  }

  private forget(): void {
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.buffered = 0;
  }
}
