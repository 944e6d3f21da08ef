import * as zlib from "node:zlib";

// CRC-32 (IEEE 802.3, the zlib/gzip polynomial). node:zlib.crc32 is native and fast but only
// exists from Node 20.15 / 22.2; older 20.x fall back to the table below, which computes the
// very same function, so files written by either are read by both.

type Crc32 = (data: Uint8Array, initial?: number) => number;

const CRC32_POLYNOMIAL_REVERSED = 0xedb88320;

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? CRC32_POLYNOMIAL_REVERSED ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

let table: Uint32Array | undefined;

/** The portable implementation; exported so tests can prove it equals the native one. */
export function crc32Table(data: Uint8Array, initial = 0): number {
  table ??= makeTable();
  let c = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as unknown as { crc32?: Crc32 }).crc32;

/**
 * Node's zlib.crc32 hands zlib a null pointer for an empty array that has no backing store
 * (`new Uint8Array(0)` once its .buffer was read, `new Uint8Array(new ArrayBuffer(0))`), and
 * zlib answers 0 for a null pointer whatever `initial` is: an empty payload's checksum then
 * depended on how its array was made, and read back as corrupt. No bytes continue `initial`.
 */
const nativeCrc32 =
  (crc: Crc32): Crc32 =>
  (data, initial = 0) =>
    data.length === 0 ? initial >>> 0 : crc(data, initial);

/** CRC-32 of `data`, continuing from `initial` (the CRC of the bytes before it). */
export const crc32: Crc32 = typeof native === "function" ? nativeCrc32(native) : crc32Table;
