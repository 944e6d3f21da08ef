// Validation of decoded snapshot frames: every field typed and bounded, every node's
// parent present before it, no duplicates. Anything else is a DecodeError.
import { DecodeError, nameProblem, type ACL } from "@warden/protocol";
import { HASH_START, hashChars } from "./path-index.js";
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

export function bad(message: string): never {
  throw new DecodeError("WARDEN_ERR_BAD_SNAPSHOT", `bad snapshot: ${message}`);
}

/** The largest 64-bit unsigned field in a snapshot. */
const U64_MAX = 0xffffffffffffffffn;
const isU64 = (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n && v <= U64_MAX;
const isInt32 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
const isSafe = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
const isZxid = (v: unknown): v is number => isSafe(v) && v >= 0;

/** The header: format 1 [magic, 1, zxid]; format 2 adds the node count when it was begun (a hint: the snapshot is fuzzy). */
export function validateHeader(
  v: unknown,
  magic: string,
  formats: readonly number[],
): { format: number; zxid: number; nodeCountHint: number } {
  if (!Array.isArray(v) || v[0] !== magic || !formats.includes(v[1]) || v.length !== (v[1] === 1 ? 3 : 4)) bad("missing or unknown header");
  const zxid = v[2];
  if (!isU64(zxid) || zxid > BigInt(Number.MAX_SAFE_INTEGER)) bad("header zxid");
  const hint = v.length === 4 ? v[3] : 0;
  if (!isInt32(hint) || hint < 0) bad("header node count");
  return { format: v[1] as number, zxid: Number(zxid), nodeCountHint: Math.min(hint, NODE_COUNT_MAX) };
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
  if (typeof v === "number") return aclAt(v, acls);
  return newAcl(v, acls);
}

/** The ACL list at stream index `ref`. */
export function aclAt(ref: number, acls: ACL[][]): ACL[] {
  const acl = acls[ref];
  if (acl === undefined) bad(`unknown ACL reference ${ref}`);
  return acl;
}

/** Checks an ACL list written in full and appends it to the stream's lists. */
export function newAcl(v: unknown, acls: ACL[][]): ACL[] {
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
  /** The path's FNV-1a state (path-index.ts: hashChars), gone on from its parent's. */
  hashState: number;
  /** The nodes loaded that may still get children (the depth-first branch, root first), their ids and hash states. */
  branchPaths: string[];
  branchIds: number[];
  branchStates: number[];
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
    hashState: 0,
    branchPaths: [],
    branchIds: [],
    branchStates: [],
  };
}

/**
 * Checks one format-1 node record and writes it into `out` (data as a view of the frame: the
 * store copies it).
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
  if (typeof path !== "string") bad("node path");
  if (data !== null && (!(data instanceof Uint8Array) || data.length > DATA_BYTES_MAX)) bad("node data");
  if (!isInt32(version) || !isInt32(cversion) || !isInt32(aversion) || !isU64(owner)) bad("node versions or owner");
  const parentId = placeNode(path, tree, first, out);
  fillNode(out, path, parentId, aclOf(r[2], acls), data, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner);
}

/**
 * Checks a node's place: "/" first and only first, room in the tree, its parent read before
 * it (a duplicate is found when the loaded nodes are indexed: indexLoaded), and a valid name
 * after the parent's path (valid itself: so is the whole path). Sets `prev.hashState` to the
 * path's and returns the parent's id (-1 for "/"), from the nodes read before (`prev`'s branch).
 */
export function placeNode(path: string, tree: DataTree, first: boolean, prev: LoadedNode): number {
  if (first !== (path === "/")) bad("the first node must be / and only the first");
  if (tree.nodeCount >= NODE_COUNT_MAX) bad("too many nodes");
  if (first) {
    prev.hashState = hashChars(HASH_START, path, 0, 1);
    return -1;
  }
  const slash = path.lastIndexOf("/");
  if (slash < 0 || nameProblem(path, slash + 1) !== undefined) bad("node path");
  return parentIdOf(path, slash === 0 ? 1 : slash, prev, tree);
}

/** Adds the node in `out` to the tree (placeNode and fillNode checked it), records its id and puts it on the branch. */
export function loadNode(tree: DataTree, out: LoadedNode): void {
  const id = tree.load(out);
  if (id < 0) bad(`duplicate node ${out.path}`);
  out.id = id;
  out.branchPaths.push(out.path);
  out.branchIds.push(id);
  out.branchStates.push(out.hashState);
}

/** Checks a node's numeric fields and writes the node into `out`. */
export function fillNode(
  out: LoadedNode,
  path: string,
  parentId: number,
  acl: ACL[],
  data: Uint8Array | null,
  czxid: unknown,
  mzxid: unknown,
  pzxid: unknown,
  ctime: unknown,
  mtime: unknown,
  version: number,
  cversion: number,
  aversion: number,
  owner: bigint,
): void {
  if (!isZxid(czxid) || !isZxid(mzxid) || !isZxid(pzxid) || !isSafe(ctime) || !isSafe(mtime)) bad("node zxids or times");
  out.acl = acl;
  out.data = data;
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

/**
 * `path`'s parent id, its parent's path being `path`'s first `parentLength` characters; sets
 * `prev.hashState` to the path's. Nodes come depth first, so the parent is on the branch of
 * nodes read before (those not its ancestors are done: dropped), found without a lookup or
 * building the parent's path. A node out of that order falls back to the path index (built
 * first for the nodes loaded so far).
 */
function parentIdOf(path: string, parentLength: number, prev: LoadedNode, tree: DataTree): number {
  const paths = prev.branchPaths,
    ids = prev.branchIds,
    states = prev.branchStates;
  while (paths.length > 0) {
    const top = paths[paths.length - 1]!;
    if (top.length === parentLength && path.startsWith(top)) {
      prev.hashState = hashChars(states[states.length - 1]!, path, parentLength, path.length);
      return ids[ids.length - 1]!;
    }
    paths.pop();
    ids.pop();
    states.pop();
  }
  const twice = tree.indexLoaded();
  if (twice !== undefined) bad(`duplicate node ${twice}`);
  const id = tree.idOf(path.slice(0, parentLength));
  if (id < 0) bad(`node ${path} before its parent`);
  prev.hashState = hashChars(HASH_START, path, 0, path.length);
  return id;
}
