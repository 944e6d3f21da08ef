// A cheap lower bound of a frame's CBOR size, taken before cbor-x is asked to encode it:
// cbor-x grows its buffer to about four times what it has written, so a reply naming one
// 1 MiB buffer 400 times would allocate gigabytes before its size could be checked after.
import { CBOR_DEPTH_MAX } from "./cbor-scan.js";

/**
 * At least how many bytes the CBOR encoding of `value` takes: the sum of the byteLengths of
 * its Uint8Arrays and of the lengths of its strings and map keys (a string of n UTF-16 units
 * is at least n bytes of UTF-8). Stops as soon as the sum passes `stopAboveBytes` and returns
 * it then, so a value far over the bound costs only the items walked until then. A buffer
 * named many times counts each time, as cbor-x writes it each time. Containers deeper than
 * any frame of the protocol are not entered (what is left out only lowers the bound).
 */
export function frameBytesLowerBound(value: unknown, stopAboveBytes: number): number {
  return addLowerBound(value, 0, 0, stopAboveBytes);
}

/** `bytes` plus the lower bound of `item`; returns early once past `stopAboveBytes`. */
function addLowerBound(item: unknown, depth: number, bytes: number, stopAboveBytes: number): number {
  if (typeof item === "string") return bytes + item.length;
  if (item instanceof Uint8Array) return bytes + item.byteLength;
  if (typeof item !== "object" || item === null || depth >= CBOR_DEPTH_MAX) return bytes;
  if (Array.isArray(item)) {
    for (let i = 0; i < item.length && bytes <= stopAboveBytes; i++) bytes = addLowerBound(item[i], depth + 1, bytes, stopAboveBytes);
    return bytes;
  }
  const fields = item as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (bytes > stopAboveBytes) break;
    bytes = addLowerBound(fields[key], depth + 1, bytes + key.length, stopAboveBytes);
  }
  return bytes;
}
