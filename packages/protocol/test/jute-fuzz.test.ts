// Fuzzed frames: random bytes, truncations, oversized lengths and counts. The only failure
// allowed is a DecodeError; nothing is allocated beyond what the frame holds.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OpCode } from "../src/codes.js";
import { DecodeError } from "../src/errors.js";
import {
  JuteDecodeReason,
  JuteFrameSplitter,
  decodeConnectRequest,
  decodeConnectResponse,
  decodeRequest,
  decodeServerFrame,
} from "../src/jute/index.js";
import { JuteWriter } from "../src/jute/writer.js";

const FUZZ = { numRuns: 300 };
const dir = fileURLToPath(new URL("./vectors/zk-3.8/", import.meta.url));
const captured: Uint8Array[] = readdirSync(dir)
  .flatMap((f) => JSON.parse(readFileSync(dir + f, "utf8")).frames as { kind: string; hex: string }[])
  .filter((f) => f.kind !== "raw")
  .map((f) => Uint8Array.from(Buffer.from(f.hex, "hex")).subarray(4));

/** Runs fn; a thrown error must be a DecodeError. */
function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

const decoders: ((b: Uint8Array) => unknown)[] = [
  decodeRequest,
  decodeConnectRequest,
  decodeConnectResponse,
  (b) => decodeServerFrame(b, (xid) => ({ opCode: Math.abs(xid) % 110, multiOpCodes: [1, 15] })),
];

describe("fuzzed jute input", () => {
  it("random bytes into any decoder throw nothing but DecodeError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const decode of decoders) onlyDecodeErrors(() => decode(bytes));
      }),
      FUZZ,
    );
  });

  it("captured frames truncated or with bytes flipped throw nothing but DecodeError", () => {
    const mutated = fc.record({
      frame: fc.constantFrom(...captured),
      cut: fc.nat(),
      flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(mutated, ({ frame, cut, flips }) => {
        const bytes = frame.slice(0, frame.length === 0 ? 0 : cut % (frame.length + 1));
        for (const { at, value } of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        for (const decode of decoders) onlyDecodeErrors(() => decode(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it("random streams in random chunks: frames within frameBytesMax, or a DecodeError", () => {
    const frameBytesMax = 64;
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1 }),
        fc.boolean(),
        (stream, cuts, detect) => {
          const split = new JuteFrameSplitter({ frameBytesMax, detectFourLetterWords: detect });
          onlyDecodeErrors(() => {
            for (let at = 0, i = 0; at < stream.length; at += cuts[i++ % cuts.length]!) {
              for (const frame of split.feed(stream.subarray(at, at + cuts[i % cuts.length]!)))
                expect(frame.length).toBeLessThanOrEqual(frameBytesMax);
              expect(split.bufferedBytes).toBeLessThanOrEqual(4 + frameBytesMax);
            }
          });
        },
      ),
      FUZZ,
    );
  });

  it("any length above frameBytesMax or below 0 is refused before a byte of it is buffered", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 1025, max: 0x7fffffff }), fc.integer({ min: -0x80000000, max: -1 })), (length) => {
        const split = new JuteFrameSplitter({ frameBytesMax: 1024 });
        const head = new Uint8Array(4);
        new DataView(head.buffer).setInt32(0, length);
        expect(() => split.feed(head)).toThrow(DecodeError);
        expect(split.bufferedBytes).toBe(0);
      }),
      FUZZ,
    );
  });

  const setWatches = (count: number) => new JuteWriter().int(1).int(OpCode.setWatches).long(0n).int(count).frame().subarray(4);

  it("a vector count below -1 or beyond the frame's bytes is BAD_COUNT, before any allocation", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -0x80000000, max: -2 }), fc.integer({ min: 1, max: 0x7fffffff })), (count) => {
        try {
          decodeRequest(setWatches(count));
          expect.fail("decoded");
        } catch (e) {
          expect((e as DecodeError).reason).toBe(JuteDecodeReason.BAD_COUNT);
        }
      }),
      FUZZ,
    );
  });

  it("a vector count of -1 is null, read as empty", () => {
    const frame = new JuteWriter().int(1).int(OpCode.setWatches).long(0n).int(-1).int(-1).int(0).frame().subarray(4);
    expect(decodeRequest(frame)).toMatchObject({ request: { dataWatches: [], existWatches: [], childWatches: [] } });
  });

  it("a string or buffer length below -1 or beyond the frame is BAD_LENGTH", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -0x80000000, max: -2 }), fc.integer({ min: 1, max: 0x7fffffff })), (len) => {
        const frame = new JuteWriter().int(1).int(OpCode.getData).int(len).frame().subarray(4);
        try {
          decodeRequest(frame);
          expect.fail("decoded");
        } catch (e) {
          expect((e as DecodeError).reason).toBe(JuteDecodeReason.BAD_LENGTH);
        }
      }),
      FUZZ,
    );
  });
});
