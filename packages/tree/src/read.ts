// Answering a read request from the local tree, with ZooKeeper's ACL checks
// (FinalRequestProcessor) and watch registration (DataTree.getData/statNode/getChildren).
import {
  answerError,
  EncodeError,
  NoNodeError,
  Perms,
  ErrorCode,
  WardenError,
  type GetChildrenRequest,
  type GetDataRequest,
  type Id,
  type MultiReadResult,
  type NodeData,
  type Response,
  type ExistsRequest,
  type GetACLRequest,
  type GetAllChildrenNumberRequest,
  type GetEphemeralsRequest,
  type MultiReadRequest,
  type Stat,
} from "@warden/protocol";
import { ReplyBudget, UNBOUNDED } from "./reply-budget.js";
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
  /** The largest reply the client accepts: a read whose reply would be larger throws EncodeError before it is built. */
  replyBytesMax?: number;
}

function readableNode(tree: DataTree, path: string, ctx: ReadContext): number {
  const id = tree.require(path);
  requireACL(tree.aclOf(id), Perms.READ, ctx.identities, ctx.superuser ?? false, path);
  return id;
}

function budgetOf(ctx: ReadContext): ReplyBudget {
  return ctx.replyBytesMax === undefined ? UNBOUNDED : new ReplyBudget(ctx.replyBytesMax);
}

/** The node's data, counted against the budget before it is copied out of the store. */
function dataOf(tree: DataTree, id: number, path: string, budget: ReplyBudget): { data: NodeData; stat: Stat } {
  budget.take(tree.dataLengthOf(id) + 1, `getData ${path}`);
  return tree.dataOf(id);
}

function getData(tree: DataTree, r: GetDataRequest, ctx: ReadContext): Response {
  const id = readableNode(tree, r.path, ctx);
  const { data, stat } = dataOf(tree, id, r.path, budgetOf(ctx));
  if (r.watch) tree.watches.addDataWatch(ctx.sessionId, r.path);
  return { type: "getData", data, stat };
}

function getChildren(tree: DataTree, r: GetChildrenRequest, ctx: ReadContext): Response {
  const id = readableNode(tree, r.path, ctx);
  const children = tree.getChildren(r.path, budgetOf(ctx));
  if (r.watch) tree.watches.addChildWatch(ctx.sessionId, r.path);
  return r.withStat ? { type: "getChildren", children, stat: tree.statOf(id) } : { type: "getChildren", children };
}

/** exists: READ is checked only when the node exists; the watch is set either way. */
function exists(tree: DataTree, r: ExistsRequest, ctx: ReadContext): Response {
  const id = tree.idOf(r.path);
  if (id >= 0) requireACL(tree.aclOf(id), Perms.READ, ctx.identities, ctx.superuser ?? false, r.path);
  if (r.watch) tree.watches.addDataWatch(ctx.sessionId, r.path);
  if (id < 0) throw answerError(NoNodeError, r.path);
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

/** One budget for the whole reply: a result past it refuses the multiRead, not just that op. */
function multiRead(tree: DataTree, r: MultiReadRequest, ctx: ReadContext): Response {
  const budget = budgetOf(ctx);
  const results: MultiReadResult[] = r.ops.map((op) => {
    budget.take(1, "multiRead");
    try {
      if (op.type === "getData") {
        const id = readableNode(tree, op.path, ctx);
        const result: MultiReadResult = { type: "getData", ...dataOf(tree, id, op.path, budget) };
        if (op.watch) tree.watches.addDataWatch(ctx.sessionId, op.path);
        return result;
      }
      readableNode(tree, op.path, ctx);
      const children = tree.getChildren(op.path, budget);
      if (op.watch) tree.watches.addChildWatch(ctx.sessionId, op.path);
      return { type: "getChildren", children };
    } catch (e) {
      if (e instanceof WardenError && !(e instanceof EncodeError)) return { type: "error", err: e.zkCode ?? ErrorCode.SYSTEM_ERROR };
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
      return { type: "getEphemerals", ephemerals: tree.getEphemerals(ctx.sessionId, request.prefix, budgetOf(ctx)) };
    case "multiRead":
      return multiRead(tree, request, ctx);
  }
  throw new WardenError(ErrorCode.UNIMPLEMENTED, `not a read: ${(request as { type: string }).type}`);
}
