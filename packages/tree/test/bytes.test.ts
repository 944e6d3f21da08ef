// Znode data is kept as a latin1 string (bytes.ts). Under Node the copies use Buffer's
// native latin1 codec; elsewhere a plain-JS path. Both must give the same strings and bytes.
import { afterEach, describe, expect, it, vi } from "vitest";
import fc from "fast-check";

type Bytes = typeof import("../src/bytes.js");

async function load(withBuffer: boolean): Promise<Bytes> {
  vi.resetModules();
  if (!withBuffer) vi.stubGlobal("Buffer", undefined);
  return import("../src/bytes.js");
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("latin1 data strings", () => {
  it("round-trip every byte value the same with Node's Buffer and without it", async () => {
    const native = await load(true);
    const plain = await load(false);
    expect((globalThis as { Buffer?: unknown }).Buffer).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000, size: "medium" }), (bytes) => {
        const s = native.bytesToLatin1(bytes);
        expect(plain.bytesToLatin1(bytes)).toBe(s);
        expect(s.length).toBe(bytes.length);
        expect(native.latin1ToBytes(s)).toEqual(bytes);
        expect(plain.latin1ToBytes(s)).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it("gives copies: changing a result does not change the stored string or another result", async () => {
    const { bytesToLatin1, latin1ToBytes } = await load(true);
    const s = bytesToLatin1(new Uint8Array([1, 2, 3]));
    const a = latin1ToBytes(s);
    const b = latin1ToBytes(s);
    a[0] = 9;
    expect([...b]).toEqual([1, 2, 3]);
    expect([...latin1ToBytes(s)]).toEqual([1, 2, 3]);
  });
});
