// Schema of every internal Request on the native wire: the map carries the Request's own
// fields (messages.ts), checked here and copied into a fresh object (unknown fields dropped).
import { AddWatchMode, WatcherType, isCreateMode, isSequential, type CreateMode } from "../codes.js";
import type { ReadOp, Request, WriteOp } from "../messages.js";
import type { NativeCodecLimits } from "./limits.js";
import { NativeDecodeReason as R, decodeFailure } from "./reasons.js";
import {
  asFields,
  has,
  readACL,
  readArray,
  readBool,
  readBytes,
  readNodeData,
  readInt32,
  readIntRange,
  readPath,
  readPathList,
  readSafeInt,
  readString,
  readStringOrNull,
  readInt64,
  readUint64,
  type Fields,
} from "./fields.js";

type RequestDecoder = (m: Fields, at: string, limits: NativeCodecLimits) => Request;

function readMode(m: Fields, at: string): CreateMode {
  const mode = readInt32(m, "mode", at);
  if (!isCreateMode(mode)) throw decodeFailure(R.FIELD_RANGE, `${at}.mode = ${mode} is not a create mode`);
  return mode;
}

const create: RequestDecoder = (m, at, limits) => {
  const mode = readMode(m, at);
  const request: Request = {
    type: "create",
    path: readPath(m, "path", at, isSequential(mode)),
    data: readNodeData(m, "data", at, limits.dataBytesMax),
    acl: readACL(m, "acl", at, limits),
    mode,
  };
  if (has(m, "ttl")) request.ttl = readIntRange(m, "ttl", at, 0, Number.MAX_SAFE_INTEGER);
  return request;
};

const pathOnly =
  (type: "getACL" | "getAllChildrenNumber" | "sync"): RequestDecoder =>
  (m, at) => ({
    type,
    path: readPath(m, "path", at),
  });

const pathVersion =
  (type: "delete" | "check"): RequestDecoder =>
  (m, at) => ({
    type,
    path: readPath(m, "path", at),
    version: readInt32(m, "version", at),
  });

const pathWatch =
  (type: "exists" | "getData"): RequestDecoder =>
  (m, at) => ({
    type,
    path: readPath(m, "path", at),
    watch: readBool(m, "watch", at),
  });

const decoders = new Map<string, RequestDecoder>([
  ["create", create],
  ["delete", pathVersion("delete")],
  ["check", pathVersion("check")],
  [
    "setData",
    (m, at, l) => ({
      type: "setData",
      path: readPath(m, "path", at),
      data: readNodeData(m, "data", at, l.dataBytesMax),
      version: readInt32(m, "version", at),
    }),
  ],
  ["exists", pathWatch("exists")],
  ["getData", pathWatch("getData")],
  [
    "getChildren",
    (m, at) => ({
      type: "getChildren",
      path: readPath(m, "path", at),
      watch: readBool(m, "watch", at),
      withStat: readBool(m, "withStat", at),
    }),
  ],
  ["getACL", pathOnly("getACL")],
  [
    "setACL",
    (m, at, l) => ({ type: "setACL", path: readPath(m, "path", at), acl: readACL(m, "acl", at, l), version: readInt32(m, "version", at) }),
  ],
  ["getAllChildrenNumber", pathOnly("getAllChildrenNumber")],
  ["getEphemerals", (m, at) => ({ type: "getEphemerals", prefix: readPath(m, "prefix", at) })],
  ["sync", pathOnly("sync")],
  ["addWatch", (m, at) => ({ type: "addWatch", path: readPath(m, "path", at), mode: readEnum(m, "mode", at, AddWatchMode) })],
  [
    "removeWatches",
    (m, at) => ({
      type: "removeWatches",
      path: readPath(m, "path", at),
      watcherType: readEnum(m, "watcherType", at, WatcherType),
      checkOnly: readBool(m, "checkOnly", at),
    }),
  ],
  ["setWatches", setWatches],
  [
    "auth",
    (m, at, l) => ({
      type: "auth",
      scheme: readString(m, "scheme", at, l.stringCharsMax),
      auth: readBytes(m, "auth", at, l.credentialBytesMax),
    }),
  ],
  ["whoAmI", () => ({ type: "whoAmI" })],
  ["getConfig", (m, at) => ({ type: "getConfig", watch: readBool(m, "watch", at) })],
  // Configuration text is node data's size at most (it becomes /zookeeper/config's data).
  [
    "reconfig",
    (m, at, l) => ({
      type: "reconfig",
      joiningServers: readStringOrNull(m, "joiningServers", at, l.dataBytesMax),
      leavingServers: readStringOrNull(m, "leavingServers", at, l.dataBytesMax),
      newMembers: readStringOrNull(m, "newMembers", at, l.dataBytesMax),
      curConfigId: readInt64(m, "curConfigId", at),
    }),
  ],
  ["ping", () => ({ type: "ping" })],
  ["closeSession", () => ({ type: "closeSession" })],
  [
    "multi",
    (m, at, l) => ({ type: "multi", ops: readArray(m, "ops", at, l.multiOpsMax, (v, opAt) => decodeOp(v, opAt, l, WRITE_OPS) as WriteOp) }),
  ],
  [
    "multiRead",
    (m, at, l) => ({
      type: "multiRead",
      ops: readArray(m, "ops", at, l.multiOpsMax, (v, opAt) => decodeOp(v, opAt, l, READ_OPS) as ReadOp),
    }),
  ],
]);

const WRITE_OPS: ReadonlySet<string> = new Set(["create", "delete", "setData", "check"]);
const READ_OPS: ReadonlySet<string> = new Set(["getChildren", "getData"]);

function setWatches(m: Fields, at: string, limits: NativeCodecLimits): Request {
  return {
    type: "setWatches",
    relativeZxid: readUint64(m, "relativeZxid", at),
    dataWatches: readPathList(m, "dataWatches", at, limits),
    existWatches: readPathList(m, "existWatches", at, limits),
    childWatches: readPathList(m, "childWatches", at, limits),
    persistentWatches: readPathList(m, "persistentWatches", at, limits),
    persistentRecursiveWatches: readPathList(m, "persistentRecursiveWatches", at, limits),
    ...(has(m, "resumeAfterZxid") ? { resumeAfterZxid: readUint64(m, "resumeAfterZxid", at) } : {}),
  };
}

function readEnum<T extends Record<string, number>>(m: Fields, key: string, at: string, values: T): T[keyof T] {
  const v = readSafeInt(m, key, at);
  if (!Object.values(values).includes(v)) throw decodeFailure(R.FIELD_RANGE, `${at}.${key} = ${v} is not a known value`);
  return v as T[keyof T];
}

function decodeOp(value: unknown, at: string, limits: NativeCodecLimits, allowed: ReadonlySet<string>): Request {
  const m = asFields(value, at);
  const type = readString(m, "type", at, 64);
  if (!allowed.has(type)) throw decodeFailure(R.UNKNOWN_TYPE, `${at}.type "${type}" is not allowed here`);
  return decoders.get(type)!(m, at, limits);
}

/** Checks one request map against its type's schema; returns a fresh Request. */
export function decodeRequest(value: unknown, at: string, limits: NativeCodecLimits): Request {
  const m = asFields(value, at);
  const type = readString(m, "type", at, 64);
  const decoder = decoders.get(type);
  if (decoder === undefined) throw decodeFailure(R.UNKNOWN_TYPE, `${at}.type "${type}" is not a request type`);
  return decoder(m, at, limits);
}
