// The pool hands out views that never overlap, are zeroed and aligned; a pooled writer's
// frames are byte for byte an unpooled writer's, and stay intact while later frames are made.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BYTES_POOL_BYTES, BytesPool, POOLED_BYTES_MAX } from "../src/bytes-pool.js";
import { JuteWriter } from "../src/jute/writer.js";

/** Sizes around every boundary: empty, the on-heap limit, the pooled limit, a pool's end. */
const size = fc.oneof(
  fc.integer({ min: 0, max: 80 }),
  fc.integer({ min: POOLED_BYTES_MAX - 16, max: POOLED_BYTES_MAX + 16 }),
  fc.integer({ min: 0, max: 2 * POOLED_BYTES_MAX }),
);

describe("BytesPool", () => {
  it("gives zeroed, 8-byte aligned views that never overlap, across many pools", () => {
    fc.assert(
      fc.property(fc.array(size, { minLength: 1, maxLength: 120 }), (sizes) => {
        const pool = new BytesPool();
        const views = sizes.map((n, k) => {
          const v = pool.take(n);
          expect(v.length).toBe(n);
          expect(v.every((b) => b === 0)).toBe(true);
          if (n <= POOLED_BYTES_MAX) expect(v.byteOffset % 8).toBe(0);
          v.fill((k % 251) + 1);
          return v;
        });
        views.forEach((v, k) => expect(v.every((b) => b === (k % 251) + 1)).toBe(true));
      }),
    );
  });

  it("starts a new pool when the current one cannot hold the next view", () => {
    const pool = new BytesPool();
    const first = pool.take(POOLED_BYTES_MAX);
    const views = Array.from({ length: BYTES_POOL_BYTES / POOLED_BYTES_MAX }, () => pool.take(POOLED_BYTES_MAX));
    expect(views.at(-1)!.buffer).not.toBe(first.buffer);
    expect(pool.take(POOLED_BYTES_MAX + 1).buffer.byteLength).toBe(POOLED_BYTES_MAX + 1);
  });
});

type Field = { int: number } | { long: bigint } | { bytes: number } | { text: string };
const field: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ int: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  fc.record({ long: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
  fc.record({ bytes: size }),
  fc.record({ text: fc.string({ maxLength: 300 }) }),
);

function write(fields: readonly Field[], pooled: boolean): Uint8Array {
  const w = new JuteWriter(undefined, undefined, pooled);
  for (const f of fields) {
    if ("int" in f) w.int(f.int);
    else if ("long" in f) w.long(f.long);
    else if ("bytes" in f) w.buffer(new Uint8Array(f.bytes).map((_, i) => i & 0xff));
    else w.string(f.text);
  }
  return w.frame();
}

describe("a pooled JuteWriter", () => {
  it("writes the same frames as an unpooled one, which later frames leave intact", () => {
    fc.assert(
      fc.property(fc.array(fc.array(field, { maxLength: 12 }), { minLength: 1, maxLength: 20 }), (frames) => {
        const made = frames.map((fields) => write(fields, true));
        made.forEach((frame, k) => expect(Buffer.compare(frame, write(frames[k]!, false))).toBe(0));
      }),
    );
  });
});
