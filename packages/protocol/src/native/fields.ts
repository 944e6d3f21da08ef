// Typed readers of one decoded CBOR map. Each takes the map, the field name and where the
// map sits in the frame (for the message), and returns a checked value or throws a
// DecodeError. Only own properties count: nothing is read through a prototype.
import type { ACL, Id } from "../acl.js";
import { pathProblem } from "../path.js";
import type { NodeData } from "../messages.js";
import type { Stat } from "../stat.js";
import type { NativeCodecLimits } from "./limits.js";
import { NativeDecodeReason as R, decodeFailure } from "./reasons.js";

export type Fields = Record<string, unknown>;

/** The range of a 32-bit integer field. */
const INT32_MIN = -0x80000000;
/** The range of a 32-bit integer field. */
const INT32_MAX = 0x7fffffff;
/** The largest 64-bit unsigned field (zxids, session ids). */
const UINT64_MAX = 0xffffffffffffffffn;

export function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function raw(obj: Fields, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function wrongType(where: string, key: string, expected: string): never {
  throw decodeFailure(R.FIELD_TYPE, `${where}.${key} must be ${expected}`);
}

/** A field that may be absent (undefined or null on the wire). */
export function has(obj: Fields, key: string): boolean {
  const v = raw(obj, key);
  return v !== undefined && v !== null;
}

export function readMap(obj: Fields, key: string, where: string): Fields {
  const v = raw(obj, key);
  if (!isFields(v)) wrongType(where, key, "a map");
  return v;
}

export function readBool(obj: Fields, key: string, where: string): boolean {
  const v = raw(obj, key);
  if (typeof v !== "boolean") wrongType(where, key, "a boolean");
  return v;
}

function readInteger(obj: Fields, key: string, where: string): number {
  const v = raw(obj, key);
  if (typeof v !== "number" || !Number.isInteger(v)) wrongType(where, key, "an integer");
  return v;
}

export function readIntRange(obj: Fields, key: string, where: string, min: number, max: number): number {
  const v = readInteger(obj, key, where);
  if (v < min || v > max) throw decodeFailure(R.FIELD_RANGE, `${where}.${key} = ${v} is outside [${min}, ${max}]`);
  return v;
}

export function readInt32(obj: Fields, key: string, where: string): number {
  return readIntRange(obj, key, where, INT32_MIN, INT32_MAX);
}

export function readSafeInt(obj: Fields, key: string, where: string): number {
  return readIntRange(obj, key, where, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}

/** A 64-bit unsigned integer (zxid, session id, ephemeralOwner): a bigint, or a number when small. */
export function readUint64(obj: Fields, key: string, where: string): bigint {
  const v = raw(obj, key);
  let n: bigint;
  if (typeof v === "bigint") n = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) n = BigInt(v);
  else wrongType(where, key, "an integer");
  if (n < 0n || n > UINT64_MAX) throw decodeFailure(R.FIELD_RANGE, `${where}.${key} is not a 64-bit unsigned integer`);
  return n;
}

export function readString(obj: Fields, key: string, where: string, charsMax: number): string {
  const v = raw(obj, key);
  if (typeof v !== "string") wrongType(where, key, "a string");
  if (v.length > charsMax) throw decodeFailure(R.STRING_TOO_LONG, `${where}.${key} is longer than ${charsMax} characters`);
  return v;
}

/** A string, or null (CBOR null) where the message allows none. */
export function readStringOrNull(obj: Fields, key: string, where: string, charsMax: number): string | null {
  return raw(obj, key) === null ? null : readString(obj, key, where, charsMax);
}

/** A signed 64-bit integer (a configuration version, -1 for any): a bigint. */
export function readInt64(obj: Fields, key: string, where: string): bigint {
  const v = raw(obj, key);
  let n: bigint;
  if (typeof v === "bigint") n = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) n = BigInt(v);
  else wrongType(where, key, "an integer");
  if (n < -(2n ** 63n) || n >= 2n ** 63n) throw decodeFailure(R.FIELD_RANGE, `${where}.${key} is not a 64-bit signed integer`);
  return n;
}

