// Txn <-> CBOR bytes. Decoding validates every field and bound, and reports anything
// malformed as DecodeError (reason WARDEN_ERR_BAD_TXN), never an exception from cbor-x.
import { Encoder } from "cbor-x";
import { DecodeError, OpCode, isErrorCode, pathProblem, type ACL, type NodeData } from "@warden/protocol";
import {
  ACL_ENTRIES_MAX,
  ACL_ID_CHARS_MAX,
  CLOSE_SESSION_PATHS_MAX,
  DATA_BYTES_MAX,
  MULTI_OPS_MAX,
  SESSION_SECRET_BYTES,
  SESSION_TIMEOUT_MS_MAX,
  TXN_BYTES_MAX,
} from "./limits.js";
import type { Txn, TxnBody, TxnOp } from "./txn.js";

const FORMAT = 1;
/** The largest 64-bit unsigned field in a txn. */
const U64_MAX = 0xffffffffffffffffn;
/** How txns and snapshot frames are encoded: plain CBOR arrays, maps and byte strings (no cbor-x records or tags). */
export const CBOR_OPTIONS = { useRecords: false, mapsAsObjects: false, tagUint8Array: false, variableMapSize: true } as const;
export const cbor = new Encoder(CBOR_OPTIONS);

/** The sessionSecret txn's tag: Warden's own, outside ZooKeeper's op codes. */
const SESSION_SECRET_TAG = 1001;

const aclToWire = (acl: ACL[]) => acl.map((a) => [a.perms, a.id.scheme, a.id.id]);

function bodyToWire(b: TxnBody): unknown[] {
  switch (b.type) {
    case "create":
      return [OpCode.create, b.path, b.data, aclToWire(b.acl), b.ephemeralOwner, b.parentCVersion];
    case "delete":
      return [OpCode.delete, b.path];
    case "setData":
      return [OpCode.setData, b.path, b.data, b.version];
    case "check":
      return [OpCode.check, b.path, b.version];
    case "error":
      return [OpCode.error, b.code];
    case "setACL":
      return [OpCode.setACL, b.path, aclToWire(b.acl), b.version];
    case "createSession":
      return [OpCode.createSession, b.timeoutMs];
    case "closeSession":
      return [OpCode.closeSession, b.paths];
    case "sessionSecret":
      return [SESSION_SECRET_TAG, b.secret];
    case "multi":
      return [OpCode.multi, b.ops.map(bodyToWire)];
  }
}

export function encodeTxn(txn: Txn): Uint8Array {
  return cbor.encode([FORMAT, txn.zxid, txn.timeMs, txn.sessionId, bodyToWire(txn.body)]);
}

function bad(message: string): never {
  throw new DecodeError("WARDEN_ERR_BAD_TXN", `bad transaction: ${message}`);
}

function int32(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) bad(`${what} is not an int32`);
  return v;
}

function u64(v: unknown, what: string): bigint {
  if (typeof v !== "bigint" || v < 0n || v > U64_MAX) bad(`${what} is not a 64-bit unsigned integer`);
  return v;
}

function path(v: unknown, sequentialSuffixAllowed = false): string {
  if (typeof v !== "string" || pathProblem(v, sequentialSuffixAllowed) !== undefined) bad("invalid path");
  return v;
}

/** Node data: a byte string, or null (kept apart from empty, as ZooKeeper keeps it). */
function bytes(v: unknown): NodeData {
  if (v === null) return null;
  if (!(v instanceof Uint8Array) || v.length > DATA_BYTES_MAX) bad("data is not null or a byte string within bounds");
  return v;
}

function tuple(v: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(v) || v.length !== length) bad(`${what} must be an array of ${length}`);
  return v;
}

function shortString(v: unknown, what: string): string {
  if (typeof v !== "string" || v.length > ACL_ID_CHARS_MAX) bad(`${what} is not a string within bounds`);
  return v;
}

