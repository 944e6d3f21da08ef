// The schema of the messages between servers beside consensus (node.ts' ServerMessage):
// forwarded writes and revalidations, their failures, session touches. Checked on what a peer sent before it
// reaches WardenNode.onServerMessage. The check is structural (types, ranges, bounds): what a
// request means (a valid path, a known mode) is the preparer's to decide, and it answers a
// client's bad request with an error txn; a malformed message is a broken peer.
import { DecodeError, type ACL, type CreateMode, type Id } from "@warden/protocol";
import { PEER_MESSAGE_INVALID } from "@warden/consensus";
import type { ServerMessage } from "../core/pipeline/messages.js";
import type { PeerLimits } from "./limits.js";

type Fields = Record<string, unknown>;
type Forward = Extract<ServerMessage, { type: "forward" }>;
type Bounds = Pick<PeerLimits, "dataBytesMax" | "stringCharsMax" | "listItemsMax">;

/** The range of a 32-bit integer field. */
const INT32_MIN = -0x80000000;
/** The range of a 32-bit integer field. */
const INT32_MAX = 0x7fffffff;
/** The largest 64-bit unsigned field (zxids, session ids). */
const UINT64_MAX = (1n << 64n) - 1n;

function invalid(what: string): never {
  throw new DecodeError(PEER_MESSAGE_INVALID, `invalid server message: ${what}`);
}

function fields(v: unknown, where: string): Fields {
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Uint8Array) invalid(`${where} is not a map`);
  return v as Fields;
}

function int(m: Fields, key: string, where: string, min = INT32_MIN, max = INT32_MAX): number {
  const v = m[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max)
    invalid(`${where}.${key} is not an integer in [${min}, ${max}]`);
  return v;
}

function uint64(v: unknown, where: string): bigint {
  if (typeof v !== "bigint" || v < 0n || v > UINT64_MAX) invalid(`${where} is not an unsigned 64-bit integer`);
  return v;
}

function str(m: Fields, key: string, where: string, b: Bounds): string {
  const v = m[key];
  if (typeof v !== "string" || v.length > b.stringCharsMax) invalid(`${where}.${key} is not a string of at most ${b.stringCharsMax}`);
  return v;
}

/** Null data is a client's to send (zkCli's `create /x` does), as ZooKeeper keeps it. */
function data(m: Fields, key: string, where: string, b: Bounds): Uint8Array | null {
  const v = m[key];
  if (v === null) return null;
  if (!(v instanceof Uint8Array) || v.length > b.dataBytesMax) invalid(`${where}.${key} is not null or bytes of at most ${b.dataBytesMax}`);
  return v;
}

function list<T>(v: unknown, where: string, b: Bounds, item: (x: unknown, at: string) => T): T[] {
  if (!Array.isArray(v) || v.length > b.listItemsMax) invalid(`${where} is not a list of at most ${b.listItemsMax}`);
  return (v as unknown[]).map((x, i) => item(x, `${where}[${i}]`));
}

function id(v: unknown, where: string, b: Bounds): Id {
  const m = fields(v, where);
  return { scheme: str(m, "scheme", where, b), id: str(m, "id", where, b) };
}

function acl(m: Fields, where: string, b: Bounds): ACL[] {
  return list(m.acl, `${where}.acl`, b, (x, at) => {
    const e = fields(x, at);
    return { perms: int(e, "perms", at), id: id(e.id, `${at}.id`, b) };
  });
}

type RequestCheck = (m: Fields, where: string, b: Bounds) => Forward["request"];

const pathVersion =
  (type: "delete" | "check"): RequestCheck =>
  (m, w, b) => ({ type, path: str(m, "path", w, b), version: int(m, "version", w) });

const WRITE_OPS: Record<string, RequestCheck> = {
  create: (m, w, b) => {
    // The mode's meaning is the preparer's to check (an unknown one is a BadArguments txn).
    const r = {
      type: "create" as const,
      path: str(m, "path", w, b),
      data: data(m, "data", w, b),
      acl: acl(m, w, b),
      mode: int(m, "mode", w) as CreateMode,
    };
    return m.ttl === undefined ? r : { ...r, ttl: int(m, "ttl", w, 0, Number.MAX_SAFE_INTEGER) };
  },
  delete: pathVersion("delete"),
  check: pathVersion("check"),
  setData: (m, w, b) => ({ type: "setData", path: str(m, "path", w, b), data: data(m, "data", w, b), version: int(m, "version", w) }),
};

