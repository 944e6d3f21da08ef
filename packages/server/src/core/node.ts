// The replicated state of one server and the way of a write (docs/design.md, section 3), as stages:
// a write is forwarded to the leader (route), admitted, prepared into a txn and proposed there
// (pipeline/propose.ts); every server applies committed txns in zxid order, fires watches, and
// the server holding the session replies (pipeline/apply.ts, pipeline/pending.ts). Sessions are
// kept alive and expired by session/expiry.ts; snapshots move through pipeline/snapshot.ts.
import type { SnapshotSchedule } from "./snapshot-schedule.js";
import { ErrorCode, makeZxid, type Request } from "@warden/protocol";
import { ChangeHistory, DataTree, type ChangeHistoryBounds, type Preparer, type WriteRequest } from "@warden/tree";
import type { Entry, Snapshot, Status } from "@warden/consensus";
import { decodeRecord } from "./record.js";
import type { LocalSession, Reply } from "./local-session.js";
import { SessionTracker } from "../session/tracker.js";
import { SessionExpiry } from "../session/expiry.js";
import { CREATE_SESSION_CXID, REVALIDATE_CXID, housekeeping, type Forward, type ServerMessage } from "./pipeline/messages.js";
import type { NodeHooks } from "./pipeline/hooks.js";
import { PendingReplies } from "./pipeline/pending.js";
import { Proposer } from "./pipeline/propose.js";
import { applyTxn } from "./pipeline/apply.js";
import { SnapshotIntake, snapshotOf } from "./pipeline/snapshot.js";

export type { ForwardedRequest, ServerMessage } from "./pipeline/messages.js";
export type { NodeHooks } from "./pipeline/hooks.js";

/** The config's defaults (watchHistoryCount, watchHistoryBytes). */
const HISTORY_BOUNDS_DEFAULT: ChangeHistoryBounds = { changesMax: 100_000, bytesMax: 16 * 1024 * 1024 };

export class WardenNode {
  readonly tracker: SessionTracker;
  private status_: Status | undefined;
  private treeOf: DataTree;
  private readonly pending: PendingReplies;
  private readonly proposer: Proposer;
  private readonly expiry: SessionExpiry;
  private readonly intake = new SnapshotIntake();
  /** Txns applied since the last snapshot was begun, and their records' bytes (see snapshotDue). */
  private appliedSince = 0;
  private appliedBytesSince = 0;
  /** The recent changes of this server's tree, replayed to persistent and recursive watches that come back. */
  readonly history: ChangeHistory;
  /** When this server last began leading (hooks.nowMs()); 0 while it does not lead. */
  private leadingSince = 0;

  constructor(
    private readonly hooks: NodeHooks,
    tickMs: number,
    tree: DataTree = new DataTree(),
    historyBounds: ChangeHistoryBounds = HISTORY_BOUNDS_DEFAULT,
  ) {
    this.tracker = new SessionTracker(tickMs);
    this.treeOf = tree;
    this.pending = new PendingReplies(hooks);
    this.expiry = new SessionExpiry(this.tracker);
    this.proposer = new Proposer(hooks, this.tracker, tree, (origin, sessionId, cxid, err) => this.failWrite(origin, sessionId, cxid, err));
    // It begins at the tree's state: a resume from before it (a snapshot loaded, nothing replayed yet) is a gap.
    this.history = new ChangeHistory(historyBounds, tree.lastZxid);
    tree.changes = this.history;
  }

  /** The applied tree (replaced when a snapshot from the leader is installed). */
  get tree(): DataTree {
    return this.treeOf;
  }
  /** The leader's Preparer (replaced with the tree). */
  get preparer(): Preparer {
    return this.proposer.preparer;
  }
  get status(): Status | undefined {
    return this.status_;
  }
  get leadingSinceMs(): number {
    return this.leadingSince;
  }

  /**
   * Leading: established, and every txn committed before this epoch is applied here. Until
   * then the tree is behind the log and preparing against it would decide wrongly.
   */
  get isLeader(): boolean {
    return this.proposer.isLeading;
  }
  get leaderId(): number | null {
    return this.status_?.leaderId ?? null;
  }
  /**
   * Serving clients: a leader that is established, or a follower/observer synced with its leader
   * (Status.synced; until then it refuses clients, as a ZooKeeper follower does before UPTODATE).
   */
  get serving(): boolean {
    return this.status_?.synced ?? false;
  }
  get lastZxid(): bigint {
    return this.treeOf.lastProcessedZxid;
  }
  /** Local writes waiting for a commit. */
  get pendingWrites(): number {
    return this.pending.size;
  }