function acl(v: unknown): ACL[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > ACL_ENTRIES_MAX) bad("ACL must be a non-empty bounded list");
  return v.map((e) => {
    const [perms, scheme, id] = tuple(e, 3, "ACL entry");
    return { perms: int32(perms, "perms"), id: { scheme: shortString(scheme, "scheme"), id: shortString(id, "id") } };
  });
}

function op(w: unknown): TxnOp {
  if (!Array.isArray(w) || w.length === 0) bad("body must be a non-empty array");
  switch (w[0]) {
    case OpCode.create: {
      const [, p, d, a, owner, cv] = tuple(w, 6, "create");
      return {
        type: "create",
        path: path(p),
        data: bytes(d),
        acl: acl(a),
        ephemeralOwner: u64(owner, "ephemeralOwner"),
        parentCVersion: int32(cv, "parentCVersion"),
      };
    }
    case OpCode.delete:
      return { type: "delete", path: path(tuple(w, 2, "delete")[1]) };
    case OpCode.setData: {
      const [, p, d, v] = tuple(w, 4, "setData");
      return { type: "setData", path: path(p), data: bytes(d), version: int32(v, "version") };
    }
    case OpCode.check: {
      const [, p, v] = tuple(w, 3, "check");
      return { type: "check", path: path(p), version: int32(v, "version") };
    }
    case OpCode.error: {
      const code = int32(tuple(w, 2, "error")[1], "error code");
      if (!isErrorCode(code)) bad(`unknown error code ${code}`);
      return { type: "error", code };
    }
    default:
      return bad(`unknown op ${String(w[0])}`);
  }
}

function body(w: unknown): TxnBody {
  if (!Array.isArray(w) || w.length === 0) bad("body must be a non-empty array");
  switch (w[0]) {
    case OpCode.setACL: {
      const [, p, a, v] = tuple(w, 4, "setACL");
      return { type: "setACL", path: path(p), acl: acl(a), version: int32(v, "aversion") };
    }
    case OpCode.createSession: {
      const t = int32(tuple(w, 2, "createSession")[1], "timeoutMs");
      if (t < 0 || t > SESSION_TIMEOUT_MS_MAX) bad("timeoutMs out of range");
      return { type: "createSession", timeoutMs: t };
    }
    case OpCode.closeSession: {
      const paths = tuple(w, 2, "closeSession")[1];
      if (!Array.isArray(paths) || paths.length > CLOSE_SESSION_PATHS_MAX) bad("closeSession paths must be a bounded list");
      return { type: "closeSession", paths: paths.map((p) => path(p)) };
    }
    case SESSION_SECRET_TAG: {
      const secret = tuple(w, 2, "sessionSecret")[1];
      if (!(secret instanceof Uint8Array) || secret.length !== SESSION_SECRET_BYTES)
        bad(`sessionSecret must be ${SESSION_SECRET_BYTES} bytes`);
      return { type: "sessionSecret", secret: new Uint8Array(secret) };
    }
    case OpCode.multi: {
      const ops = tuple(w, 2, "multi")[1];
      if (!Array.isArray(ops) || ops.length > MULTI_OPS_MAX) bad("multi ops must be a bounded list");
      return { type: "multi", ops: ops.map(op) };
    }
    default:
      return op(w);
  }
}

/** Decodes and validates one txn; throws DecodeError on anything malformed. */
export function decodeTxn(bytesIn: Uint8Array): Txn {
  if (!(bytesIn instanceof Uint8Array) || bytesIn.length > TXN_BYTES_MAX) bad("input is not a bounded byte array");
  let w: unknown;
  try {
    w = cbor.decode(bytesIn);
  } catch (e) {
    throw new DecodeError("WARDEN_ERR_BAD_TXN", `bad transaction: ${(e as Error).message}`);
  }
  const [format, zxid, timeMs, sessionId, b] = tuple(w, 5, "txn");
  if (format !== FORMAT) bad(`unknown format ${String(format)}`);
  if (typeof timeMs !== "number" || !Number.isSafeInteger(timeMs)) bad("timeMs is not an integer");
  return { zxid: u64(zxid, "zxid"), timeMs, sessionId: u64(sessionId, "sessionId"), body: body(b) };
}
