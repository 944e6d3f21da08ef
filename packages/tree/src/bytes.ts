// Znode data is stored as a one-byte ("latin1") string: V8 keeps such a string with a
// 16-byte header, where a Uint8Array costs about 180 bytes of objects and backing store.
// Reads copy it back into a view of a shared pool (as Node's Buffer.allocUnsafe does), so
// a read allocates no backing store of its own. No node: imports: under Node the copies
// use Buffer's native latin1 codec, found on globalThis (5x faster than String.fromCharCode
// over 100 bytes); elsewhere a plain-JS path gives the same strings and bytes.

import { pooledBytes } from "@warden/protocol";

const CHARS_PER_CALL = 8 * 1024;

/** Node's Buffer.prototype native latin1 methods, when present (they accept any Uint8Array). */
interface Latin1Native {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
  latin1Write(this: Uint8Array, s: string, offset: number, length: number): number;
}
const nativeBuffer = (globalThis as { Buffer?: { prototype: Partial<Latin1Native> } }).Buffer?.prototype;
const native: Latin1Native | undefined =
  typeof nativeBuffer?.latin1Slice === "function" && typeof nativeBuffer.latin1Write === "function"
    ? (nativeBuffer as Latin1Native)
    : undefined;

/** The latin1 string holding `bytes` (one char per byte). */
export function bytesToLatin1(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n === 0) return "";
  if (native !== undefined) return native.latin1Slice.call(bytes, 0, n);
  if (n <= CHARS_PER_CALL) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = "";
  for (let i = 0; i < n; i += CHARS_PER_CALL) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + CHARS_PER_CALL) as unknown as number[]);
  }
  return s;
}

/**
 * A fresh copy of the bytes in `s`. Small results are views into a shared 64 KiB pool:
 * callers may keep and mutate them, but must not assume `.buffer` is theirs alone.
 */
export function latin1ToBytes(s: string): Uint8Array {
  const out = pooledBytes(s.length);
  latin1Into(s, out, 0);
  return out;
}

/** Writes the bytes of latin1 string `s` into `out` at `at` (room for s.length is the caller's). */
export function latin1Into(s: string, out: Uint8Array, at: number): void {
  const n = s.length;
  if (native !== undefined && n > 0) native.latin1Write.call(out, s, at, n);
  else for (let i = 0; i < n; i++) out[at + i] = s.charCodeAt(i);
}

/** A fresh copy of `n` bytes of `src` from `start`, pooled as latin1ToBytes's copies are. */
export function copyBytes(src: Uint8Array, start: number, n: number): Uint8Array {
  const out = pooledBytes(n);
  copyInto(src, start, n, out, 0);
  return out;
}

/** Copies `n` bytes of `src` from `start` into `out` at `at`: a loop for a few bytes, else one native copy. */
export function copyInto(src: Uint8Array, start: number, n: number, out: Uint8Array, at: number): void {
  if (n <= 32) for (let i = 0; i < n; i++) out[at + i] = src[start + i]!;
  else out.set(start === 0 && n === src.length ? src : new Uint8Array(src.buffer, src.byteOffset + start, n), at);
}

/** The latin1 string of `n` bytes of `src` from `start`. */
export function latin1Of(src: Uint8Array, start: number, n: number): string {
  if (n === 0) return "";
  if (native !== undefined) return native.latin1Slice.call(src, start, start + n);
  return bytesToLatin1(new Uint8Array(src.buffer, src.byteOffset + start, n));
}

/** Node data as stored: null stays null (it is not ""). */
export function dataToLatin1(data: Uint8Array | null): string | null {
  return data === null ? null : bytesToLatin1(data);
}

/** Stored node data back to bytes: null stays null. */
export function dataToBytes(s: string | null): Uint8Array | null {
  return s === null ? null : latin1ToBytes(s);
}

/** Bytes of `s` in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD), without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}
