// The leader's Preparer (ZooKeeper's PrepRequestProcessor): turns a write request into a
// txn against the tree plus every txn already prepared but not yet applied. A request that
// fails a check becomes an error txn, so every server applies the same outcome.
import {
  BadArgumentsError,
  ErrorCode,
  QuotaExceededError,
  ThrottledError,
  WardenError,
  isEphemeral,
  parentPath,
  type CheckRequest,
  type CloseSessionRequest,
  type CreateRequest,
  type DeleteRequest,
  type MultiRequest,
  type SetACLRequest,
  type SetDataRequest,
} from "@warden/protocol";
import { EPHEMERAL_BYTES_PER_SESSION_MAX, MULTI_OPS_MAX, SESSION_SECRET_BYTES, SESSION_TIMEOUT_MS_MAX } from "./limits.js";
import { ephemeralPathCost } from "./owner-index.js";
import { Overlay } from "./overlay.js";
import { PendingChanges } from "./pending.js";
import { isReservedSessionId } from "./owner.js";
import {
  prepareCheck,
  prepareCreate,
  prepareDelete,
  prepareDeleteContainer,
  prepareSetACL,
  prepareSetData,
  type DeleteContainerRequest,
  type PrepareContext,
} from "./prepare-ops.js";
import type { DataTree } from "./tree.js";
import { QuotaGuard, type QuotaOptions } from "./quota-guard.js";
import type { Txn, TxnBody, TxnOp } from "./txn.js";

export type WriteRequest =
  | CreateRequest
  | DeleteRequest
  | SetDataRequest
  | SetACLRequest
  | CheckRequest
  | MultiRequest
  | CloseSessionRequest
  | DeleteContainerRequest;

export interface PreparerOptions {
  /** Paths with prepared-but-unapplied changes before prepare() throws ThrottledError. */
  outstandingPathsMax?: number;
  /** enforceQuota, and where passed limits are told (quota-guard.ts). */
  quota?: QuotaOptions;
}

export class Preparer {
  /** Every change prepared and not yet applied, with each path's latest state. */
  private readonly pending = new PendingChanges();
  private readonly openingSessions = new Map<bigint, bigint>();
  /** Ephemeral creates prepared and not yet applied, in zxid order, and their path lengths per session. */
  private readonly preparedEphemerals: Array<{ zxid: bigint; sessionId: bigint; bytes: number }> = [];
  private readonly preparedEphemeralBytes = new Map<bigint, number>();
  /** Ephemeral bytes of the creates in the txn being prepared (a multi may hold many). */
  private txnEphemeralBytes = 0;
  private readonly closingSessions = new Map<bigint, bigint>();
  /** Reused by every request (prepare is not reentrant). */
  private readonly overlay: Overlay;
  private readonly outstandingPathsMax: number;
  private readonly quota: QuotaGuard;

  constructor(
    private readonly tree: DataTree,
    options: PreparerOptions = {},
  ) {
    this.outstandingPathsMax = options.outstandingPathsMax ?? 1_000_000;
    this.overlay = new Overlay(tree, this.pending);
    this.quota = new QuotaGuard(tree, options.quota);
  }

  /** Paths with prepared-but-unapplied changes. */
  get outstandingCount(): number {
    return this.pending.size;
  }

  /** Prepares a write from a session (the caller has checked that the session is its own). */
  prepare(request: WriteRequest, ctx: PrepareContext): Txn {
    if (this.pending.size >= this.outstandingPathsMax) throw new ThrottledError(`${this.pending.size} outstanding changes`);
    if (request.type === "closeSession") return this.closeSession(ctx);
    const live = this.isLive(ctx.sessionId);
    this.txnEphemeralBytes = 0;
    const overlay = this.overlay;
    overlay.clear();
    let body: TxnBody;
    try {
      body = request.type === "multi" ? this.multi(overlay, request, ctx, live) : this.single(overlay, request, ctx, live);
    } catch (e) {
      overlay.clear();
      this.quota.abort();
      return this.txn(ctx, { type: "error", code: errorCode(e) });
    }
    this.remember(ctx.zxid, overlay);
    this.quota.prepared(ctx.zxid);
    this.notePreparedEphemerals(ctx.zxid, ctx.sessionId, body);
    return this.txn(ctx, body);
  }

