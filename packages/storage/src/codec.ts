import { formatZxid } from "@warden/protocol";
import { crc32 } from "./checksum.js";
import { StorageError, StorageErrorReason } from "./errors.js";
import { LOG_KEY_PREFIX } from "./keys.js";

// Value layouts (all integers big-endian):
//   log entry:    prevZxid u64 | data | crc32 u32, the CRC over key | prevZxid | data
//   other values: crc32 u32 | payload, the CRC over key | payload
// The CRC covers the key too, so a value that lands under the wrong key fails as well.
// prevZxid chains each entry to the one written before it: a batch that LevelDB silently
// dropped from the middle of its write-ahead log shows up as a broken chain.
// A group of log entries is encoded into one buffer, key then value, so that each entry costs
// one allocation-free CRC call and the keys and values handed to LevelDB are views.

/** Bytes of a log entry's key (a prefix byte and the zxid). */
const LOG_KEY_BYTES = 9;
/** Bytes of a log value besides its data (the previous zxid and a checksum). */
const LOG_VALUE_OVERHEAD_BYTES = 12;
/** Bytes of a checked value's checksum header. */
const CHECKED_VALUE_HEADER_BYTES = 4;

export interface LogEntry {
  readonly zxid: bigint;
  readonly data: Uint8Array;
}

export interface DecodedLogEntry extends LogEntry {
  readonly prevZxid: bigint;
}

export interface PutOperation {
  readonly type: "put";
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Appends a put per entry to `ops`, chained from `prevZxid`; returns the last zxid. */
export function encodeLogEntries(batches: ReadonlyArray<readonly LogEntry[]>, prevZxid: bigint, ops: PutOperation[]): bigint {
  let totalBytes = 0;
  for (const batch of batches) for (const entry of batch) totalBytes += LOG_KEY_BYTES + LOG_VALUE_OVERHEAD_BYTES + entry.data.length;
  const slab = new Uint8Array(totalBytes);
  const view = new DataView(slab.buffer);
  let offset = 0;
  let previous = prevZxid;
  for (const batch of batches) {
    for (const { zxid, data } of batch) {
      slab[offset] = LOG_KEY_PREFIX;
      view.setBigUint64(offset + 1, zxid);
      view.setBigUint64(offset + LOG_KEY_BYTES, previous);
      slab.set(data, offset + LOG_KEY_BYTES + 8);
      const crcAt = offset + LOG_KEY_BYTES + 8 + data.length;
      view.setUint32(crcAt, crc32(slab.subarray(offset, crcAt)));
      ops.push({
        type: "put",
        key: slab.subarray(offset, offset + LOG_KEY_BYTES),
        value: slab.subarray(offset + LOG_KEY_BYTES, crcAt + 4),
      });
      offset = crcAt + 4;
      previous = zxid;
    }
  }
  return previous;
}

/** Decodes and verifies one log value; `undefined` when it fails its checksum. */
export function decodeLogValue(key: Uint8Array, zxid: bigint, value: Uint8Array): DecodedLogEntry | undefined {
  if (value.length < LOG_VALUE_OVERHEAD_BYTES) return undefined;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const crcAt = value.length - 4;
  if (view.getUint32(crcAt) !== crc32(value.subarray(0, crcAt), crc32(key))) return undefined;
  return { zxid, prevZxid: view.getBigUint64(0), data: new Uint8Array(value.buffer, value.byteOffset + 8, crcAt - 8) };
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
