// Mutations of valid encodings, as data (so a case prints and replays): positions are
// fractions of the length in [0, 65535], so one mutation applies to any frame.
import fc from "fast-check";

/** Integers that sit on the edges of length and count fields. */
export const INTERESTING_INT32 = [0, 1, -1, 2, 16, 255, 256, 4095, 4096, 65535, 65536, 0x7fffffff, -0x80000000, 0x100000, 0x10ffff, 0x110001, -2, 1 << 24] as const;

export type ByteMutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "byte"; at: number; value: number }
  | { op: "int32"; at: number; value: number }
  | { op: "prefix"; value: number }
  | { op: "truncate"; at: number }
  | { op: "extend"; bytes: Uint8Array }
  | { op: "repeat"; from: number; to: number; times: number }
  | { op: "delete"; from: number; to: number };

/** A repeat mutation adds at most this many bytes (a 1 MiB frame repeated 64 times would be too much). */
const REPEATED_BYTES_MAX = 4 * 1024 * 1024;
const position = fc.integer({ min: 0, max: 65535 });

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("flip" as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("byte" as const), at: position, value: fc.constantFrom(0, 0x7f, 0x80, 0xff, 1) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("int32" as const), at: position, value: fc.oneof(fc.constantFrom(...INTERESTING_INT32), fc.integer({ min: -0x80000000, max: 0x7fffffff })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("prefix" as const), value: fc.oneof(fc.constantFrom(...INTERESTING_INT32), fc.integer({ min: -64, max: 64 })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("truncate" as const), at: position }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("extend" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("repeat" as const), from: position, to: position, times: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), from: position, to: position }) },
);

const at = (pos: number, length: number) => Math.min(length, Math.floor((pos * length) / 65536));

function range(from: number, to: number, length: number): [number, number] {
  const a = at(Math.min(from, to), length);
  const b = at(Math.max(from, to), length);
  return [a, Math.max(a, b)];
}

/** `bytes` with one mutation applied (a new array; `bytes` is not changed). */
export function applyByteMutation(bytes: Uint8Array, m: ByteMutation): Uint8Array {
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
    case "extend":
      return concatBytes([out, m.bytes]);
    case "repeat": {
      const [a, b] = range(m.from, m.to, out.length);
      const slice = out.subarray(a, b);
      const times = Math.min(m.times, Math.floor(REPEATED_BYTES_MAX / Math.max(1, slice.length)));
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

export function applyByteMutations(bytes: Uint8Array, ms: readonly ByteMutation[]): Uint8Array {
  return ms.reduce(applyByteMutation, bytes);
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
    frameMutations: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant<ByteMutation[]>([]) }, { weight: 1, arbitrary: fc.array(byteMutation, { minLength: 1, maxLength: 3 }) }), { maxLength: framesMax }),
    sequence: fc.oneof({ weight: 3, arbitrary: fc.constant<SequenceMutation[]>([]) }, { weight: 1, arbitrary: fc.array(sequenceMutation, { minLength: 1, maxLength: 4 }) }),
    cuts: fc.array(position, { maxLength: 6 }),
  });

export function applyMutatedSequence(frames: readonly Uint8Array[], m: MutatedSequence): Uint8Array[] {
  const mutated = frames.map((f, i) => applyByteMutations(f, m.frameMutations[i] ?? []));
  return applySequenceMutations(mutated, m.sequence);
}

/** Values of every CBOR shape, weighted towards the edges of what a schema checks. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4, withBigInt: true, withTypedArray: true, withMap: true, withSet: true, withDate: true, withNullPrototype: true }) },
  { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, -(2 ** 53), 2 ** 31, -(2 ** 31) - 1, 2 ** 64, 1.5, null, undefined, true, "", 0n, -1n, 2n ** 64n, 2n ** 63n) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => "x".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map((n) => new Array<number>(n).fill(0)) },
);

/** A change to a decoded message's structure: a field replaced by a value of another shape, removed, or added. */
export type ValueMutation = { op: "replace"; at: number; value: unknown } | { op: "delete"; at: number } | { op: "add"; at: number; key: string; value: unknown };

export const valueMutation: fc.Arbitrary<ValueMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: anyValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("add" as const), at: fc.nat(), key: fc.oneof(fc.constantFrom("__proto__", "constructor", "kind", "type", "xid"), fc.string({ maxLength: 8 })), value: anyValue }) },
);

type Slot = { holder: Record<string | number, unknown> | unknown[]; key: string | number };

/** Every field and array item below `root`, depth first (byte arrays are leaves). */
function slots(root: unknown, out: Slot[] = []): Slot[] {
  if (root === null || typeof root !== "object" || ArrayBuffer.isView(root) || root instanceof Map || root instanceof Set || root instanceof Date) return out;
  const entries: Array<[string | number, unknown]> = Array.isArray(root) ? root.map((v, i) => [i, v]) : Object.entries(root);
  for (const [key, v] of entries) {
    out.push({ holder: root as Slot["holder"], key });
    slots(v, out);
  }
  return out;
}

/** A structural copy of `value` with the mutations applied (`value` is not changed). */
export function applyValueMutations(value: unknown, ms: readonly ValueMutation[]): unknown {
  const root = { value: structuredClone(value) };
  for (const m of ms) {
    const all = slots(root);
    if (all.length === 0) break; // the whole value was deleted
    const slot = all[m.at % all.length]!;
    if (m.op === "replace") (slot.holder as Record<string | number, unknown>)[slot.key] = m.value;
    else if (m.op === "delete") Array.isArray(slot.holder) ? slot.holder.splice(Number(slot.key), 1) : delete (slot.holder as Record<string, unknown>)[slot.key];
    else {
      const target = (slot.holder as Record<string | number, unknown>)[slot.key];
      if (target !== null && typeof target === "object" && !ArrayBuffer.isView(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
  }
  return root.value;
}