  /** createSession: the session may own ephemerals from this txn on. */
  /** The leader's session secret for an ensemble that has none (see SessionSecretTxnBody). */
  prepareSessionSecret(secret: Uint8Array, zxid: bigint, timeMs: number): Txn {
    if (secret.length !== SESSION_SECRET_BYTES) throw new BadArgumentsError(`a session secret is ${SESSION_SECRET_BYTES} bytes`);
    return { zxid, timeMs, sessionId: 0n, body: { type: "sessionSecret", secret } };
  }

  prepareCreateSession(sessionId: bigint, timeoutMs: number, zxid: bigint, timeMs: number): Txn {
    if (isReservedSessionId(sessionId)) throw new BadArgumentsError(`session id 0x${sessionId.toString(16)} is reserved`);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > SESSION_TIMEOUT_MS_MAX)
      throw new BadArgumentsError("timeoutMs out of range");
    this.openingSessions.set(sessionId, zxid);
    // A later open supersedes a close still in flight (as closeSession drops an opening).
    this.closingSessions.delete(sessionId);
    return { zxid, timeMs, sessionId, body: { type: "createSession", timeoutMs } };
  }

  /** The txn `zxid` (and all before it) is now applied to the tree: forget what it changed. */
  applied(zxid: bigint): void {
    this.pending.applied(zxid);
    this.quota.applied(zxid);
    if (this.preparedEphemerals.length > 0) this.forgetPreparedEphemerals(zxid);
    if (this.openingSessions.size > 0) forgetUpTo(this.openingSessions, zxid);
    if (this.closingSessions.size > 0) forgetUpTo(this.closingSessions, zxid);
  }

  /** Drops every prepared change (e.g. a new leader, or proposals that will never commit). */
  reset(): void {
    this.pending.clear();
    this.overlay.clear();
    this.quota.reset();
    this.preparedEphemerals.length = 0;
    this.preparedEphemeralBytes.clear();
    this.openingSessions.clear();
    this.closingSessions.clear();
  }

  private isLive(sessionId: bigint): boolean {
    if (this.closingSessions.size > 0 && this.closingSessions.has(sessionId)) return false;
    return this.tree.sessions.has(sessionId) || (this.openingSessions.size > 0 && this.openingSessions.has(sessionId));
  }

  private txn(ctx: PrepareContext, body: TxnBody): Txn {
    return { zxid: ctx.zxid, timeMs: ctx.timeMs, sessionId: ctx.sessionId, body };
  }

  /** Moves the overlay's changes into the pending state (and clears the overlay). */
  private remember(zxid: bigint, overlay: Overlay): void {
    const { paths, nodes } = overlay;
    for (let i = 0; i < overlay.count; i++) this.pending.add(zxid, paths[i]!, nodes[i]!);
    overlay.clear();
  }

  private single(o: Overlay, r: Exclude<WriteRequest, MultiRequest | CloseSessionRequest>, c: PrepareContext, live: boolean): TxnBody {
    switch (r.type) {
      case "create":
        if (isEphemeral(r.mode)) this.requireEphemeralRoom(c.sessionId, r.path);
        return prepareCreate(o, r, c, live, this.quota);
      case "delete":
        return prepareDelete(o, r, c, this.quota);
      case "deleteContainer":
        return prepareDeleteContainer(o, r, c, this.quota);
      case "setData":
        return prepareSetData(o, r, c, this.quota);
      case "setACL":
        return prepareSetACL(o, r, c);
      case "check":
        return prepareCheck(o, r, c);
    }
  }

  /**
   * All or nothing: ops are prepared in order against one overlay; at the first failure
   * the overlay is dropped, the failing op gets its code and the rest RUNTIME_INCONSISTENCY
   * (apply reports the ops before it as OK, as ZooKeeper's DataTree does).
   */
  private multi(o: Overlay, r: MultiRequest, c: PrepareContext, live: boolean): TxnBody {
    if (!Array.isArray(r.ops) || r.ops.length > MULTI_OPS_MAX) throw new BadArgumentsError(`multi has more than ${MULTI_OPS_MAX} ops`);
    const ops: TxnOp[] = [];
    for (let i = 0; i < r.ops.length; i++) {
      const op = r.ops[i]!;
      try {
        if (op.type !== "create" && op.type !== "delete" && op.type !== "setData" && op.type !== "check")
          throw new BadArgumentsError("not a multi op");
        ops.push(this.single(o, op, c, live) as TxnOp);
      } catch (e) {
        o.clear();
        this.quota.abort();
        ops.push({ type: "error", code: errorCode(e) });
        for (let j = i + 1; j < r.ops.length; j++) ops.push({ type: "error", code: ErrorCode.RUNTIME_INCONSISTENCY });
        break;
      }
    }
    return { type: "multi", ops };
  }

  /**
   * A session's closeSession txn lists all its ephemerals, and a txn must fit one log entry:
   * what their paths cost there is bounded (EPHEMERAL_BYTES_PER_SESSION_MAX), counting those
   * applied, those prepared and not yet applied, and those earlier in this same multi.
   */
  private requireEphemeralRoom(sessionId: bigint, path: string): void {
    const max = EPHEMERAL_BYTES_PER_SESSION_MAX;
    // A sequential name grows by its 10 digits.
    const cost = ephemeralPathCost(path) + 10;
    const bytes = this.tree.ephemeralBytesOf(sessionId) + (this.preparedEphemeralBytes.get(sessionId) ?? 0) + this.txnEphemeralBytes + cost;
    if (bytes > max)
      throw new QuotaExceededError(`the session's ephemeral paths would take ${bytes} bytes of its closeSession, more than ${max}`, path);
    this.txnEphemeralBytes += cost;
  }

  /** Counts the ephemerals a prepared txn creates, until it is applied. */
  private notePreparedEphemerals(zxid: bigint, sessionId: bigint, body: TxnBody): void {
    const ops = body.type === "multi" ? body.ops : [body];
    let bytes = 0;
    for (const op of ops) if (op.type === "create" && op.ephemeralOwner === sessionId) bytes += ephemeralPathCost(op.path);
    if (bytes === 0) return;
    this.preparedEphemerals.push({ zxid, sessionId, bytes });
    this.preparedEphemeralBytes.set(sessionId, (this.preparedEphemeralBytes.get(sessionId) ?? 0) + bytes);
  }

  private forgetPreparedEphemerals(zxid: bigint): void {
    const q = this.preparedEphemerals;
    let head = 0;
    for (; head < q.length && q[head]!.zxid <= zxid; head++) {
      const { sessionId, bytes } = q[head]!;
      const left = this.preparedEphemeralBytes.get(sessionId)! - bytes;
      if (left === 0) this.preparedEphemeralBytes.delete(sessionId);
      else this.preparedEphemeralBytes.set(sessionId, left);
    }
    if (head > 0) q.splice(0, head);
  }

  /**
   * closeSession lists the session's ephemerals: those in the tree, plus those prepared,
   * minus those whose delete is prepared (ZooKeeper's PrepRequestProcessor does the same).
   */
  private closeSession(ctx: PrepareContext): Txn {
    const paths = new Set(this.tree.ephemeralsOf(ctx.sessionId));
    for (const [path, node] of this.pending.entries()) {
      // The latest prepared state decides: deleted, or re-created by another owner, it goes.
      if (node.exists && node.owner === ctx.sessionId) paths.add(path);
      else paths.delete(path);
    }
    const sorted = [...paths].sort();
    const overlay = this.overlay;
    overlay.clear();
    for (const path of sorted) {
      const parent = parentPath(path);
      const p = overlay.get(parent);
      overlay.set(parent, { ...p, childCount: p.childCount - 1 });
      overlay.set(path, { ...overlay.get(path), exists: false });
    }
    this.remember(ctx.zxid, overlay);
    this.closingSessions.set(ctx.sessionId, ctx.zxid);
    this.openingSessions.delete(ctx.sessionId);
    return { zxid: ctx.zxid, timeMs: ctx.timeMs, sessionId: ctx.sessionId, body: { type: "closeSession", paths: sorted } };
  }
}

function forgetUpTo(sessions: Map<bigint, bigint>, zxid: bigint): void {
  for (const [id, z] of sessions) if (z <= zxid) sessions.delete(id);
}

function errorCode(e: unknown): number {
  if (e instanceof WardenError) return e.zkCode ?? ErrorCode.SYSTEM_ERROR;
  throw e;
}