  /**
   * True, and the counts start again, when `schedule` says the txns applied since the last
   * time it said so call for a snapshot: the server then writes one.
   */
  snapshotDue(schedule: SnapshotSchedule): boolean {
    if (!schedule.due(this.appliedSince, this.appliedBytesSince)) return false;
    this.appliedSince = 0;
    this.appliedBytesSince = 0;
    return true;
  }

  /** A local session's write: prepared here when leader, else forwarded to the leader. */
  submitWrite(session: LocalSession, cxid: number, request: WriteRequest, complete: (reply: Reply) => void): void {
    this.pending.add(session, cxid, complete);
    this.route({
      type: "forward",
      origin: this.hooks.myId,
      sessionId: session.sessionId,
      cxid,
      request,
      identities: session.identities,
      superuser: session.superuser,
    });
  }

  /** A new session: its createSession txn goes through the leader like any write. */
  submitCreateSession(sessionId: bigint, timeoutMs: number): void {
    this.route({
      type: "forward",
      origin: this.hooks.myId,
      sessionId,
      cxid: CREATE_SESSION_CXID,
      request: { type: "createSession", timeoutMs },
      identities: [],
      superuser: false,
    });
  }

  /**
   * A session's client reattached here: the leader makes this server its owner (ZooKeeper's
   * REVALIDATE and setOwner). It travels to the leader ahead of the writes that follow.
   */
  submitRevalidate(sessionId: bigint): void {
    this.route({
      type: "forward",
      origin: this.hooks.myId,
      sessionId,
      cxid: REVALIDATE_CXID,
      request: { type: "revalidate" },
      identities: [],
      superuser: false,
    });
  }

  /**
   * Leader: the error a read of this session received here is answered with instead of being
   * served, as ZooKeeper's leader checks every request in PrepRequestProcessor (a follower checks
   * none of its reads): SESSION_MOVED when the session has moved to another server's connection,
   * SESSION_EXPIRED while the leader is closing it; undefined: serve it. Claims an unowned
   * session for this server.
   */
  readRefusal(sessionId: bigint): typeof ErrorCode.SESSION_MOVED | typeof ErrorCode.SESSION_EXPIRED | undefined {
    if (!this.isLeader) return undefined;
    const check = this.tracker.checkOwner(sessionId, this.hooks.myId);
    return check === "moved" ? ErrorCode.SESSION_MOVED : check === "closing" ? ErrorCode.SESSION_EXPIRED : undefined;
  }

  /** Drops a local write that will never be answered (its connection is gone). */
  forget(sessionId: bigint, cxid: number): void {
    this.pending.forget(sessionId, cxid);
  }

  touch(sessionId: bigint): void {
    this.expiry.touch(sessionId, this.isLeader, this.hooks.nowMs());
  }

  /** Stage 1, forward: the leader's proposer takes it here, or it goes to the leader. */
  private route(m: Forward): void {
    if (this.status_?.role === "leader") return this.proposer.submit(m);
    const leader = this.leaderId;
    if (leader === null || leader === this.hooks.myId) return this.failWrite(m.origin, m.sessionId, m.cxid, ErrorCode.CONNECTION_LOSS);
    this.hooks.sendToPeer(leader, m);
  }

  onServerMessage(from: number, m: ServerMessage): void {
    switch (m.type) {
      case "forward":
        if (m.origin !== from) return;
        if (this.status_?.role === "leader") return this.proposer.submit(m);
        return this.failWrite(m.origin, m.sessionId, m.cxid, ErrorCode.CONNECTION_LOSS);
      case "forward-failed":
        return this.pending.fail(m.sessionId, m.cxid, m.err, this.lastZxid);
      case "touch":
        if (this.isLeader) this.expiry.touchedElsewhere(m.sessions, this.hooks.nowMs());
        return;
    }
  }

  private failWrite(origin: number, sessionId: bigint, cxid: number, err: number): void {
    if (origin === this.hooks.myId) this.pending.fail(sessionId, cxid, err, this.lastZxid);
    else this.hooks.sendToPeer(origin, { type: "forward-failed", sessionId, cxid, err });
  }

