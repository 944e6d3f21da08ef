// Turning one write request into a txn op against an Overlay, with ZooKeeper's checks in
// ZooKeeper's order (PrepRequestProcessor.pRequest2Txn). A failed check throws the typed
// error; the Preparer turns it into an error txn.
import {
  answerError,
  BadArgumentsError,
  BadVersionError,
  NoChildrenForEphemeralsError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  Perms,
  SessionExpiredError,
  TTL_MS_MAX,
  CONTAINER_EPHEMERAL_OWNER,
  isCreateMode,
  isContainer,
  isEphemeral,
  isSequential,
  isTTL,
  parentPath,
  pathProblem,
  type CheckRequest,
  type CreateRequest,
  type DeleteRequest,
  type Id,
  type SetACLRequest,
  type SetDataRequest,
} from "@warden/protocol";
import { fixupACL, requireACL } from "./acl.js";
import { DATA_BYTES_MAX } from "./limits.js";
import type { Overlay, PendingNode } from "./overlay.js";
import type { QuotaGuard } from "./quota-guard.js";
import { ownerKind, ttlOf, ttlOwner } from "./owner.js";
import type { CheckTxnOp, CreateTxnOp, DeleteTxnOp, SetACLTxnBody, SetDataTxnOp } from "./txn.js";

/** The ContainerManager's delete (ZooKeeper's OpCode.deleteContainer). */
export interface DeleteContainerRequest {
  type: "deleteContainer";
  path: string;
}

export interface PrepareContext {
  sessionId: bigint;
  identities: readonly Id[];
  superuser?: boolean;
  /** The zxid the leader gives this txn. */
  zxid: bigint;
  /** The leader's clock. */
  timeMs: number;
  /** Ignored: the Preparer decides whether the session may own ephemerals (open, not closing). */
  sessionLive?: boolean;
}

