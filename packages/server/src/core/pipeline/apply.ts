// Stage: apply and reply. Every server applies each committed txn to its tree in zxid order and
// fires its watches; the server that forwarded the request answers it, and a session's creation
// or close updates the leader's session tracker.
import type { DataTree, Txn } from "@warden/tree";
import type { SessionTracker } from "../../session/tracker.js";
import type { NodeHooks } from "./hooks.js";
import type { PendingReplies } from "./pending.js";

export interface ApplyStage {
  readonly tree: DataTree;
  readonly tracker: SessionTracker;
  readonly pending: PendingReplies;
  readonly hooks: NodeHooks;
  readonly isLeader: boolean;
}

/** `origin`: the server that forwarded it (null: a record written before origins were kept). */
export function applyTxn(stage: ApplyStage, cxid: number, txn: Txn, origin: number | null): void {
  const { tree, tracker, hooks } = stage;
  // Only the server that forwarded the request holds it; elsewhere no reply is built.
  const local = origin === null || origin === hooks.myId;
  const outcome = tree.apply(txn, local && stage.pending.waits(txn.sessionId, cxid));
  if (outcome.skipped) return;
  for (const f of outcome.events) hooks.deliverEvent(f.sessionId, f.event, f.acl);
  const body = txn.body;
  if (body.type === "createSession") {
    if (stage.isLeader) tracker.add(txn.sessionId, body.timeoutMs, hooks.nowMs(), origin);
    hooks.sessionCreated(txn.sessionId, body.timeoutMs);
    return;
  }
  if (body.type === "closeSession") {
    tracker.remove(txn.sessionId);
    tree.watches.removeSession(txn.sessionId);
  }
  const complete = local ? stage.pending.take(txn.sessionId, cxid) : undefined;
  if (complete) {
    const multi = outcome.response?.type === "multi";
    complete({
      xid: cxid,
      zxid: txn.zxid,
      err: multi ? 0 : outcome.err,
      response: outcome.response,
      thenClose: body.type === "closeSession" ? "sessionClosed" : undefined,
      startedMs: 0,
      op: "",
    });
  } else if (body.type === "closeSession") {
    hooks.endSession(txn.sessionId, "sessionExpired");
  }
}
