import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodeError, NativeCodec } from "@warden/protocol";
import { cbor } from "./helpers.js";
import { clientFrames, serverFrames } from "./samples.js";

const codec = new NativeCodec({ frameBytesMax: 4096, dataBytesMax: 1024 });
const RUNS = 3000;

/** Decodes with both directions; anything thrown must be a DecodeError. */
function decodeBoth(bytes: Uint8Array): void {
  for (const decode of [() => codec.decodeClientFrame(bytes), () => codec.decodeServerFrame(bytes)]) {
    try {
      decode();
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      expect(e.reason).toMatch(/^WARDEN_ERR_/);
    }
  }
}

const validFrames = [...clientFrames.map((f) => codec.encodeClientFrame(f)), ...serverFrames.map((f) => codec.encodeServerFrame(f))];

type Mutation = { kind: "set" | "insert" | "delete"; at: number; byte: number } | { kind: "truncate"; at: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("set" as const, "insert" as const, "delete" as const),
    at: fc.nat(),
    byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x1b, 0x5a, 0x7b, 0x9a, 0xbb, 0xff, 0xc6, 0xf8)),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(frame: Uint8Array, mutations: Mutation[]): Uint8Array {
  const bytes = [...frame];
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    if (m.kind === "set") bytes[at] = m.byte;
    else if (m.kind === "insert") bytes.splice(at, 0, m.byte);
    else if (m.kind === "delete") bytes.splice(at, 1);
    else bytes.length = at;
  }
  return Uint8Array.from(bytes);
}

describe("native decoder fuzzing (seeded by fast-check; a failure prints its seed)", () => {
  it("throws nothing but DecodeError on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => decodeBoth(bytes)),
      { numRuns: RUNS },
    );
  });

  it("throws nothing but DecodeError on mutated valid frames, and what decodes re-encodes to the same", () => {
    fc.assert(
      fc.property(fc.constantFrom(...validFrames), fc.array(mutation, { minLength: 1, maxLength: 4 }), (frame, mutations) => {
        const bytes = mutate(frame, mutations);
        decodeBoth(bytes);
        let decoded;
        try {
          decoded = codec.decodeServerFrame(bytes);
        } catch {
          return;
        }
        expect(codec.decodeServerFrame(codec.encodeServerFrame(decoded))).toEqual(decoded);
      }),
      { numRuns: RUNS },
    );
  });

  it("throws nothing but DecodeError on arbitrary CBOR values, in a frame or in a request", () => {
    const value = fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, withObjectString: true, maxDepth: 4 });
    fc.assert(
      fc.property(value, (v) => {
        decodeBoth(cbor(v));
        decodeBoth(cbor({ kind: "request", xid: 1, request: v }));
        decodeBoth(cbor({ kind: "reply", xid: 1, zxid: 1n, err: 0, response: v }));
      }),
      { numRuns: RUNS },
    );
  });

  it("checks a declared length against the frame before any decoding", () => {
    // Headers claiming up to 2^64 bytes or items, followed by a few real bytes.
    const header = fc.tuple(
      fc.constantFrom(0x5b, 0x7b, 0x9b, 0xbb),
      fc.bigInt({ min: 1n << 20n, max: (1n << 64n) - 1n }),
      fc.uint8Array({ maxLength: 16 }),
    );
    fc.assert(
      fc.property(header, ([initial, length, tail]) => {
        const size = new Uint8Array(8);
        new DataView(size.buffer).setBigUint64(0, length);
        const bytes = Uint8Array.from([0xa1, 0x64, 0x6b, 0x69, 0x6e, 0x64, initial, ...size, ...tail]);
        let thrown: unknown;
        try {
          codec.decodeServerFrame(bytes);
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBeInstanceOf(DecodeError);
        expect((thrown as DecodeError).reason).toBe("WARDEN_ERR_CBOR_TRUNCATED");
      }),
      { numRuns: 500 },
    );
  });
});