const SPECIAL_PATHS = new Set(["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]);

function validPath(path: string, sequential = false): void {
  if (pathProblem(path, sequential) !== undefined) throw answerError(BadArgumentsError, path);
}

function existing(o: Overlay, path: string): PendingNode {
  const n = o.get(path);
  if (!n.exists) throw answerError(NoNodeError, path);
  return n;
}

/** ZooKeeper's checkAndIncVersion: -1 matches any; the next version skips -1 (ZOOKEEPER-4743). */
function nextVersion(current: number, expected: number, path: string): number {
  if (expected !== -1 && expected !== current) throw answerError(BadVersionError, path);
  const next = (current + 1) | 0;
  return next === -1 ? 0 : next;
}

/** Java's String.format("%010d", n). */
export function sequenceSuffix(n: number): string {
  return n < 0 ? `-${String(-n).padStart(9, "0")}` : String(n).padStart(10, "0");
}

function ownerFor(r: CreateRequest, ctx: PrepareContext, sessionLive: boolean, path: string): bigint {
  if (!isCreateMode(r.mode)) throw answerError(BadArgumentsError, path);
  const ttl = r.ttl;
  if (isTTL(r.mode)) {
    if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl <= 0 || BigInt(ttl) > TTL_MS_MAX)
      throw answerError(BadArgumentsError, path);
    return ttlOwner(ttl);
  }
  if (ttl !== undefined && ttl !== -1) throw answerError(BadArgumentsError, path);
  if (isContainer(r.mode)) return CONTAINER_EPHEMERAL_OWNER;
  if (isEphemeral(r.mode)) {
    if (!sessionLive) throw answerError(SessionExpiredError, path);
    return ctx.sessionId;
  }
  return 0n;
}

/** Null data is kept as null (ZooKeeper's DataNode); bytes are bounded. */
function validData(data: unknown): boolean {
  return data === null || (data instanceof Uint8Array && data.length <= DATA_BYTES_MAX);
}

/** `sessionLive`: whether the session may own ephemerals (open, not closing). */
export function prepareCreate(o: Overlay, r: CreateRequest, ctx: PrepareContext, sessionLive: boolean, quota?: QuotaGuard): CreateTxnOp {
  const owner = ownerFor(r, ctx, sessionLive, r.path);
  const sequential = isSequential(r.mode);
  validPath(r.path, sequential);
  if (!validData(r.data)) throw answerError(BadArgumentsError, r.path);
  if (r.path === "/") throw answerError(NodeExistsError, r.path);
  const acl = fixupACL(r.path, ctx.identities, r.acl);
  const parent = parentPath(r.path);
  const p = existing(o, parent);
  requireACL(p.acl, Perms.CREATE, ctx.identities, ctx.superuser ?? false, r.path);
  const path = sequential ? r.path + sequenceSuffix(p.cversion) : r.path;
  if (sequential) validPath(path);
  if (o.get(path).exists) throw answerError(NodeExistsError, path);
  if (ownerKind(p.owner) === "session") throw answerError(NoChildrenForEphemeralsError, path);
  const dataLength = r.data?.length ?? 0;
  quota?.charge(path, 1, dataLength);
  const parentCVersion = (p.cversion + 1) | 0;
  o.set(parent, { ...p, childCount: p.childCount + 1, cversion: parentCVersion });
  o.set(path, { exists: true, version: 0, cversion: 0, aversion: 0, owner, childCount: 0, acl, mtime: ctx.timeMs, dataLength });
  return { type: "create", path, data: r.data, acl, ephemeralOwner: owner, parentCVersion };
}

function removeNode(o: Overlay, path: string, parent: string, p: PendingNode, n: PendingNode, quota: QuotaGuard | undefined): DeleteTxnOp {
  quota?.charge(path, -1, -n.dataLength);
  o.set(parent, { ...p, childCount: p.childCount - 1 });
  o.set(path, { exists: false, version: 0, cversion: 0, aversion: 0, owner: 0n, childCount: 0, acl: [], mtime: 0, dataLength: 0 });
  return { type: "delete", path };
}

export function prepareDelete(o: Overlay, r: DeleteRequest, ctx: PrepareContext, quota?: QuotaGuard): DeleteTxnOp {
  validPath(r.path);
  if (SPECIAL_PATHS.has(r.path)) throw answerError(BadArgumentsError, r.path);
  const parent = parentPath(r.path);
  const p = existing(o, parent);
  requireACL(p.acl, Perms.DELETE, ctx.identities, ctx.superuser ?? false, r.path);
  const n = existing(o, r.path);
  nextVersion(n.version, r.version, r.path);
  if (n.childCount > 0) throw answerError(NotEmptyError, r.path);
  return removeNode(o, r.path, parent, p, n, quota);
}

/**
 * ZooKeeper's deleteContainer, made race-free: the node must still be an empty container
 * that had children, or an empty TTL node expired at the txn's time (ZooKeeper re-checks
 * neither, and would delete a node re-created as persistent since the scan).
 */
export function prepareDeleteContainer(o: Overlay, r: DeleteContainerRequest, ctx: PrepareContext, quota?: QuotaGuard): DeleteTxnOp {
  validPath(r.path);
  if (SPECIAL_PATHS.has(r.path)) throw answerError(BadArgumentsError, r.path);
  const n = existing(o, r.path);
  if (n.childCount > 0) throw answerError(NotEmptyError, r.path);
  const kind = ownerKind(n.owner);
  const expiredTtl = kind === "ttl" && ctx.timeMs - n.mtime > ttlOf(n.owner);
  if (!(kind === "container" && n.cversion > 0) && !expiredTtl) throw answerError(BadVersionError, r.path);
  const parent = parentPath(r.path);
  return removeNode(o, r.path, parent, existing(o, parent), n, quota);
}

export function prepareSetData(o: Overlay, r: SetDataRequest, ctx: PrepareContext, quota?: QuotaGuard): SetDataTxnOp {
  validPath(r.path);
  if (!validData(r.data)) throw answerError(BadArgumentsError, r.path);
  const n = existing(o, r.path);
  requireACL(n.acl, Perms.WRITE, ctx.identities, ctx.superuser ?? false, r.path);
  const dataLength = r.data?.length ?? 0;
  // ZooKeeper checks the quota before the version.
  quota?.charge(r.path, 0, dataLength - n.dataLength);
  const version = nextVersion(n.version, r.version, r.path);
  o.set(r.path, { ...n, version, mtime: ctx.timeMs, dataLength });
  return { type: "setData", path: r.path, data: r.data, version };
}

export function prepareSetACL(o: Overlay, r: SetACLRequest, ctx: PrepareContext): SetACLTxnBody {
  validPath(r.path);
  const acl = fixupACL(r.path, ctx.identities, r.acl);
  const n = existing(o, r.path);
  requireACL(n.acl, Perms.ADMIN, ctx.identities, ctx.superuser ?? false, r.path);
  const version = nextVersion(n.aversion, r.version, r.path);
  o.set(r.path, { ...n, aversion: version, acl });
  return { type: "setACL", path: r.path, acl, version };
}

export function prepareCheck(o: Overlay, r: CheckRequest, ctx: PrepareContext): CheckTxnOp {
  validPath(r.path);
  const n = existing(o, r.path);
  requireACL(n.acl, Perms.READ, ctx.identities, ctx.superuser ?? false, r.path);
  nextVersion(n.version, r.version, r.path);
  return { type: "check", path: r.path, version: n.version };
}
