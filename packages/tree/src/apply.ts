// Applying a transaction: the only way a DataTree changes. Deterministic, and exact when
// replayed over a fuzzy snapshot: every txn carries absolute values (versions, the
// parent's cversion), monotone fields only move forward, and a create meeting an existing
// node or a delete meeting a missing one is absorbed (see tree.ts createNode/deleteNode).
import { ErrorCode, parentPath, type MultiResult, type Response } from "@warden/protocol";
import { ZXID_MAX } from "./limits.js";
import type { DataTree } from "./tree.js";
import type { Txn, TxnBody, TxnOp } from "./txn.js";
import type { FiredWatch } from "./watches.js";

export interface ApplyOutcome {
  zxid: bigint;
  sessionId: bigint;
  /** 0, or the request's ZooKeeper error code (for a multi: the first op's error). */
  err: number;
  /** The reply for the session; undefined for error txns, createSession, and when no reply was asked for. */
  response: Response | undefined;
  /** Watches fired, in order; the server delivers them before the response. */
  events: FiredWatch[];
  /** True when zxid <= lastProcessedZxid: the txn was already applied and nothing changed. */
  skipped: boolean;
}

const errorResult = (err: number): MultiResult => ({ type: "error", err });
const errOf = (r: MultiResult): number => (r.type === "error" ? r.err : 0);
/** An op that succeeded where no reply is wanted: no stat is read, nothing allocated. */
const APPLIED: MultiResult = Object.freeze({ type: "check" });

/** `reply` false: a success returns APPLIED instead of its response (no server waits to send it). */
function applyOp(tree: DataTree, op: TxnOp, zxid: number, timeMs: number, events: FiredWatch[], reply: boolean): MultiResult {
  switch (op.type) {
    case "create": {
      if (op.path === "/") return errorResult(ErrorCode.NODE_EXISTS);
      const pid = tree.idOf(parentPath(op.path));
      if (pid < 0) return errorResult(ErrorCode.NO_NODE);
      const id = tree.createNode(pid, op.path, op.data, op.acl, op.ephemeralOwner, op.parentCVersion, zxid, timeMs, events);
      return reply ? { type: "create", path: op.path, stat: tree.statOf(id) } : APPLIED;
    }
    case "delete":
      if (!tree.deleteNode(op.path, zxid, events)) return errorResult(ErrorCode.NO_NODE);
      return reply ? { type: "delete" } : APPLIED;
    case "setData": {
      const id = tree.idOf(op.path);
      if (id < 0) return errorResult(ErrorCode.NO_NODE);
      tree.setNodeData(id, op.path, op.data, op.version, zxid, timeMs, events);
      return reply ? { type: "setData", stat: tree.statOf(id) } : APPLIED;
    }
    case "check":
      return { type: "check" };
    case "error":
      return errorResult(op.code);
  }
}

/**
 * ZooKeeper's DataTree.processTxn for multi: when any op is an error, every op becomes an
 * error result: OK before the first error, the error itself, RUNTIME_INCONSISTENCY after.
 */
function applyMulti(
  tree: DataTree,
  ops: TxnOp[],
  zxid: number,
  timeMs: number,
  events: FiredWatch[],
  reply: boolean,
): { err: number; response: Response | undefined } {
  const failed = ops.some((op) => op.type === "error");
  const results: MultiResult[] = [];
  let err = 0;
  let postFailed = false;
  for (const op of ops) {
    let r: MultiResult;
    if (op.type === "error") {
      postFailed = true;
      r = applyOp(tree, op, zxid, timeMs, events, reply);
    } else if (failed) {
      r = errorResult(postFailed ? ErrorCode.RUNTIME_INCONSISTENCY : ErrorCode.OK);
    } else {
      r = applyOp(tree, op, zxid, timeMs, events, reply);
    }
    if (reply) results.push(r);
    if (errOf(r) !== 0 && err === 0) err = errOf(r);
  }
  return { err, response: reply ? { type: "multi", results } : undefined };
}

/** A single op's result is its response as it is (the shapes are the same). */
function toResponse(r: MultiResult): Response | undefined {
  return r.type === "error" ? undefined : r;
}

function applyBody(
  tree: DataTree,
  txn: Txn,
  body: TxnBody,
  zxid: number,
  events: FiredWatch[],
  reply: boolean,
): { err: number; response: Response | undefined } {
  switch (body.type) {
    case "multi":
      return applyMulti(tree, body.ops, zxid, txn.timeMs, events, reply);
    case "setACL": {
      const id = tree.idOf(body.path);
      if (id < 0) return { err: ErrorCode.NO_NODE, response: undefined };
      tree.setNodeACL(id, body.acl, body.version);
      return { err: 0, response: reply ? { type: "setACL", stat: tree.statOf(id) } : undefined };
    }
    case "createSession":
      tree.putSession(txn.sessionId, { timeoutMs: body.timeoutMs });
      return { err: 0, response: undefined };
    case "sessionSecret":
      tree.sessionSecret ??= body.secret;
      return { err: 0, response: undefined };
    case "closeSession":
      for (const path of body.paths) tree.deleteNode(path, zxid, events);
      tree.putSession(txn.sessionId, undefined);
      return { err: 0, response: reply ? { type: "closeSession" } : undefined };
    default: {
      const r = applyOp(tree, body, zxid, txn.timeMs, events, reply);
      return { err: errOf(r), response: reply ? toResponse(r) : undefined };
    }
  }
}

/**
 * Applies `txn` to `tree`. A txn at or below lastProcessedZxid is skipped (a duplicate
 * delivery); zxids above 2^53 are refused (see ZXID_MAX). `reply` false: no server answers it
 * here, so the response (stats read, results listed) is not built; `err` is the same.
 */
export function apply(tree: DataTree, txn: Txn, reply = true): ApplyOutcome {
  if (txn.zxid > ZXID_MAX || txn.zxid < 0n) throw new RangeError(`zxid ${txn.zxid} outside 0..2^53`);
  const zxid = Number(txn.zxid);
  const events: FiredWatch[] = [];
  if (zxid <= tree.lastZxid) return { zxid: txn.zxid, sessionId: txn.sessionId, err: 0, response: undefined, events, skipped: true };
  const { err, response } = applyBody(tree, txn, txn.body, zxid, events, reply);
  tree.quotas.flush();
  // Moved only after the whole txn (a multi included) is in, as ZooKeeper does for fuzzy snapshots.
  tree.lastZxid = zxid;
  return { zxid: txn.zxid, sessionId: txn.sessionId, err, response, events, skipped: false };
}