const REQUESTS: Record<string, RequestCheck> = {
  ...WRITE_OPS,
  setACL: (m, w, b) => ({ type: "setACL", path: str(m, "path", w, b), acl: acl(m, w, b), version: int(m, "version", w) }),
  multi: (m, w, b) => ({
    type: "multi",
    ops: list(m.ops, `${w}.ops`, b, (x, at) => checkRequest(x, at, b, WRITE_OPS)) as Extract<Forward["request"], { type: "multi" }>["ops"],
  }),
  closeSession: () => ({ type: "closeSession" }),
  deleteContainer: (m, w, b) => ({ type: "deleteContainer", path: str(m, "path", w, b) }),
  createSession: (m, w) => ({ type: "createSession", timeoutMs: int(m, "timeoutMs", w, 0, Number.MAX_SAFE_INTEGER) }),
  revalidate: () => ({ type: "revalidate" }),
};

function checkRequest(v: unknown, where: string, b: Bounds, allowed: Record<string, RequestCheck>): Forward["request"] {
  const m = fields(v, where);
  const type = m.type;
  if (typeof type !== "string" || !Object.hasOwn(allowed, type)) invalid(`${where}.type is not a write request type`);
  return allowed[type]!(m, where, b);
}

/** Checks one decoded server message from peer `from`; a fresh object, or DecodeError (PEER_MESSAGE_INVALID). */
export function validateServerMessage(value: unknown, from: number, limits: PeerLimits): ServerMessage {
  const m = fields(value, "server message");
  switch (m.type) {
    case "forward": {
      if (m.origin !== from) invalid(`forward.origin ${String(m.origin)} is not the sending server ${from}`);
      if (typeof m.superuser !== "boolean") invalid("forward.superuser is not a boolean");
      return {
        type: "forward",
        origin: from,
        sessionId: uint64(m.sessionId, "forward.sessionId"),
        cxid: int(m, "cxid", "forward"),
        request: checkRequest(m.request, "forward.request", limits, REQUESTS),
        identities: list(m.identities, "forward.identities", limits, (x, at) => id(x, at, limits)),
        superuser: m.superuser,
      };
    }
    case "forward-failed":
      return {
        type: "forward-failed",
        sessionId: uint64(m.sessionId, "forward-failed.sessionId"),
        cxid: int(m, "cxid", "forward-failed"),
        err: int(m, "err", "forward-failed"),
      };
    case "touch":
      return { type: "touch", sessions: list(m.sessions, "touch.sessions", limits, (x, at) => uint64(x, at)) };
    case "reconfig": {
      if (m.origin !== from) invalid(`reconfig.origin ${String(m.origin)} is not the sending server ${from}`);
      if (typeof m.superuser !== "boolean") invalid("reconfig.superuser is not a boolean");
      const r = fields(m.request, "reconfig.request");
      const text = (key: string) => (r[key] === null ? null : str(r, key, "reconfig.request", limits));
      const curConfigId = r.curConfigId;
      if (typeof curConfigId !== "bigint" || curConfigId < -(1n << 63n) || curConfigId >= 1n << 63n)
        invalid("reconfig.request.curConfigId is not a signed 64-bit integer");
      return {
        type: "reconfig",
        origin: from,
        requestId: int(m, "requestId", "reconfig", 0, Number.MAX_SAFE_INTEGER),
        request: {
          type: "reconfig",
          joiningServers: text("joiningServers"),
          leavingServers: text("leavingServers"),
          newMembers: text("newMembers"),
          curConfigId,
        },
        identities: list(m.identities, "reconfig.identities", limits, (x, at) => id(x, at, limits)),
        superuser: m.superuser,
      };
    }
    case "reconfig-result":
      return {
        type: "reconfig-result",
        requestId: int(m, "requestId", "reconfig-result", 0, Number.MAX_SAFE_INTEGER),
        err: int(m, "err", "reconfig-result"),
        version: uint64(m.version, "reconfig-result.version"),
        message: str(m, "message", "reconfig-result", limits),
      };
    default:
      return invalid(`unknown server message type ${JSON.stringify(String(m.type)).slice(0, 40)}`);
  }
}