export function checkPath(path: unknown, where: string, sequential = false): string {
  if (typeof path !== "string") throw decodeFailure(R.FIELD_TYPE, `${where} must be a string`);
  const problem = pathProblem(path, sequential);
  if (problem !== undefined) throw decodeFailure(R.BAD_PATH, `${where}: ${problem}`);
  return path;
}

export function readPath(obj: Fields, key: string, where: string, sequential = false): string {
  return checkPath(raw(obj, key), `${where}.${key}`, sequential);
}

export function readBytes(obj: Fields, key: string, where: string, bytesMax: number): Uint8Array {
  const v = raw(obj, key);
  if (!(v instanceof Uint8Array)) wrongType(where, key, "a byte string");
  if (v.length > bytesMax) throw decodeFailure(R.DATA_TOO_LARGE, `${where}.${key} is longer than ${bytesMax} bytes`);
  // cbor-x gives a Buffer in Node; a plain view of the same bytes is the same on every platform.
  return v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.length);
}

/** Node data: a byte string, or null (CBOR null), which is not empty (see NodeData). */
export function readNodeData(obj: Fields, key: string, where: string, bytesMax: number): NodeData {
  return raw(obj, key) === null ? null : readBytes(obj, key, where, bytesMax);
}

/** An array field of at most `itemsMax` items, each checked by `item`. */
export function readArray<T>(obj: Fields, key: string, where: string, itemsMax: number, item: (value: unknown, where: string) => T): T[] {
  const v = raw(obj, key);
  if (!Array.isArray(v)) wrongType(where, key, "an array");
  if (v.length > itemsMax) throw decodeFailure(R.TOO_MANY_ITEMS, `${where}.${key} has more than ${itemsMax} items`);
  const out = new Array<T>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = item(v[i], `${where}.${key}[${i}]`);
  return out;
}

export function asFields(value: unknown, where: string): Fields {
  if (!isFields(value)) throw decodeFailure(R.FIELD_TYPE, `${where} must be a map`);
  return value;
}

export function readPathList(obj: Fields, key: string, where: string, limits: NativeCodecLimits): string[] {
  return readArray(obj, key, where, limits.listItemsMax, (v, at) => checkPath(v, at));
}

export function decodeId(value: unknown, where: string, limits: NativeCodecLimits): Id {
  const m = asFields(value, where);
  return { scheme: readString(m, "scheme", where, limits.stringCharsMax), id: readString(m, "id", where, limits.stringCharsMax) };
}

export function readACL(obj: Fields, key: string, where: string, limits: NativeCodecLimits): ACL[] {
  return readArray(obj, key, where, limits.aclEntriesMax, (value, at) => {
    const m = asFields(value, at);
    return { perms: readInt32(m, "perms", at), id: decodeId(readMap(m, "id", at), `${at}.id`, limits) };
  });
}

export function readStat(obj: Fields, key: string, where: string): Stat {
  const at = `${where}.${key}`;
  const m = readMap(obj, key, where);
  return {
    czxid: readUint64(m, "czxid", at),
    mzxid: readUint64(m, "mzxid", at),
    ctime: readSafeInt(m, "ctime", at),
    mtime: readSafeInt(m, "mtime", at),
    version: readInt32(m, "version", at),
    cversion: readInt32(m, "cversion", at),
    aversion: readInt32(m, "aversion", at),
    ephemeralOwner: readUint64(m, "ephemeralOwner", at),
    dataLength: readIntRange(m, "dataLength", at, 0, INT32_MAX),
    numChildren: readIntRange(m, "numChildren", at, 0, INT32_MAX),
    pzxid: readUint64(m, "pzxid", at),
  };
}
