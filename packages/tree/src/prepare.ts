// The leader's Preparer (ZooKeeper's PrepRequestProcessor): turns a write request into a
// txn against the tree plus every txn already prepared but not yet applied. A request that
// fails a check becomes an error txn, so every server applies the same outcome.
import {
  BadArgumentsError,
  ErrorCode,
  ThrottledError,
  WardenError,
  parentPath,
  type CheckRequest,
  type CloseSessionRequest,
  type CreateRequest,
  type DeleteRequest,
  type MultiRequest,
  type SetACLRequest,
  type SetDataRequest,
} from "@warden/protocol";
import { MULTI_OPS_MAX, SESSION_TIMEOUT_MS_MAX } from "./limits.js";
import { Overlay, type PendingNode } from "./overlay.js";
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
}

export class Preparer {
  /** path -> its state after every prepared txn, and the zxid of the last txn that changed it. */
  private readonly pending = new Map<string, { node: PendingNode; zxid: bigint }>();
  /** Prepared txns in zxid order, with the paths each changed: applied() walks it. */
  private readonly queue: { zxid: bigint; paths: string[] }[] = [];
  private readonly openingSessions = new Map<bigint, bigint>();
  private readonly closingSessions = new Map<bigint, bigint>();
  private readonly view: ReadonlyMap<string, PendingNode>;
  private readonly outstandingPathsMax: number;

  constructor(
    private readonly tree: DataTree,
    options: PreparerOptions = {},
  ) {
    this.outstandingPathsMax = options.outstandingPathsMax ?? 1_000_000;
    const pending = this.pending;
    // A read-only map view of the pending nodes for the Overlay.
    this.view = { get: (path: string) => pending.get(path)?.node } as ReadonlyMap<string, PendingNode>;
  }

  /** Paths with prepared-but-unapplied changes. */
  get outstandingCount(): number {
    return this.pending.size;
  }

  /** Prepares a write from a session (the caller has checked that the session is its own). */
  prepare(request: WriteRequest, ctx: PrepareContext): Txn {
    if (this.pending.size >= this.outstandingPathsMax) throw new ThrottledError(`${this.pending.size} outstanding changes`);
    const live = this.isLive(ctx.sessionId);
    const c: PrepareContext = { ...ctx, sessionLive: live };
    if (request.type === "closeSession") return this.closeSession(ctx);
    const overlay = new Overlay(this.tree, this.view);
    let body: TxnBody;
    try {
      body = request.type === "multi" ? this.multi(overlay, request, c) : this.single(overlay, request, c);
    } catch (e) {
      return this.txn(ctx, { type: "error", code: errorCode(e) });
    }
    this.remember(ctx.zxid, overlay.changes);
    return this.txn(ctx, body);
  }

  /** createSession: the session may own ephemerals from this txn on. */
  prepareCreateSession(sessionId: bigint, timeoutMs: number, zxid: bigint, timeMs: number): Txn {
    if (isReservedSessionId(sessionId)) throw new BadArgumentsError(`session id 0x${sessionId.toString(16)} is reserved`);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > SESSION_TIMEOUT_MS_MAX) throw new BadArgumentsError("timeoutMs out of range");
    this.openingSessions.set(sessionId, zxid);
    this.queue.push({ zxid, paths: [] });
    return { zxid, timeMs, sessionId, body: { type: "createSession", timeoutMs } };
  }

  /** The txn `zxid` (and all before it) is now applied to the tree: forget what it changed. */
  applied(zxid: bigint): void {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.zxid <= zxid) {
      for (const path of this.queue[n]!.paths) {
        const p = this.pending.get(path);
        if (p !== undefined && p.zxid <= zxid) this.pending.delete(path);
      }
      n++;
    }
    this.queue.splice(0, n);
    for (const sessions of [this.openingSessions, this.closingSessions]) {
      for (const [id, z] of sessions) if (z <= zxid) sessions.delete(id);
    }
  }

  /** Drops every prepared change (e.g. a new leader, or proposals that will never commit). */
  reset(): void {
    this.pending.clear();
    this.queue.length = 0;
    this.openingSessions.clear();
    this.closingSessions.clear();
  }

  private isLive(sessionId: bigint): boolean {
    if (this.closingSessions.has(sessionId)) return false;
    return this.tree.sessions.has(sessionId) || this.openingSessions.has(sessionId);
  }

  private txn(ctx: PrepareContext, body: TxnBody): Txn {
    if (body.type === "error") this.queue.push({ zxid: ctx.zxid, paths: [] });
    return { zxid: ctx.zxid, timeMs: ctx.timeMs, sessionId: ctx.sessionId, body };
  }

  private remember(zxid: bigint, changes: Map<string, PendingNode>): void {
    for (const [path, node] of changes) this.pending.set(path, { node, zxid });
    this.queue.push({ zxid, paths: [...changes.keys()] });
  }

  private single(o: Overlay, r: Exclude<WriteRequest, MultiRequest | CloseSessionRequest>, c: PrepareContext): TxnBody {
    switch (r.type) {
      case "create":
        return prepareCreate(o, r, c);
      case "delete":
        return prepareDelete(o, r, c);
      case "deleteContainer":
        return prepareDeleteContainer(o, r, c);
      case "setData":
        return prepareSetData(o, r, c);
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
  private multi(o: Overlay, r: MultiRequest, c: PrepareContext): TxnBody {
    if (!Array.isArray(r.ops) || r.ops.length > MULTI_OPS_MAX) throw new BadArgumentsError(`multi has more than ${MULTI_OPS_MAX} ops`);
    const ops: TxnOp[] = [];
    for (let i = 0; i < r.ops.length; i++) {
      const op = r.ops[i]!;
      try {
        if (op.type !== "create" && op.type !== "delete" && op.type !== "setData" && op.type !== "check") throw new BadArgumentsError("not a multi op");
        ops.push(this.single(o, op, c) as TxnOp);
      } catch (e) {
        o.changes.clear();
        ops.push({ type: "error", code: errorCode(e) });
        for (let j = i + 1; j < r.ops.length; j++) ops.push({ type: "error", code: ErrorCode.RUNTIME_INCONSISTENCY });
        break;
      }
    }
    return { type: "multi", ops };
  }

  /**
   * closeSession lists the session's ephemerals: those in the tree, plus those prepared,
   * minus those whose delete is prepared (ZooKeeper's PrepRequestProcessor does the same).
   */
  private closeSession(ctx: PrepareContext): Txn {
    const paths = new Set(this.tree.ephemeralsOf(ctx.sessionId));
    for (const [path, { node }] of this.pending) {
      if (!node.exists) paths.delete(path);
      else if (node.owner === ctx.sessionId) paths.add(path);
    }
    const sorted = [...paths].sort();
    const overlay = new Overlay(this.tree, this.view);
    for (const path of sorted) {
      const parent = parentPath(path);
      const p = overlay.get(parent);
      overlay.set(parent, { ...p, childCount: p.childCount - 1 });
      overlay.set(path, { ...overlay.get(path), exists: false });
    }
    this.remember(ctx.zxid, overlay.changes);
    this.closingSessions.set(ctx.sessionId, ctx.zxid);
    this.openingSessions.delete(ctx.sessionId);
    return { zxid: ctx.zxid, timeMs: ctx.timeMs, sessionId: ctx.sessionId, body: { type: "closeSession", paths: sorted } };
  }
}

function errorCode(e: unknown): number {
  if (e instanceof WardenError) return e.zkCode;
  throw e;
}
