// Validation of decoded snapshot frames: every field typed and bounded, every node's
// parent present before it, no duplicates. Anything else is a DecodeError.
import { DecodeError, pathProblem, parentPath, type ACL, type NodeData } from "@warden/protocol";
import { ACL_ENTRIES_MAX, ACL_ID_CHARS_MAX, DATA_BYTES_MAX, NODE_COUNT_MAX, SESSION_SECRET_BYTES, SESSION_TIMEOUT_MS_MAX } from "./limits.js";
import type { NodeFields } from "./store.js";
import type { DataTree } from "./tree.js";

function bad(message: string): never {
  throw new DecodeError("WARDEN_ERR_BAD_SNAPSHOT", `bad snapshot: ${message}`);
}

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
    if (!Array.isArray(s) || s.length !== 2 || !isU64(s[0]) || !isInt32(s[1]) || s[1] < 0 || s[1] > SESSION_TIMEOUT_MS_MAX) bad("session entry");
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

export function validateNodeRecord(
  r: unknown,
  acls: ACL[][],
  tree: DataTree,
  first: boolean,
): { path: string; data: NodeData; acl: ACL[]; fields: Omit<NodeFields, "data" | "aclId"> } {
  if (!Array.isArray(r) || r.length !== 12) bad("node record");
  const [path, data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner] = r;
  if (typeof path !== "string" || pathProblem(path) !== undefined) bad("node path");
  if (first !== (path === "/")) bad("the first node must be / and only the first");
  if (tree.idOf(path) >= 0) bad(`duplicate node ${path}`);
  if (path !== "/" && tree.idOf(parentPath(path)) < 0) bad(`node ${path} before its parent`);
  if (tree.nodeCount >= NODE_COUNT_MAX) bad("too many nodes");
  if (data !== null && (!(data instanceof Uint8Array) || data.length > DATA_BYTES_MAX)) bad("node data");
  if (!isZxid(czxid) || !isZxid(mzxid) || !isZxid(pzxid) || !isSafe(ctime) || !isSafe(mtime)) bad("node zxids or times");
  if (!isInt32(version) || !isInt32(cversion) || !isInt32(aversion) || !isU64(owner)) bad("node versions or owner");
  return { path, data, acl: aclOf(acl, acls), fields: { czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner } };
}
