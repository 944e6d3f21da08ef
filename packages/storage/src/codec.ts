import { formatZxid } from "@warden/protocol";
import { crc32 } from "./checksum.js";
import { StorageError, StorageErrorReason } from "./errors.js";
import { LOG_RANGE } from "./keys.js";

// Value layouts (all integers big-endian):
//   log record:   prevZxid u64 | (zxid u64 | length u32 | data) per entry | crc32 u32,
//                 the CRC over key | everything before it; the key holds the last entry's zxid
//   format 1's log entry (read only): prevZxid u64 | data | crc32 u32, the CRC over key | prevZxid | data
//   other values: crc32 u32 | payload, the CRC over key | payload
// The CRC covers the key too, so a value that lands under the wrong key fails as well.
// prevZxid chains each record to the one written before it: a write that LevelDB silently
// dropped from the middle of its write-ahead log shows up as a broken chain.
// One group commit is one record: one key and one value handed to LevelDB, one CRC call, and a
// read of the log makes one round of LevelDB's per-record work per group, not per entry.

/** Bytes of a log record's key (a prefix byte and the zxid). */
const LOG_KEY_BYTES = 9;
/** Bytes of a log record besides its entries (the previous zxid and a checksum). */
const LOG_RECORD_OVERHEAD_BYTES = 12;
/** Bytes before each entry's data in a log record (its zxid and length). */
const LOG_ENTRY_HEADER_BYTES = 12;
/** Bytes of a format 1 log value besides its data (the previous zxid and a checksum). */
const LEGACY_VALUE_OVERHEAD_BYTES = 12;
/** Bytes of a checked value's checksum header. */
const CHECKED_VALUE_HEADER_BYTES = 4;

export interface LogEntry {
  readonly zxid: bigint;
  readonly data: Uint8Array;
}

/** A log record as read: its entries, in zxid order, and the zxid of the entry written before them. */
export interface LogRecord {
  readonly prevZxid: bigint;
  readonly entries: LogEntry[];
}

export interface PutOperation {
  readonly type: "put";
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The bytes a log record of `entries` entries holding `dataBytes` bytes of data takes (key excluded). */
export function logRecordBytes(entries: number, dataBytes: number): number {
  return LOG_RECORD_OVERHEAD_BYTES + entries * LOG_ENTRY_HEADER_BYTES + dataBytes;
}

/**
 * One log record of every entry of `batches`, in order, chained from `prevZxid` (the caller
 * has checked that the zxids increase). Key and value are views of one buffer.
 */
export function encodeLogRecord(batches: ReadonlyArray<readonly LogEntry[]>, prevZxid: bigint): PutOperation & { lastZxid: bigint } {
  let entries = 0;
  let dataBytes = 0;
  for (const batch of batches) {
    entries += batch.length;
    for (const entry of batch) dataBytes += entry.data.length;
  }
  if (entries === 0) throw new Error("assertion failed: a log record holds at least one entry");
  const slab = new Uint8Array(LOG_KEY_BYTES + logRecordBytes(entries, dataBytes));
  const view = new DataView(slab.buffer);
  view.setBigUint64(LOG_KEY_BYTES, prevZxid);
  let offset = LOG_KEY_BYTES + 8;
  let last = prevZxid;
  for (const batch of batches) {
    for (const { zxid, data } of batch) {
      view.setBigUint64(offset, zxid);
      view.setUint32(offset + 8, data.length);
      slab.set(data, offset + LOG_ENTRY_HEADER_BYTES);
      offset += LOG_ENTRY_HEADER_BYTES + data.length;
      last = zxid;
    }
  }
  slab[0] = LOG_RANGE.prefix;
  view.setBigUint64(1, last);
  view.setUint32(offset, crc32(slab.subarray(0, offset)));
  return { type: "put", key: slab.subarray(0, LOG_KEY_BYTES), value: slab.subarray(LOG_KEY_BYTES), lastZxid: last };
}

/**
 * Decodes and verifies one log record keyed `zxid`; `undefined` when it fails its checksum or
 * its entries do not add up to the value, increase from prevZxid and end at the key's zxid.
 */
export function decodeLogRecord(key: Uint8Array, zxid: bigint, value: Uint8Array): LogRecord | undefined {
  if (value.length < LOG_RECORD_OVERHEAD_BYTES + LOG_ENTRY_HEADER_BYTES) return undefined;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const crcAt = value.length - 4;
  if (view.getUint32(crcAt) !== crc32(value.subarray(0, crcAt), crc32(key))) return undefined;
  const prevZxid = view.getBigUint64(0);
  const entries: LogEntry[] = [];
  let previous = prevZxid;
  let offset = 8;
  while (offset < crcAt) {
    if (offset + LOG_ENTRY_HEADER_BYTES > crcAt) return undefined;
    const entryZxid = view.getBigUint64(offset);
    const length = view.getUint32(offset + 8);
    const dataAt = offset + LOG_ENTRY_HEADER_BYTES;
    if (entryZxid <= previous || length > crcAt - dataAt) return undefined;
    entries.push({ zxid: entryZxid, data: new Uint8Array(value.buffer, value.byteOffset + dataAt, length) });
    previous = entryZxid;
    offset = dataAt + length;
  }
  return previous === zxid && entries.length > 0 ? { prevZxid, entries } : undefined;
}

/** Decodes and verifies one format 1 log value (a single entry); `undefined` when it fails its checksum. */
export function decodeLegacyLogValue(key: Uint8Array, zxid: bigint, value: Uint8Array): LogRecord | undefined {
  if (value.length < LEGACY_VALUE_OVERHEAD_BYTES) return undefined;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const crcAt = value.length - 4;
  if (view.getUint32(crcAt) !== crc32(value.subarray(0, crcAt), crc32(key))) return undefined;
  return { prevZxid: view.getBigUint64(0), entries: [{ zxid, data: new Uint8Array(value.buffer, value.byteOffset + 8, crcAt - 8) }] };
}

/** How many entries a log record says it holds, unverified (a purge's count of what it deleted). */
export function entriesOfLogValue(value: Uint8Array, legacy: boolean): number {
  if (legacy) return 1;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  let entries = 0;
  for (let offset = 8; offset + LOG_ENTRY_HEADER_BYTES <= value.length - 4; entries++) {
    offset += LOG_ENTRY_HEADER_BYTES + view.getUint32(offset + 8);
  }
  return entries;
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
