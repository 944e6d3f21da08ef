// A frame far over frameBytesMax is refused from a lower bound of its size, before cbor-x is
// asked to encode it: cbor-x would first grow its buffer to about four times the frame (a
// multiRead naming one 1 MiB buffer 400 times: gigabytes). Proven by counting, not by timing:
// cbor-x's Encoder is wrapped (vi.mock is hoisted above the imports) so that every encode()
// call is counted, and the lower bound's walk is watched item by item.
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_NATIVE_LIMITS, EMPTY_STAT, EncodeError, NativeCodec, frameBytesLowerBound, type ServerFrame } from "@warden/protocol";

const encodeCalls = vi.hoisted(() => ({ count: 0 }));

vi.mock("cbor-x", async (importOriginal) => {
  const original = await importOriginal<typeof import("cbor-x")>();
  class CountingEncoder extends original.Encoder {
    constructor(options?: ConstructorParameters<typeof original.Encoder>[0]) {
      super(options);
      const encode = this.encode;
      this.encode = (...args: Parameters<typeof encode>) => {
        encodeCalls.count++;
        return encode.apply(this, args);
      };
    }
  }
  return { ...original, Encoder: CountingEncoder };
});

const MiB = 1024 * 1024;
const FRAME_LIMIT = DEFAULT_NATIVE_LIMITS.frameBytesMax;
const RESULTS = 400;

/** A multiRead reply naming the same 1 MiB buffer in each of its 400 results; `reads` counts the results walked. */
function hugeReply(reads: { count: number }): ServerFrame {
  const data = new Uint8Array(MiB);
  const list = Array.from({ length: RESULTS }, () => ({ type: "getData" as const, data, stat: { ...EMPTY_STAT } }));
  const results = new Proxy(list, {
    get(target, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) reads.count++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { kind: "reply", xid: 1, zxid: 1n, err: 0, response: { type: "multiRead", results } };
}

describe("a frame far over frameBytesMax", () => {
  it("is known to be over from the first two of its 400 results: the lower bound stops walking there", () => {
    const reads = { count: 0 };
    const lowerBound = frameBytesLowerBound(hugeReply(reads), FRAME_LIMIT);
    expect(lowerBound).toBeGreaterThan(FRAME_LIMIT);
    expect(lowerBound).toBeLessThanOrEqual(FRAME_LIMIT + 2 * MiB);
    expect(reads.count).toBe(2);
  });

  it("is refused with EncodeError without cbor-x ever being called", () => {
    const codec = new NativeCodec();
    encodeCalls.count = 0;
    let thrown: unknown;
    try {
      codec.encodeServerFrame(hugeReply({ count: 0 }));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(EncodeError);
    expect((thrown as EncodeError).reason).toBe("WARDEN_ERR_FRAME_TOO_LARGE");
    expect((thrown as Error).message).toMatch(/at least \d+ bytes exceeds frameBytesMax/);
    expect(encodeCalls.count).toBe(0);
  });

  it("while a frame the lower bound lets through is encoded by cbor-x and checked exactly", () => {
    const frame: ServerFrame = {
      kind: "reply",
      xid: 1,
      zxid: 1n,
      err: 0,
      response: { type: "getData", data: new Uint8Array(900), stat: { ...EMPTY_STAT } },
    };
    // A bound equal to the lower bound: the walk lets the frame through, the CBOR heads and numbers take it over.
    const bytesMax = frameBytesLowerBound(frame, Number.MAX_SAFE_INTEGER);
    const codec = new NativeCodec({ frameBytesMax: bytesMax });
    encodeCalls.count = 0;
    expect(() => codec.encodeServerFrame(frame)).toThrow(new RegExp(`frame of \\d+ bytes exceeds frameBytesMax ${bytesMax}`));
    expect(encodeCalls.count).toBe(1);
  });
});