  /** Stage 3, apply: committed entries in order; the replies and events follow each txn at once. */
  applyCommitted(entries: readonly Entry[]): void {
    // One stage for the batch: nothing an apply does changes the tree or the leadership (updateLeading follows).
    const stage = this.applyStage();
    for (const e of entries) {
      if (e.payload === null) continue;
      const own = this.proposer.takeProposed(e.zxid);
      if (own !== undefined) this.hooks.proposalCommitted?.(performance.now() - own.atMs);
      const { cxid, txn, origin } = own ?? decodeRecord(e.payload);
      if (txn.zxid !== e.zxid) throw new Error(`assertion failed: record zxid ${txn.zxid} in entry ${e.zxid}`);
      applyTxn(stage, cxid, txn, origin);
      this.appliedSince++;
      this.appliedBytesSince += e.payload.length;
    }
    this.proposer.applied(this.lastZxid);
    this.updateLeading();
    this.proposer.flush();
  }

  private applyStage() {
    return { tree: this.treeOf, tracker: this.tracker, pending: this.pending, hooks: this.hooks, isLeader: this.isLeader };
  }

  /** Every tick: the leader expires sessions and cleans containers; followers relay touches. */
  tick(containerCheck: boolean): void {
    const now = this.hooks.nowMs();
    if (!this.isLeader) {
      const leader = this.leaderId;
      const touched = this.expiry.takeTouched();
      if (leader !== null && touched.length > 0) this.hooks.sendToPeer(leader, { type: "touch", sessions: touched });
      return;
    }
    // Writes held while consensus could not take a proposal (no quorum yet, a full window) and
    // the session secret's proposal are retried each tick as well as after each apply.
    this.proposer.flush();
    for (const id of this.expiry.expired(now)) {
      this.hooks.log(`session 0x${id.toString(16)} expired`);
      this.proposer.submit(housekeeping(this.hooks.myId, id, { type: "closeSession" }));
    }
    if (containerCheck) {
      for (const path of this.treeOf.expiredNodes(now, 1000))
        this.proposer.submit(housekeeping(this.hooks.myId, 0n, { type: "deleteContainer", path }));
    }
  }

  statusChanged(status: Status): void {
    const leaderBefore = this.leaderId;
    this.status_ = status;
    this.updateLeading();
    // Writes forwarded to a leader that is gone will not be answered by it: end them now
    // (as ZooKeeper, whose followers drop their clients when the leader changes), or they
    // would wait in `pending` for ever.
    if (leaderBefore !== null && leaderBefore !== this.leaderId && leaderBefore !== this.hooks.myId) this.pending.failAll(this.lastZxid);
  }

  private updateLeading(): void {
    const s = this.status_;
    const now = s !== undefined && s.role === "leader" && s.established && this.hooks.appliedZxid() >= makeZxid(s.epoch, 0);
    if (now === this.isLeader) return;
    this.leadingSince = now ? this.hooks.nowMs() : 0;
    if (now) this.expiry.startTracking(this.treeOf.sessions, this.hooks.nowMs());
    else this.expiry.stopTracking();
    this.proposer.setLeading(now);
    if (s?.role !== "leader") this.proposer.failWaiting();
  }

  snapshotOfAppliedState(): Snapshot {
    return snapshotOf(this.treeOf, this.hooks.appliedZxid());
  }

  /**
   * Loads a snapshot received from a leader, before the replica adopts it: null if it loads
   * (the tree is kept for installSnapshot), else why not (the replica refuses the transfer).
   */
  checkSnapshot(snapshot: Snapshot): string | null {
    return this.intake.check(snapshot);
  }

  async installSnapshot(snapshot: Snapshot): Promise<void> {
    this.treeOf = await this.intake.take(snapshot);
    this.proposer.replaceTree(this.treeOf);
    // What happened between the old tree and the snapshot was never seen here as changes.
    this.history.reset(this.treeOf.lastZxid);
    this.treeOf.changes = this.history;
    this.pending.clear();
  }

  /** For requests that are not writes but still concern the replicated state. */
  isWrite(request: Request): request is Extract<Request, WriteRequest> {
    return (
      request.type === "create" ||
      request.type === "delete" ||
      request.type === "setData" ||
      request.type === "setACL" ||
      request.type === "check" ||
      request.type === "multi" ||
      request.type === "closeSession"
    );
  }
}
