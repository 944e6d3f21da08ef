// Sizes for codec properties. A project rule: every encoder and decoder round-trips with
// lengths drawn across every buffer-growth boundary, up to its bound. Our writers grow in
// powers of two (JuteWriter from 256 bytes, doubling; cbor-x from 8 KiB, in 4 KiB steps; the
// tree's latin1 pool and snapshot frames at 4 and 64 KiB), so a size of 2^k + δ, δ from -16 to
// +80, ends a variable-length field just short of a boundary, on it, or past it, which lands
// the fixed-width fields after it (a Stat is 68 bytes) across one.
// Every draw comes from fast-check: a failure prints the seed and path that replay it; set
// WARDEN_FC_SEED and WARDEN_FC_PATH (and `-t` the test's name) to run exactly that case again.
import fc from "fast-check";

/**
 * `make` with its results kept by argument: an arbitrary is built once per size, not once per
 * draw (listOf asks for one per count drawn, and building fc.string's units is not cheap).
 */
export function memoized<A extends unknown[], R>(make: (...args: A) => R): (...args: A) => R {
  const made = new Map<string, R>();
  return (...args) => {
    const key = JSON.stringify(args);
    let result = made.get(key);
    if (result === undefined) made.set(key, (result = make(...args)));
    return result;
  };
}

/** Offsets drawn around each power of two. */
export const BOUNDARY_OFFSET_MIN = -16;
/** The largest offset drawn around a power of two. */
export const BOUNDARY_OFFSET_MAX = 80;
/** Every size up to this is drawn often: all of JuteWriter's first three boundaries (256, 512, 1024). */
export const SMALL_BYTES_MAX = 1100;
/** The smallest power of two drawn around. */
const BOUNDARY_EXPONENT_MIN = 4;

/**
 * A size in [bytesMin, bytesMax]: mostly small (up to SMALL_BYTES_MAX), often 2^k + δ for a
 * power of two up to bytesMax, now and then anywhere up to bytesMax, and sometimes bytesMax
 * itself. Big sizes are few, so a property's run time stays near that of its small runs.
 */
export const sizeAcrossBoundaries = memoized((bytesMax: number, bytesMin: number = 0): fc.Arbitrary<number> => {
  if (!Number.isSafeInteger(bytesMax) || !Number.isSafeInteger(bytesMin) || bytesMin < 0 || bytesMax < bytesMin) {
    throw new RangeError(`sizeAcrossBoundaries: need 0 <= bytesMin <= bytesMax, got ${bytesMin}, ${bytesMax}`);
  }
  const clamp = (n: number) => Math.min(bytesMax, Math.max(bytesMin, n));
  const exponentMax = Math.floor(Math.log2(Math.max(bytesMax, 1)));
  const sizes: fc.WeightedArbitrary<number>[] = [
    { weight: 12, arbitrary: fc.integer({ min: bytesMin, max: Math.min(bytesMax, Math.max(bytesMin, SMALL_BYTES_MAX)) }) },
    { weight: 1, arbitrary: fc.integer({ min: bytesMin, max: bytesMax }) },
    { weight: 1, arbitrary: fc.constant(bytesMax) },
  ];
  if (exponentMax >= BOUNDARY_EXPONENT_MIN) {
    const nearPowerOfTwo = fc
      .tuple(
        fc.integer({ min: BOUNDARY_EXPONENT_MIN, max: exponentMax }),
        fc.integer({ min: BOUNDARY_OFFSET_MIN, max: BOUNDARY_OFFSET_MAX }),
      )
      .map(([k, offset]) => clamp(2 ** k + offset));
    sizes.push({ weight: 6, arbitrary: nearPowerOfTwo });
  }
  return fc.oneof(...sizes);
});

/**
 * A count for a list (children, ACL entries, multi ops): mostly 0 to 8, sometimes near a
 * power of two up to itemsMax, sometimes itemsMax itself.
 */
export const countAcrossBoundaries = memoized((itemsMax: number): fc.Arbitrary<number> => {
  const exponentMax = Math.floor(Math.log2(Math.max(itemsMax, 1)));
  return fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 0, max: Math.min(8, itemsMax) }) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: exponentMax }), fc.integer({ min: -2, max: 2 }))
        .map(([k, d]) => Math.min(itemsMax, Math.max(0, 2 ** k + d))),
    },
    { weight: 1, arbitrary: fc.constant(itemsMax) },
  );
});

/**
 * A list of `count` items made by cycling through a few drawn ones: long lists cost the
 * drawing of a handful of items, not of thousands. `item(n)` is asked for the arbitrary of
 * one item of n, so that it can scale its sizes down and keep the list within a frame.
 */
export function listOf<T>(count: fc.Arbitrary<number>, item: (count: number) => fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return count.chain((n) =>
    fc.array(item(n), { minLength: 1, maxLength: 4 }).map((pool) => Array.from({ length: n }, (_, i) => pool[i % pool.length]!)),
  );
}

/** `length` bytes of a pattern drawn by its seed (drawing a megabyte byte by byte would take seconds). */
export function patternBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const words = new Int32Array(bytes.buffer, 0, length >>> 2);
  let x = seed | 1;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5));
  for (let i = 0; i < words.length; i++) words[i] = next();
  for (let i = words.length * 4; i < length; i++) bytes[i] = next();
  return bytes;
}

/** Bytes of a size drawn by sizeAcrossBoundaries. */
export const bytesAcrossBoundaries = memoized(
  (bytesMax: number, bytesMin: number = 0): fc.Arbitrary<Uint8Array> =>
    fc.tuple(sizeAcrossBoundaries(bytesMax, bytesMin), fc.integer()).map(([n, seed]) => patternBytes(n, seed)),
);

/**
 * fast-check parameters: `numRuns`, and the seed and path of a failure to replay when
 * WARDEN_FC_SEED (and WARDEN_FC_PATH) are set.
 */
export function propertyRuns(numRuns: number): { numRuns: number; seed?: number; path?: string } {
  const seed = process.env.WARDEN_FC_SEED;
  const path = process.env.WARDEN_FC_PATH;
  return { numRuns, ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}) };
}

/**
 * `value` with every Uint8Array replaced by its bytes as a base64 string, so that deep
 * equality of megabyte messages is one string comparison each (vitest walks arrays element by
 * element) and a plain Uint8Array equals a Buffer of the same bytes.
 */
export function withBytesAsText(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64")}`;
  if (Array.isArray(value)) return value.map(withBytesAsText);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withBytesAsText(v)]));
  }
  return value;
}
