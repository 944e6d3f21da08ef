// Mutations of valid encodings, as data (so a case prints and replays): positions are
// fractions of the length in [0, 65535], so one mutation applies to any frame.
import fc from "fast-check";

/** Integers that sit on the edges of length and count fields. */
export const INTERESTING_INT32 = [
  0,
  1,
  -1,
  2,
  16,
  255,
  256,
  4095,
  4096,
  65535,
  65536,
  0x7fffffff,
  -0x80000000,
  0x100000,
  0x10ffff,
  0x110001,
  -2,
  1 << 24,
] as const;

export type ByteMutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "byte"; at: number; value: number }
  | { op: "int32"; at: number; value: number }
  | { op: "prefix"; value: number }
  | { op: "truncate"; at: number }
  | { op: "extend"; bytes: Uint8Array }
  | { op: "repeat"; from: number; to: number; times: number }
  | { op: "delete"; from: number; to: number };

/**
 * The bytes repeats and extensions may add to the frames of one call (applyByteMutations, or
 * one sequence): past every frame limit of the server (jute.maxbuffer and frameBytesMax are
 * about 1 MiB) by as much again, and no more: a 1 MiB frame repeated 64 times, in each of 24
 * frames, would be 1.5 GiB for nothing the server does not already see at 2 MiB.
 */
export const GROWTH_BYTES_MAX = 2 * 1024 * 1024;
const position = fc.integer({ min: 0, max: 65535 });

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("flip" as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("byte" as const), at: position, value: fc.constantFrom(0, 0x7f, 0x80, 0xff, 1) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("int32" as const),
      at: position,
      value: fc.oneof(fc.constantFrom(...INTERESTING_INT32), fc.integer({ min: -0x80000000, max: 0x7fffffff })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("prefix" as const),
      value: fc.oneof(fc.constantFrom(...INTERESTING_INT32), fc.integer({ min: -64, max: 64 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("truncate" as const), at: position }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("extend" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("repeat" as const), from: position, to: position, times: fc.integer({ min: 1, max: 64 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), from: position, to: position }) },
);

const at = (pos: number, length: number) => Math.min(length, Math.floor((pos * length) / 65536));

function range(from: number, to: number, length: number): [number, number] {
  const a = at(Math.min(from, to), length);
  const b = at(Math.max(from, to), length);
  return [a, Math.max(a, b)];
}

/** What repeats and extensions may still add (shared by the frames of one call). */
export interface Growth {
  bytes: number;
}

/** `bytes` with one mutation applied (a new array; `bytes` is not changed); growth comes out of `growth`. */
export function applyByteMutation(bytes: Uint8Array, m: ByteMutation, growth: Growth = { bytes: GROWTH_BYTES_MAX }): Uint8Array {
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  switch (m.op) {
    case "flip":
      if (out.length > 0) out[at(m.at, out.length - 1)]! ^= 1 << m.bit;
      return out;
    case "byte":
      if (out.length > 0) out[at(m.at, out.length - 1)] = m.value;
      return out;
    case "int32":
      if (out.length >= 4) view.setInt32(at(m.at, out.length - 4), m.value);
      return out;
    case "prefix":
      if (out.length >= 4) view.setInt32(0, m.value);
      return out;
    case "truncate":
      return out.subarray(0, at(m.at, out.length));
    case "extend": {
      const added = m.bytes.subarray(0, Math.max(0, growth.bytes));
      growth.bytes -= added.length;
      return concatBytes([out, added]);
    }
    case "repeat": {
      const [a, b] = range(m.from, m.to, out.length);
      const slice = out.subarray(a, b);
      const times = Math.max(0, Math.min(m.times, Math.floor(growth.bytes / Math.max(1, slice.length))));
      growth.bytes -= times * slice.length;
      return concatBytes([out.subarray(0, b), ...Array.from({ length: times }, () => slice), out.subarray(b)]);
    }
    case "delete": {
      const [a, b] = range(m.from, m.to, out.length);
      return concatBytes([out.subarray(0, a), out.subarray(b)]);
    }
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** `bytes` with the mutations applied, growing by GROWTH_BYTES_MAX at most (or what is left of `growth`). */
export function applyByteMutations(
  bytes: Uint8Array,
  ms: readonly ByteMutation[],
  growth: Growth = { bytes: GROWTH_BYTES_MAX },
): Uint8Array {
  return ms.reduce((out, m) => applyByteMutation(out, m, growth), bytes);
}

/** Reordering, duplicating and dropping whole frames of a valid sequence. */
export type SequenceMutation = { op: "swap"; i: number; j: number } | { op: "duplicate"; i: number } | { op: "drop"; i: number };

export const sequenceMutation: fc.Arbitrary<SequenceMutation> = fc.oneof(
  fc.record({ op: fc.constant("swap" as const), i: fc.nat(63), j: fc.nat(63) }),
  fc.record({ op: fc.constant("duplicate" as const), i: fc.nat(63) }),
  fc.record({ op: fc.constant("drop" as const), i: fc.nat(63) }),
);

export function applySequenceMutations<T>(items: readonly T[], ms: readonly SequenceMutation[]): T[] {
  const out = [...items];
  for (const m of ms) {
    if (out.length === 0) break;
    const i = m.i % out.length;
    if (m.op === "swap") [out[i], out[m.j % out.length]] = [out[m.j % out.length]!, out[i]!];
    else if (m.op === "duplicate") out.splice(i, 0, out[i]!);
    else out.splice(i, 1);
  }
  return out;
}

/** Frames, each mutated with the chance the case drew, then reordered. */
export interface MutatedSequence {
  /** Per frame: the mutations applied to it (empty: sent as encoded). */
  frameMutations: ByteMutation[][];
  sequence: SequenceMutation[];
  /** Cut points of the bytes into separate writes. */
  cuts: number[];
}

export const mutatedSequence = (framesMax: number): fc.Arbitrary<MutatedSequence> =>
  fc.record({
    frameMutations: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constant<ByteMutation[]>([]) },
        { weight: 1, arbitrary: fc.array(byteMutation, { minLength: 1, maxLength: 3 }) },
      ),
      { maxLength: framesMax },
    ),
    sequence: fc.oneof(
      { weight: 3, arbitrary: fc.constant<SequenceMutation[]>([]) },
      { weight: 1, arbitrary: fc.array(sequenceMutation, { minLength: 1, maxLength: 4 }) },
    ),
    cuts: fc.array(position, { maxLength: 6 }),
  });

/** The frames mutated (growing by GROWTH_BYTES_MAX in all), then reordered, duplicated or dropped. */
export function applyMutatedSequence(frames: readonly Uint8Array[], m: MutatedSequence): Uint8Array[] {
  const growth: Growth = { bytes: GROWTH_BYTES_MAX };
  const mutated = frames.map((f, i) => applyByteMutations(f, m.frameMutations[i] ?? [], growth));
  return applySequenceMutations(mutated, m.sequence);
}

/** Values of every CBOR shape, weighted towards the edges of what a schema checks. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.anything({
      maxDepth: 2,
      maxKeys: 4,
      withBigInt: true,
      withTypedArray: true,
      withMap: true,
      withSet: true,
      withDate: true,
      withNullPrototype: true,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      NaN,
      Infinity,
      -Infinity,
      -0,
      2 ** 53,
      -(2 ** 53),
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 64,
      1.5,
      null,
      undefined,
      true,
      "",
      0n,
      -1n,
      2n ** 64n,
      2n ** 63n,
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => "x".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map((n) => new Array<number>(n).fill(0)) },
);

/** A change to a decoded message's structure: a field replaced by a value of another shape, removed, or added. */
export type ValueMutation =
  | { op: "replace"; at: number; value: unknown }
  | { op: "delete"; at: number }
  | { op: "add"; at: number; key: string; value: unknown };

export const valueMutation: fc.Arbitrary<ValueMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: anyValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("add" as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom("__proto__", "constructor", "kind", "type", "xid"), fc.string({ maxLength: 8 })),
      value: anyValue,
    }),
  },
);

