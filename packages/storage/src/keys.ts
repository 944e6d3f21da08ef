import { StorageError, StorageErrorReason } from "./errors.js";

// Everything lives in one LevelDB keyspace, split by a one-byte prefix. Log keys are the
// zxid as 8 bytes big-endian, so LevelDB's bytewise order is zxid order.

/** The largest zxid a key may hold. */
export const ZXID_MAX = 0xffff_ffff_ffff_ffffn;
const PREFIX_FORMAT = 0x00;
const PREFIX_LOG = 0x01;
export const LOG_KEY_PREFIX = PREFIX_LOG;
const PREFIX_META = 0x02;
const PREFIX_INTERNAL = 0x03;

/** UTF-8 bytes of a metadata key's name. */
export const META_KEY_BYTES_MAX = 128;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export const FORMAT_KEY = Uint8Array.of(PREFIX_FORMAT);
/** The zxid below which (inclusive) the log may be missing entries: see README "Log floor". */
export const FLOOR_KEY = Uint8Array.of(PREFIX_INTERNAL, ...utf8.encode("floor"));
/** First and past-the-end keys of the log range, for iterators (`gte`/`lt`). */
export const LOG_RANGE_START = Uint8Array.of(PREFIX_LOG);
export const LOG_RANGE_END = Uint8Array.of(PREFIX_META);

export function assertZxid(zxid: bigint, what: string): void {
  if (typeof zxid !== "bigint" || zxid < 0n || zxid > ZXID_MAX) {
    throw new StorageError(StorageErrorReason.INVALID_ARGUMENT, `${what} must be a bigint in [0, 2^64): ${String(zxid)}`);
  }
}

export function logKey(zxid: bigint): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = PREFIX_LOG;
  new DataView(key.buffer).setBigUint64(1, zxid);
  return key;
}

export function zxidOfLogKey(key: Uint8Array): bigint {
  if (key.length !== 9 || key[0] !== PREFIX_LOG) throw new Error(`assertion failed: not a log key (${key.length} bytes)`);
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
