// The frame splitter: lengths checked before buffering, views not copies, four-letter words.
import { describe, expect, it } from "vitest";
import { DecodeError } from "../src/errors.js";
import { JuteDecodeReason, JuteFrameSplitter, JUTE_FRAME_BYTES_MAX_DEFAULT, decodeRequest } from "../src/jute/index.js";

const length = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n);
  return b;
};
const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return (e as DecodeError).reason;
  }
  return "no error";
};

describe("JuteFrameSplitter", () => {
  it("accepts a frame of exactly frameBytesMax and refuses one byte more, as soon as the length is read", () => {
    const split = new JuteFrameSplitter({ frameBytesMax: 8 });
    expect(split.feed(Uint8Array.of(...length(8), 1, 2, 3, 4, 5, 6, 7, 8))).toHaveLength(1);
    expect(reasonOf(() => split.feed(length(9)))).toBe(JuteDecodeReason.FRAME_TOO_LARGE);
    expect(split.bufferedBytes).toBe(0);
  });

  it("refuses a negative length, then refuses to go on", () => {
    const split = new JuteFrameSplitter();
    expect(reasonOf(() => split.feed(length(-1)))).toBe(JuteDecodeReason.FRAME_NEGATIVE_LENGTH);
    expect(reasonOf(() => split.feed(length(0)))).toBe(JuteDecodeReason.STREAM_FAILED);
  });

  it("defaults frameBytesMax to 1 MiB of data plus 64 KiB", () => {
    expect(new JuteFrameSplitter().frameBytesMax).toBe(JUTE_FRAME_BYTES_MAX_DEFAULT);
    expect(JUTE_FRAME_BYTES_MAX_DEFAULT).toBe(1024 * 1024 + 65536);
  });

  it("hands on a frame inside one chunk as a view, and copies a frame spanning chunks once", () => {
    const chunk = Uint8Array.of(...length(2), 7, 8, ...length(3), 1);
    const split = new JuteFrameSplitter();
    const [inside] = split.feed(chunk);
    expect(inside!.buffer).toBe(chunk.buffer);
    expect(split.bufferedBytes).toBe(1);
    const [spanning] = split.feed(Uint8Array.of(2, 3));
    expect(spanning!.buffer).not.toBe(chunk.buffer);
    expect([...spanning!]).toEqual([1, 2, 3]);
  });

  it("splits no further than it is asked: frames not taken with next() stay bytes, in order, and are taken later", () => {
    const frames = Array.from({ length: 5 }, (_, i) => Uint8Array.of(...length(i + 1), ...Array.from({ length: i + 1 }, () => i)));
    const split = new JuteFrameSplitter();
    split.push(Uint8Array.of(...frames.flatMap((f) => [...f])));
    expect([...split.next()!]).toEqual([0]);
    expect(split.bufferedBytes).toBe(frames.slice(1).reduce((n, f) => n + f.length, 0));
    // More bytes arrive while the caller takes nothing: they are kept, not split.
    split.push(Uint8Array.of(...length(1), 9));
    const rest: number[][] = [];
    for (let f = split.next(); f !== undefined; f = split.next()) rest.push([...f]);
    expect(rest).toEqual([[1, 1], [2, 2, 2], [3, 3, 3, 3], [4, 4, 4, 4, 4], [9]]);
    expect(split.bufferedBytes).toBe(0);
  });

  it("gives the same frames whether the stream comes in one chunk or byte by byte", () => {
    const stream = Uint8Array.of(...length(3), 1, 2, 3, ...length(0), ...length(2), 4, 5);
    const whole = new JuteFrameSplitter().feed(stream).map((f) => [...f]);
    const split = new JuteFrameSplitter();
    const bytewise = [...stream].flatMap((b) => split.feed(Uint8Array.of(b)).map((f) => [...f]));
    expect(bytewise).toEqual(whole);
    expect(whole).toEqual([[1, 2, 3], [], [4, 5]]);
  });

  it("a length split across chunks is read once it is whole", () => {
    const split = new JuteFrameSplitter();
    expect(split.feed(Uint8Array.of(0, 0))).toEqual([]);
    expect(split.feed(Uint8Array.of(0, 1, 42))).toEqual([Uint8Array.of(42)]);
  });

  it("a zero-length frame is an empty frame, which no record decodes from", () => {
    const [empty] = new JuteFrameSplitter().feed(length(0));
    expect(empty).toEqual(new Uint8Array(0));
    expect(reasonOf(() => decodeRequest(empty!))).toBe(JuteDecodeReason.TRUNCATED);
  });

  it("recognises a four-letter word only as the first 4 bytes of a connection", () => {
    const ruok = new TextEncoder().encode("ruok");
    const fresh = new JuteFrameSplitter({ detectFourLetterWords: true });
    expect(fresh.feed(ruok)).toEqual([]);
    expect(fresh.fourLetterWord).toBe("ruok");
    expect(fresh.bufferedBytes).toBe(0);
    const later = new JuteFrameSplitter({ detectFourLetterWords: true });
    later.feed(Uint8Array.of(...length(1), 0));
    expect(reasonOf(() => later.feed(ruok))).toBe(JuteDecodeReason.FRAME_TOO_LARGE);
  });

  it("an unknown 4-letter word, or detection off, is just a frame too large", () => {
    expect(reasonOf(() => new JuteFrameSplitter({ detectFourLetterWords: true }).feed(new TextEncoder().encode("abcd")))).toBe(
      JuteDecodeReason.FRAME_TOO_LARGE,
    );
    expect(reasonOf(() => new JuteFrameSplitter().feed(new TextEncoder().encode("ruok")))).toBe(JuteDecodeReason.FRAME_TOO_LARGE);
  });

  it("many one-byte chunks of a large frame are joined in linear time", () => {
    const split = new JuteFrameSplitter();
    split.feed(length(200_000));
    const one = Uint8Array.of(1);
    const started = performance.now();
    let frames: Uint8Array[] = [];
    for (let i = 0; i < 200_000; i++) frames = split.feed(one);
    expect(frames[0]!.length).toBe(200_000);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
