// Sizes of drawn values, as an encoding would write them, and lists cut to a byte budget: one
// item may sit on a limit of the server (data just over jute.maxbuffer, a 1 MB path), a list
// of such items is what must not grow without bound in the fuzzer's memory.

/**
 * The size of `value` as an encoding would write it (about: a byte per number and container
 * besides): every reference counted again, so a value shared by thousands of fields counts
 * thousands of times. Stops counting once past `stopAt`, so the walk itself stays bounded.
 */
export function encodedSize(value: unknown, stopAt = Number.MAX_SAFE_INTEGER): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= stopAt) {
    const v = stack.pop();
    if (typeof v === "string") total += Buffer.byteLength(v);
    else if (ArrayBuffer.isView(v)) total += v.byteLength;
    else if (v instanceof Map) (total += 1), stack.push(...v.keys(), ...v.values());
    else if (v instanceof Set) (total += 1), stack.push(...v);
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) (total += 1), stack.push(v[i]);
    else if (v !== null && typeof v === "object" && !(v instanceof Date))
      for (const k of Object.keys(v)) (total += Buffer.byteLength(k)), stack.push((v as Record<string, unknown>)[k]);
    else total += 8;
  }
  return total;
}

/** `items` up to where their encoded sizes add up past `bytesMax`; the first is always kept. */
export const withinBytes =
  (bytesMax: number) =>
  <T>(items: readonly T[]): T[] => {
    const kept: T[] = [];
    let total = 0;
    for (const item of items) {
      total += encodedSize(item, bytesMax);
      if (kept.length > 0 && total > bytesMax) break;
      kept.push(item);
    }
    return kept;
  };
