// Answering a read request from the local tree, with ZooKeeper's ACL checks
// (FinalRequestProcessor) and watch registration (DataTree.getData/statNode/getChildren).
import {
  NoNodeError,
  Perms,
  ErrorCode,
  WardenError,
  type GetChildrenRequest,
  type GetDataRequest,
  type Id,
  type MultiReadResult,
  type Response,
  type ExistsRequest,
  type GetACLRequest,
  type GetAllChildrenNumberRequest,
  type GetEphemeralsRequest,
  type MultiReadRequest,
} from "@warden/protocol";
import { checkACL, maskDigests, requireACL } from "./acl.js";
import type { DataTree } from "./tree.js";

export type ReadRequest =
  | ExistsRequest
  | GetDataRequest
  | GetChildrenRequest
  | GetACLRequest
  | GetAllChildrenNumberRequest
  | GetEphemeralsRequest
  | MultiReadRequest;

/** Who is reading: the session (for watches and getEphemerals) and what it authenticated as. */
export interface ReadContext {
  sessionId: bigint;
  identities: readonly Id[];
  superuser?: boolean;
}

function readableNode(tree: DataTree, path: string, ctx: ReadContext): number {
  const id = tree.require(path);
  requireACL(tree.aclOf(id), Perms.READ, ctx.identities, ctx.superuser ?? false, path);
  return id;
}

function getData(tree: DataTree, r: GetDataRequest, ctx: ReadContext): Response {
  const id = readableNode(tree, r.path, ctx);
  if (r.watch) tree.watches.addDataWatch(ctx.sessionId, r.path);
  const { data, stat } = tree.dataOf(id);
  return { type: "getData", data, stat };
}

function getChildren(tree: DataTree, r: GetChildrenRequest, ctx: ReadContext): Response {
  const id = readableNode(tree, r.path, ctx);
  if (r.watch) tree.watches.addChildWatch(ctx.sessionId, r.path);
  const children = tree.getChildren(r.path);
  return r.withStat ? { type: "getChildren", children, stat: tree.statOf(id) } : { type: "getChildren", children };
}

/** exists: READ is checked only when the node exists; the watch is set either way. */
function exists(tree: DataTree, r: ExistsRequest, ctx: ReadContext): Response {
  const id = tree.idOf(r.path);
  if (id >= 0) requireACL(tree.aclOf(id), Perms.READ, ctx.identities, ctx.superuser ?? false, r.path);
  if (r.watch) tree.watches.addDataWatch(ctx.sessionId, r.path);
  if (id < 0) throw new NoNodeError(undefined, r.path);
  return { type: "exists", stat: tree.statOf(id) };
}

/** getACL needs READ or ADMIN; without ADMIN, digest hashes are masked. */
function getACL(tree: DataTree, r: GetACLRequest, ctx: ReadContext): Response {
  const id = tree.require(r.path);
  const su = ctx.superuser ?? false;
  requireACL(tree.aclOf(id), Perms.READ | Perms.ADMIN, ctx.identities, su, r.path);
  const { acl, stat } = tree.getACL(r.path);
  const admin = checkACL(tree.aclOf(id), Perms.ADMIN, ctx.identities, su);
  return { type: "getACL", acl: admin ? acl : maskDigests(acl), stat };
}

function multiRead(tree: DataTree, r: MultiReadRequest, ctx: ReadContext): Response {
  const results: MultiReadResult[] = r.ops.map((op) => {
    try {
      if (op.type === "getData") {
        const id = readableNode(tree, op.path, ctx);
        if (op.watch) tree.watches.addDataWatch(ctx.sessionId, op.path);
        return { type: "getData", ...tree.dataOf(id) };
      }
      readableNode(tree, op.path, ctx);
      if (op.watch) tree.watches.addChildWatch(ctx.sessionId, op.path);
      return { type: "getChildren", children: tree.getChildren(op.path) };
    } catch (e) {
      if (e instanceof WardenError) return { type: "error", err: e.zkCode };
      throw e;
    }
  });
  return { type: "multiRead", results };
}

/**
 * Answers a read; throws the typed error a client should get (NoNodeError with the path,
 * NoAuthError). Watches asked for are registered in tree.watches for ctx.sessionId.
 */
export function read(tree: DataTree, request: ReadRequest, ctx: ReadContext): Response {
  switch (request.type) {
    case "getData":
      return getData(tree, request, ctx);
    case "exists":
      return exists(tree, request, ctx);
    case "getChildren":
      return getChildren(tree, request, ctx);
    case "getACL":
      return getACL(tree, request, ctx);
    case "getAllChildrenNumber":
      readableNode(tree, request.path, ctx);
      return { type: "getAllChildrenNumber", totalNumber: tree.getAllChildrenNumber(request.path) };
    case "getEphemerals":
      return { type: "getEphemerals", ephemerals: tree.getEphemerals(ctx.sessionId, request.prefix) };
    case "multiRead":
      return multiRead(tree, request, ctx);
  }
  throw new WardenError(ErrorCode.UNIMPLEMENTED, `not a read: ${(request as { type: string }).type}`);
}
