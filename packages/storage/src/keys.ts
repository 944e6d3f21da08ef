import { StorageError, StorageErrorReason } from "./errors.js";

// Everything lives in one LevelDB keyspace, split by a one-byte prefix. Log keys are a zxid as
// 8 bytes big-endian, so LevelDB's bytewise order is zxid order. A log record holds the entries
// of one group commit under the zxid of its last entry (format 2); format 1 kept one entry per
// record under a prefix of its own, still read (and purged, truncated) until it is gone.

/** The largest zxid a key may hold. */
export const ZXID_MAX = 0xffff_ffff_ffff_ffffn;
const PREFIX_FORMAT = 0x00;
/** Format 1's log records: one entry each, keyed by its zxid. */
const PREFIX_LEGACY_LOG = 0x01;
/** Format 2's log records: one group commit's entries each, keyed by the last one's zxid. */
const PREFIX_LOG = 0x04;
const PREFIX_META = 0x02;
const PREFIX_INTERNAL = 0x03;

/** UTF-8 bytes of a metadata key's name. */
export const META_KEY_BYTES_MAX = 128;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export const FORMAT_KEY = Uint8Array.of(PREFIX_FORMAT);
/** The zxid below which (inclusive) the log may be missing entries: see README "Log floor". */
export const FLOOR_KEY = Uint8Array.of(PREFIX_INTERNAL, ...utf8.encode("floor"));
/** A log key range, for iterators (`gte: start`/`lt: end`), and how to key a zxid in it. */
export interface LogRange {
  readonly prefix: number;
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}
const rangeOf = (prefix: number): LogRange => ({ prefix, start: Uint8Array.of(prefix), end: Uint8Array.of(prefix + 1) });
export const LOG_RANGE = rangeOf(PREFIX_LOG);
export const LEGACY_LOG_RANGE = rangeOf(PREFIX_LEGACY_LOG);

export function assertZxid(zxid: bigint, what: string): void {
  if (typeof zxid !== "bigint" || zxid < 0n || zxid > ZXID_MAX) {
    throw new StorageError(StorageErrorReason.INVALID_ARGUMENT, `${what} must be a bigint in [0, 2^64): ${String(zxid)}`);
  }
}

export function logKey(zxid: bigint, range: LogRange = LOG_RANGE): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = range.prefix;
  new DataView(key.buffer).setBigUint64(1, zxid);
  return key;
}

/** The zxid of a log key of either range; undefined for a key of any other shape. */
export function zxidOfLogKey(key: Uint8Array): bigint | undefined {
  if (key.length !== 9 || (key[0] !== PREFIX_LOG && key[0] !== PREFIX_LEGACY_LOG)) return undefined;
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(1);
}

export function metaKey(name: string): Uint8Array {
  const bytes = utf8.encode(name);
  if (bytes.length === 0 || bytes.length > META_KEY_BYTES_MAX) {
    throw new StorageError(StorageErrorReason.INVALID_ARGUMENT, `meta key must be 1..${META_KEY_BYTES_MAX} UTF-8 bytes: "${name}"`);
  }
  const key = new Uint8Array(1 + bytes.length);
  key[0] = PREFIX_META;
  key.set(bytes, 1);
  return key;
}

export function metaNameOfKey(key: Uint8Array): string {
  return utf8Decoder.decode(key.subarray(1));
}
