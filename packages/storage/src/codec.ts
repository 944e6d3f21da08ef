import { formatZxid } from "@warden/protocol";
import { crc32 } from "./checksum.js";
import { StorageError, StorageErrorReason } from "./errors.js";

// Value layouts (all integers big-endian):
//   log entry:    crc32 u32 | prevZxid u64 | data
//   other values: crc32 u32 | payload
// The CRC covers the key too, so a value that lands under the wrong key fails as well.
// prevZxid chains each entry to the one written before it: a batch that LevelDB silently
// dropped from the middle of its write-ahead log shows up as a broken chain.

export const LOG_VALUE_HEADER_BYTES = 12;
const CHECKED_VALUE_HEADER_BYTES = 4;

export interface LogEntry {
  readonly zxid: bigint;
  readonly data: Uint8Array;
}

export interface DecodedLogEntry extends LogEntry {
  readonly prevZxid: bigint;
}

export function encodeLogValue(key: Uint8Array, prevZxid: bigint, data: Uint8Array): Uint8Array {
  const value = new Uint8Array(LOG_VALUE_HEADER_BYTES + data.length);
  const view = new DataView(value.buffer);
  view.setBigUint64(4, prevZxid);
  value.set(data, LOG_VALUE_HEADER_BYTES);
  view.setUint32(0, crc32(value.subarray(4), crc32(key)));
  return value;
}

/** Decodes and verifies one log value; `undefined` when it fails its checksum. */
export function decodeLogValue(key: Uint8Array, zxid: bigint, value: Uint8Array): DecodedLogEntry | undefined {
  if (value.length < LOG_VALUE_HEADER_BYTES) return undefined;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  if (view.getUint32(0) !== crc32(value.subarray(4), crc32(key))) return undefined;
  return { zxid, prevZxid: view.getBigUint64(4), data: plainView(value, LOG_VALUE_HEADER_BYTES) };
}

export function logCorrupt(zxid: bigint, what: string, file?: string): StorageError {
  return new StorageError(StorageErrorReason.LOG_CORRUPT, `log entry ${formatZxid(zxid)} ${what}`, { zxid, file });
}

export function encodeCheckedValue(key: Uint8Array, payload: Uint8Array): Uint8Array {
  const value = new Uint8Array(CHECKED_VALUE_HEADER_BYTES + payload.length);
  value.set(payload, CHECKED_VALUE_HEADER_BYTES);
  new DataView(value.buffer).setUint32(0, crc32(payload, crc32(key)));
  return value;
}

export function decodeCheckedValue(key: Uint8Array, value: Uint8Array): Uint8Array | undefined {
  if (value.length < CHECKED_VALUE_HEADER_BYTES) return undefined;
  const payload = plainView(value, CHECKED_VALUE_HEADER_BYTES);
  const stored = new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0);
  return stored === crc32(payload, crc32(key)) ? payload : undefined;
}

export function encodeU64(n: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, n);
  return bytes;
}

export function decodeU64(bytes: Uint8Array): bigint | undefined {
  if (bytes.length !== 8) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
}

/** A plain Uint8Array view (not a Buffer) of `bytes` from `offset`: callers get one type, no copy. */
function plainView(bytes: Uint8Array, offset: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + offset, bytes.length - offset);
}