type Slot = { holder: Record<string | number, unknown> | unknown[]; key: string | number };

/** Leaves of a value: mutations replace them whole, never descend into them. */
const isLeaf = (v: unknown): boolean =>
  v === null || typeof v !== "object" || ArrayBuffer.isView(v) || v instanceof Map || v instanceof Set || v instanceof Date;

/** Nodes in a value that value mutations apply to; a larger one is a fuzzer bug, said so rather than an exhausted heap. */
const TREE_NODES_MAX = 1_000_000;

/**
 * A copy of `value` as a tree: arrays and objects copied (prototype kept, so null-prototype
 * objects stay so), and a value referenced from two places copied twice. structuredClone keeps
 * sharing, and the generators share (an ACL of 5,000 entries holds one `world` id): a field
 * replaced inside a shared object then appears in every place that shares it, and a
 * 90,000-item array put in that id is 360 million items to walk and to encode. Maps, Sets and
 * Dates are copied shallowly (an "add" may define a field on them); typed arrays are shared
 * (no mutation writes into them).
 */
export function untangled(value: unknown, budget = { nodes: TREE_NODES_MAX }): unknown {
  if (--budget.nodes < 0) throw new Error(`a value of over ${TREE_NODES_MAX} nodes to mutate (a generator without a bound)`);
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
  if (value instanceof Map) return new Map(value);
  if (value instanceof Set) return new Set(value);
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = untangled(value[i], budget);
    return out;
  }
  const out = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  for (const key of Object.keys(value))
    Object.defineProperty(out, key, {
      value: untangled((value as Record<string, unknown>)[key], budget),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

/** Every field and array item below `root`, depth first (leaves are not entered); `root` is a tree (untangled). */
function slots(root: unknown, out: Slot[] = []): Slot[] {
  if (isLeaf(root)) return out;
  const holder = root as Slot["holder"];
  const keys: Array<string | number> = Array.isArray(root) ? Array.from({ length: root.length }, (_, i) => i) : Object.keys(root as object);
  for (const key of keys) {
    out.push({ holder, key });
    slots((holder as Record<string | number, unknown>)[key], out);
  }
  return out;
}

/**
 * A copy of `value` with the mutations applied (`value` and the mutations' values are not
 * changed: both are copied as trees, so the result's size is the value's plus the inserted
 * values', however much either shared).
 */
export function applyValueMutations(value: unknown, ms: readonly ValueMutation[]): unknown {
  const root = { value: untangled(value) };
  for (const m of ms) {
    const all = slots(root);
    if (all.length === 0) break; // the whole value was deleted
    const slot = all[m.at % all.length]!;
    const holder = slot.holder as Record<string | number, unknown>;
    if (m.op === "replace") holder[slot.key] = untangled(m.value);
    else if (m.op === "delete") Array.isArray(slot.holder) ? slot.holder.splice(Number(slot.key), 1) : delete holder[slot.key];
    else {
      const target = holder[slot.key];
      if (target === null || typeof target !== "object" || ArrayBuffer.isView(target)) continue;
      try {
        Object.defineProperty(target, m.key, { value: untangled(m.value), enumerable: true, writable: true, configurable: true });
      } catch {
        // An array's `length` set to a non-number: a field that cannot be added, skipped.
      }
    }
  }
  return root.value;
}
