// Schema of every internal Response on the native wire (messages.ts), checked field by field.
import { pathProblem } from "../path.js";
import type { MultiReadResult, MultiResult, Response } from "../messages.js";
import type { NativeCodecLimits } from "./limits.js";
import { NativeDecodeReason as R, decodeFailure } from "./reasons.js";
import {
  asFields,
  decodeId,
  has,
  readACL,
  readArray,
  readNodeData,
  readInt32,
  readIntRange,
  readPath,
  readPathList,
  readStat,
  readString,
  type Fields,
} from "./fields.js";

type ResponseDecoder = (m: Fields, at: string, limits: NativeCodecLimits) => Response;

const EMPTY_TYPES = ["delete", "check", "ping", "closeSession", "auth", "addWatch", "removeWatches", "setWatches"] as const;
const STAT_TYPES = ["exists", "setData", "setACL"] as const;

/** A child's name: one path segment. */
function checkChildName(value: unknown, at: string, limits: NativeCodecLimits): string {
  if (typeof value !== "string") throw decodeFailure(R.FIELD_TYPE, `${at} must be a string`);
  if (value.length > limits.stringCharsMax) throw decodeFailure(R.STRING_TOO_LONG, `${at} is too long`);
  if (value.length === 0 || value.includes("/") || pathProblem(`/${value}`) !== undefined) {
    throw decodeFailure(R.BAD_PATH, `${at} "${value}" is not a node name`);
  }
  return value;
}

function readChildren(m: Fields, at: string, limits: NativeCodecLimits): string[] {
  return readArray(m, "children", at, limits.listItemsMax, (v, childAt) => checkChildName(v, childAt, limits));
}

const getChildren: ResponseDecoder = (m, at, limits) => {
  const response: Response = { type: "getChildren", children: readChildren(m, at, limits) };
  if (has(m, "stat")) response.stat = readStat(m, "stat", at);
  return response;
};

const decoders = new Map<string, ResponseDecoder>([
  ...EMPTY_TYPES.map((type): [string, ResponseDecoder] => [type, () => ({ type })]),
  ...STAT_TYPES.map((type): [string, ResponseDecoder] => [type, (m, at) => ({ type, stat: readStat(m, "stat", at) })]),
  ["create", (m, at) => ({ type: "create", path: readPath(m, "path", at), stat: readStat(m, "stat", at) })],
  ["getData", (m, at, l) => ({ type: "getData", data: readNodeData(m, "data", at, l.dataBytesMax), stat: readStat(m, "stat", at) })],
  ["getConfig", (m, at, l) => ({ type: "getConfig", data: readNodeData(m, "data", at, l.dataBytesMax), stat: readStat(m, "stat", at) })],
  ["reconfig", (m, at, l) => ({ type: "reconfig", data: readNodeData(m, "data", at, l.dataBytesMax), stat: readStat(m, "stat", at) })],
  ["getChildren", getChildren],
  ["getACL", (m, at, l) => ({ type: "getACL", acl: readACL(m, "acl", at, l), stat: readStat(m, "stat", at) })],
  [
    "getAllChildrenNumber",
    (m, at) => ({ type: "getAllChildrenNumber", totalNumber: readIntRange(m, "totalNumber", at, 0, Number.MAX_SAFE_INTEGER) }),
  ],
  ["getEphemerals", (m, at, l) => ({ type: "getEphemerals", ephemerals: readPathList(m, "ephemerals", at, l) })],
  ["sync", (m, at) => ({ type: "sync", path: readPath(m, "path", at) })],
  [
    "whoAmI",
    (m, at, l) => ({ type: "whoAmI", clientInfo: readArray(m, "clientInfo", at, l.aclEntriesMax, (v, idAt) => decodeId(v, idAt, l)) }),
  ],
  ["multi", (m, at, l) => ({ type: "multi", results: readArray(m, "results", at, l.multiOpsMax, (v, rAt) => decodeMultiResult(v, rAt)) })],
  [
    "multiRead",
    (m, at, l) => ({
      type: "multiRead",
      results: readArray(m, "results", at, l.multiOpsMax, (v, rAt) => decodeMultiReadResult(v, rAt, l)),
    }),
  ],
]);

function resultType(value: unknown, at: string): [Fields, string] {
  const m = asFields(value, at);
  return [m, readString(m, "type", at, 64)];
}

function decodeMultiResult(value: unknown, at: string): MultiResult {
  const [m, type] = resultType(value, at);
  switch (type) {
    case "create":
      return { type, path: readPath(m, "path", at), stat: readStat(m, "stat", at) };
    case "setData":
      return { type, stat: readStat(m, "stat", at) };
    case "delete":
    case "check":
      return { type };
    case "error":
      return { type, err: readInt32(m, "err", at) };
    default:
      throw decodeFailure(R.UNKNOWN_TYPE, `${at}.type "${type}" is not a multi result type`);
  }
}

function decodeMultiReadResult(value: unknown, at: string, limits: NativeCodecLimits): MultiReadResult {
  const [m, type] = resultType(value, at);
  switch (type) {
    case "getChildren":
      return { type, children: readChildren(m, at, limits) };
    case "getData":
      return { type, data: readNodeData(m, "data", at, limits.dataBytesMax), stat: readStat(m, "stat", at) };
    case "error":
      return { type, err: readInt32(m, "err", at) };
    default:
      throw decodeFailure(R.UNKNOWN_TYPE, `${at}.type "${type}" is not a multiRead result type`);
  }
}

/** Checks one response map against its type's schema; returns a fresh Response. */
export function decodeResponse(value: unknown, at: string, limits: NativeCodecLimits): Response {
  const m = asFields(value, at);
  const type = readString(m, "type", at, 64);
  const decoder = decoders.get(type);
  if (decoder === undefined) throw decodeFailure(R.UNKNOWN_TYPE, `${at}.type "${type}" is not a response type`);
  return decoder(m, at, limits);
}
