// Validation of decoded snapshot frames: every field typed and bounded, every node's
// parent present before it, no duplicates. Anything else is a DecodeError.
import { DecodeError, pathProblem, parentPath, type ACL } from "@warden/protocol";
import {
  ACL_ENTRIES_MAX,
  ACL_ID_CHARS_MAX,
  DATA_BYTES_MAX,
  NODE_COUNT_MAX,
  SESSION_SECRET_BYTES,
  SESSION_TIMEOUT_MS_MAX,
} from "./limits.js";
import type { NodeFields } from "./store.js";
import type { DataTree } from "./tree.js";

function bad(message: string): never {
  throw new DecodeError("WARDEN_ERR_BAD_SNAPSHOT", `bad snapshot: ${message}`);
}

/** The largest 64-bit unsigned field in a snapshot. */
const U64_MAX = 0xffffffffffffffffn;
const isU64 = (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n && v <= U64_MAX;
const isInt32 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
const isSafe = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
const isZxid = (v: unknown): v is number => isSafe(v) && v >= 0;

export function validateHeader(v: unknown, magic: string, format: number): number {
  if (!Array.isArray(v) || v.length !== 3 || v[0] !== magic || v[1] !== format) bad("missing or unknown header");
  const zxid = v[2];
  if (!isU64(zxid) || zxid > BigInt(Number.MAX_SAFE_INTEGER)) bad("header zxid");
  return Number(zxid);
}

export function validateTrailer(v: unknown[], count: number): { sessions: [bigint, number][]; sessionSecret: Uint8Array | undefined } {
  if ((v.length !== 3 && v.length !== 4) || v[1] !== count) bad(`trailer count ${String(v[1])} != ${count} nodes read`);
  const secret = v[3];
  if (v.length === 4 && (!(secret instanceof Uint8Array) || secret.length !== SESSION_SECRET_BYTES)) bad("session secret");
  return { sessions: validateSessions(v[2]), sessionSecret: v.length === 4 ? new Uint8Array(secret as Uint8Array) : undefined };
}

function validateSessions(sessions: unknown): [bigint, number][] {
  if (!Array.isArray(sessions) || sessions.length > NODE_COUNT_MAX) bad("sessions list");
  let last = -1n;
  return sessions.map((s) => {
    if (!Array.isArray(s) || s.length !== 2 || !isU64(s[0]) || !isInt32(s[1]) || s[1] < 0 || s[1] > SESSION_TIMEOUT_MS_MAX)
      bad("session entry");
    if (s[0] <= last) bad("sessions not in order");
    last = s[0];
    return [s[0], s[1]];
  });
}

function aclOf(v: unknown, acls: ACL[][]): ACL[] {
  if (typeof v === "number") {
    const acl = acls[v];
    if (acl === undefined) bad(`unknown ACL reference ${v}`);
    return acl;
  }
  if (!Array.isArray(v) || v.length > ACL_ENTRIES_MAX) bad("ACL list");
  const acl = v.map((e) => {
    if (!Array.isArray(e) || e.length !== 3 || !isInt32(e[0]) || typeof e[1] !== "string" || typeof e[2] !== "string") bad("ACL entry");
    if (e[1].length > ACL_ID_CHARS_MAX || e[2].length > ACL_ID_CHARS_MAX) bad("ACL id too long");
    return { perms: e[0], id: { scheme: e[1], id: e[2] } };
  });
  acls.push(acl);
  return acl;
}

/** A node record's fields, filled in place by validateNodeRecord (one object for a whole load). */
export interface LoadedNode extends NodeFields {
  path: string;
  acl: readonly ACL[];
  /** The parent's id in the tree being loaded (-1 for "/"). */
  parentId: number;
  /** The id the node got (set by the loader once added). */
  id: number;
}

export function emptyLoadedNode(): LoadedNode {
  // The same fields in the same order as every NodeFields literal, so the store's code stays monomorphic.
  return {
    data: null,
    aclId: 0,
    czxid: 0,
    mzxid: 0,
    pzxid: 0,
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: 0,
    aversion: 0,
    owner: 0n,
    path: "",
    acl: [],
    parentId: -1,
    id: -1,
  };
}

/**
 * Checks one node record and writes it into `out` (data as a view of the frame: the store copies it). The
 * parent is found from `out`'s previous path when the record is its child or sibling (the
 * depth-first order makes that the common case), without building the parent's path.
 */
export function validateNodeRecord(r: unknown, acls: ACL[][], tree: DataTree, first: boolean, out: LoadedNode): void {
  if (!Array.isArray(r) || r.length !== 12) bad("node record");
  const path: unknown = r[0],
    data: unknown = r[1],
    czxid: unknown = r[3],
    mzxid: unknown = r[4],
    pzxid: unknown = r[5],
    ctime: unknown = r[6],
    mtime: unknown = r[7],
    version: unknown = r[8],
    cversion: unknown = r[9],
    aversion: unknown = r[10],
    owner: unknown = r[11];
  if (typeof path !== "string" || pathProblem(path) !== undefined) bad("node path");
  if (first !== (path === "/")) bad("the first node must be / and only the first");
  if (tree.nodeCount >= NODE_COUNT_MAX) bad("too many nodes");
  if (data !== null && (!(data instanceof Uint8Array) || data.length > DATA_BYTES_MAX)) bad("node data");
  if (!isZxid(czxid) || !isZxid(mzxid) || !isZxid(pzxid) || !isSafe(ctime) || !isSafe(mtime)) bad("node zxids or times");
  if (!isInt32(version) || !isInt32(cversion) || !isInt32(aversion) || !isU64(owner)) bad("node versions or owner");
  const parentId = first ? -1 : parentIdOf(path, out, tree);
  if (tree.idOf(path) >= 0) bad(`duplicate node ${path}`);
  out.acl = aclOf(r[2], acls);
  out.data = data as Uint8Array | null;
  out.czxid = czxid;
  out.mzxid = mzxid;
  out.pzxid = pzxid;
  out.ctime = ctime;
  out.mtime = mtime;
  out.version = version;
  out.cversion = cversion;
  out.aversion = aversion;
  out.owner = owner;
  out.path = path;
  out.parentId = parentId;
}

/** `path`'s parent id: the previous node (its parent) or the previous node's parent (a sibling), else a lookup. */
function parentIdOf(path: string, prev: LoadedNode, tree: DataTree): number {
  const slash = path.lastIndexOf("/");
  const parentLength = slash === 0 ? 1 : slash;
  const p = prev.path;
  if (p.length === parentLength && path.startsWith(p)) return prev.id;
  if (prev.parentId >= 0) {
    const siblingParent = tree.store.path(prev.parentId);
    if (siblingParent.length === parentLength && path.startsWith(siblingParent)) return prev.parentId;
  }
  const id = tree.idOf(parentPath(path));
  if (id < 0) bad(`node ${path} before its parent`);
  return id;
}
