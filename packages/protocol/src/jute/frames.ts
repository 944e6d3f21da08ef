// Splits a jute byte stream into frames: a 4-byte big-endian length, then that many bytes.
// The shape of ws's receiver: the length is checked (negative, over frameBytesMax) the
// moment it is read, before any of the frame is buffered; a frame inside one chunk is
// handed on as a view of that chunk; only a frame spanning chunks is copied, once.
import { fourLetterWordOfInt, type FourLetterWord } from "./four-letter.js";
import { juteError, JuteDecodeReason as R } from "./reasons.js";

/** 1 MiB of node data (ZooKeeper's jute.maxbuffer) plus room for the path, ACL and headers. */
export const JUTE_FRAME_BYTES_MAX_DEFAULT = 1024 * 1024 + 64 * 1024;
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
  /** Index of the first unread chunk in `chunks`. */
  private head = 0;
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

  /** Bytes held for an incomplete length or frame (at most 4 + frameBytesMax). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * The frame bodies (without their lengths) that `chunk` completes, in order. Views into
   * `chunk` stay valid as long as the caller does not reuse the chunk's memory.
   * Throws DecodeError on a bad length; the splitter is then failed for good.
   */
  feed(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw juteError(R.STREAM_FAILED, "the stream already had a bad frame");
    const frames: Uint8Array[] = [];
    if (this.fourLetterWord !== undefined || chunk.length === 0) return frames;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    try {
      this.drain(frames);
    } catch (error) {
      this.failed = true;
      this.chunks = [];
      this.head = 0;
      this.buffered = 0;
      throw error;
    }
    return frames;
  }

  private drain(frames: Uint8Array[]): void {
    for (;;) {
      if (this.bodyBytes < 0) {
        if (this.buffered < LENGTH_BYTES) return;
        const header = this.consume(LENGTH_BYTES);
        const length = new DataView(header.buffer, header.byteOffset, LENGTH_BYTES).getInt32(0);
        if (this.startFrame(length)) return;
      }
      if (this.buffered < this.bodyBytes) return;
      frames.push(this.consume(this.bodyBytes));
      this.bodyBytes = -1;
    }
  }

  /** Checks a length just read; true when the stream turned out to be a four-letter word. */
  private startFrame(length: number): boolean {
    if (this.fresh) {
      this.fresh = false;
      const word = this.detectFourLetterWords ? fourLetterWordOfInt(length) : undefined;
      if (word !== undefined) {
        this.fourLetterWord = word;
        this.chunks = [];
        this.head = 0;
        this.buffered = 0;
        return true;
      }
    }
    if (length < 0) throw juteError(R.FRAME_NEGATIVE_LENGTH, `frame length ${length}`);
    const max = this.framesStarted++ === 0 ? this.firstFrameBytesMax : this.frameBytesMax;
    if (length > max) {
      throw juteError(R.FRAME_TOO_LARGE, `frame length ${length} exceeds ${this.framesStarted === 1 && max < this.frameBytesMax ? "the first frame's bound" : "frameBytesMax"} ${max}`);
    }
    this.bodyBytes = length;
    return false;
  }

  /** The next n buffered bytes (n <= buffered): a view when one chunk holds them, else one copy. */
  private consume(n: number): Uint8Array {
    this.buffered -= n;
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[this.head]!;
    if (n <= first.length) {
      this.advance(first, n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.head]!;
      const take = Math.min(chunk.length, n - filled);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      this.advance(chunk, take);
    }
    return out;
  }

  /** Drops `taken` bytes of the head chunk; an index, not shift(), so many tiny chunks stay O(n). */
  private advance(chunk: Uint8Array, taken: number): void {
    if (taken < chunk.length) {
      this.chunks[this.head] = chunk.subarray(taken);
      return;
    }
    this.chunks[this.head++] = EMPTY;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    }
  }
}
