// The replicated state of one server and the way of a write (DESIGN.md section 3): the
// leader prepares a request into a txn and proposes it; every server applies committed
// txns in zxid order, fires watches, and the server holding the session replies.
import { ErrorCode, errorCodeName, makeZxid, type ACL, type Id, type Request, type WatchEvent } from "@warden/protocol";
import { ChangeHistory, DataTree, Preparer, loadSnapshot, loadSnapshotSync, serializeSnapshot, type ChangeHistoryBounds, type PreparerOptions, type Txn, type WriteRequest } from "@warden/tree";
import type { Entry, Snapshot, Status } from "@warden/consensus";
import { decodeRecord, encodeRecord } from "./record.js";
import type { LocalSession, Reply } from "./local-session.js";
import { SessionTracker } from "../session/tracker.js";

/** A write waiting for its commit at the server holding the session. */
interface PendingWrite {
  session: LocalSession;
  cxid: number;
  complete: (reply: Reply) => void;
}

/**
 * What a server sends its leader for a session, in the session's order: a write, a new session,
 * or a revalidation (the session's client reattached here: this server is now its owner).
 */
export type ForwardedRequest = WriteRequest | { type: "createSession"; timeoutMs: number } | { type: "revalidate" };

/** Messages between servers beside consensus: forwarded requests, their failures, and session touches. */
export type ServerMessage =
  | { type: "forward"; origin: number; sessionId: bigint; cxid: number; request: ForwardedRequest; identities: Id[]; superuser: boolean }
  | { type: "forward-failed"; sessionId: bigint; cxid: number; err: number }
  | { type: "touch"; sessions: bigint[] };

export interface NodeHooks {
  myId: number;
  sendToPeer(to: number, message: ServerMessage): void;
  propose(payload: Uint8Array): { ok: true; zxid: bigint } | { ok: false };
  nextZxid(): bigint;
  nowMs(): number;
  /** A session's connection must end (closed, expired, or moved). */
  endSession(sessionId: bigint, reason: "sessionClosed" | "sessionExpired"): void;
  /** A fired watch; `acl` is the znode's, READ is checked against the session (CVE-2024-23944). */
  deliverEvent(sessionId: bigint, event: WatchEvent, acl: readonly ACL[]): void;
  /** A new session's createSession committed: open it on its connection. */
  sessionCreated(sessionId: bigint, timeoutMs: number): void;
  log(line: string): void;
  /** The leader's Preparer's options (enforceQuota, where passed quota limits are told). */
  readonly preparer?: PreparerOptions;
  /** Whether consensus would accept a proposal now (leader, established, below its in-flight bound). */
  canPropose(): boolean;
  /** The zxid up to which committed entries have been handed to applyCommitted. */
  appliedZxid(): bigint;
  /** Leader: a proposal of this server committed after `ms`. */
  proposalCommitted?(ms: number): void;
  /** The largest log record a txn may become (storage's entryBytesMax). */
  readonly recordBytesMax?: number;
  /**
   * Present in an ensemble without ensembleSecretFile: a leader whose tree has no session
   * secret draws one with it and commits it before any other write (see SessionSecretTxnBody).
   */
  drawSessionSecret?(): Uint8Array;
}

/** Storage's default entryBytesMax. */
const RECORD_BYTES_MAX_DEFAULT = 8 * 1024 * 1024;

const CREATE_SESSION_CXID = -10;
const REVALIDATE_CXID = -11;
/** The config's defaults (watchHistoryCount, watchHistoryBytes). */
const HISTORY_BOUNDS_DEFAULT: ChangeHistoryBounds = { changesMax: 100_000, bytesMax: 16 * 1024 * 1024 };
const WAITING_WRITES_MAX = 100_000;

/** A FIFO with O(1) shift (writes waiting for the leader can be many). */
class FifoQueue<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  drain(): T[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return all;
  }
}

export class WardenNode {
  tree: DataTree;
  preparer: Preparer;
  readonly tracker: SessionTracker;
  status: Status | undefined;
  /** Writes of local sessions waiting for their commit: "sessionId:cxid". */
  private readonly pending = new Map<string, PendingWrite>();
  private readonly touched = new Set<bigint>();
  /**
   * Leader: each in-flight proposal's txn and when it was made (bounded by consensus' in-flight
   * limit), so applying it on commit needs no decode of what this server just encoded.
   */
  private readonly proposed = new Map<bigint, { cxid: number; txn: Txn; atMs: number; origin: number }>();
  appliedSinceSnapshot = 0;
  /** The recent changes of this server's tree, replayed to persistent and recursive watches that come back. */
  readonly history: ChangeHistory;

  constructor(
    private readonly hooks: NodeHooks,
    tickMs: number,
    tree: DataTree = new DataTree(),
    historyBounds: ChangeHistoryBounds = HISTORY_BOUNDS_DEFAULT,
  ) {
    this.tracker = new SessionTracker(tickMs);
    this.tree = tree;
    this.preparer = new Preparer(tree, hooks.preparer);
    // It begins at the tree's state: a resume from before it (a snapshot loaded, nothing replayed yet) is a gap.
    this.history = new ChangeHistory(historyBounds, tree.lastZxid);
    tree.changes = this.history;
  }

  /**
   * Leading: established, and every txn committed before this epoch is applied here. Until
   * then the tree is behind the log and preparing against it would decide wrongly.
   */
  get isLeader(): boolean {
    return this.leading;
  }
  private leading = false;
  /** This leader proposed the session secret (it commits before anything proposed after it). */
  private secretProposed = false;
  /** When this server last began leading (hooks.nowMs()); 0 while it does not lead. */
  leadingSinceMs = 0;
  /**
   * After a refused proposal (consensus busy) the preparer is reset, which also forgets the
   * changes of proposals still in flight: hold writes until those are applied, or the next
   * write would be prepared against a stale tree (a version or a sequence number reused).
   */
  private heldUntilZxid = 0n;
  /** Writes that reached this server while it is leader but not yet leading (bounded). */
  private waiting = new FifoQueue<Extract<ServerMessage, { type: "forward" }>>();
  get leaderId(): number | null {
    return this.status?.leaderId ?? null;
  }
  /** Serving clients: a leader that is established, or a follower/observer that has a leader. */
  get serving(): boolean {
    const s = this.status;
    if (!s) return false;
    return s.role === "leader" ? s.established : s.leaderId !== null;
  }
  get lastZxid(): bigint {
    return this.tree.lastProcessedZxid;
  }

  /** A local session's write: prepared here when leader, else forwarded to the leader. */
  submitWrite(session: LocalSession, cxid: number, request: WriteRequest, complete: (reply: Reply) => void): void {
    this.pending.set(key(session.sessionId, cxid), { session, cxid, complete });
    this.route({ type: "forward", origin: this.hooks.myId, sessionId: session.sessionId, cxid, request, identities: session.identities, superuser: session.superuser });
  }

  /** A new session: its createSession txn goes through the leader like any write. */
  submitCreateSession(sessionId: bigint, timeoutMs: number): void {
    this.route({ type: "forward", origin: this.hooks.myId, sessionId, cxid: CREATE_SESSION_CXID, request: { type: "createSession", timeoutMs }, identities: [], superuser: false });
  }

  /**
   * A session's client reattached here: the leader makes this server its owner (ZooKeeper's
   * REVALIDATE and setOwner). It travels to the leader ahead of the writes that follow.
   */
  submitRevalidate(sessionId: bigint): void {
    this.route({ type: "forward", origin: this.hooks.myId, sessionId, cxid: REVALIDATE_CXID, request: { type: "revalidate" }, identities: [], superuser: false });
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
    this.pending.delete(key(sessionId, cxid));
  }

  touch(sessionId: bigint): void {
    if (this.isLeader) this.tracker.touch(sessionId, this.hooks.nowMs());
    else this.touched.add(sessionId);
  }

  private route(m: Extract<ServerMessage, { type: "forward" }>): void {
    if (this.status?.role === "leader") return this.submitAsLeader(m);
    const leader = this.leaderId;
    if (leader === null || leader === this.hooks.myId) return this.failWrite(m.origin, m.sessionId, m.cxid, ErrorCode.CONNECTION_LOSS);
    this.hooks.sendToPeer(leader, m);
  }

  onServerMessage(from: number, m: ServerMessage): void {
    switch (m.type) {
      case "forward":
        if (m.origin !== from) return;
        if (this.status?.role === "leader") return this.submitAsLeader(m);
        return this.failWrite(m.origin, m.sessionId, m.cxid, ErrorCode.CONNECTION_LOSS);
      case "forward-failed":
        return this.failLocal(m.sessionId, m.cxid, m.err);
      case "touch":
        if (this.isLeader) for (const id of m.sessions) this.tracker.touch(id, this.hooks.nowMs());
        return;
    }
  }

  /**
   * Leader: prepares and proposes at once when it can; otherwise (not leading yet, consensus at
   * its in-flight bound, or holding after a refused proposal) the write waits, in arrival order.
   */
  private submitAsLeader(m: Extract<ServerMessage, { type: "forward" }>): void {
    // A revalidation takes effect at once, as ZooKeeper's LearnerHandler takes REVALIDATE: the new
    // connection's reads here are checked at once, and the old server's writes still waiting are
    // refused at their turn. Before leading, the tracker is not filled yet: it waits in order.
    if (m.request.type === "revalidate" && this.leading) return void this.settleOwner(m);
    if (this.waiting.length === 0 && this.canProposeNow()) return this.prepareAndPropose(m);
    if (this.waiting.length >= WAITING_WRITES_MAX) return this.failWrite(m.origin, m.sessionId, m.cxid, ErrorCode.CONNECTION_LOSS);
    this.waiting.push(m);
  }

  private canProposeNow(): boolean {
    return this.leading && !this.secretMissing() && this.heldUntilZxid <= this.hooks.appliedZxid() && this.hooks.canPropose();
  }

  /** Writes wait while the ensemble needs a session secret that no proposal carries yet. */
  private secretMissing(): boolean {
    return this.hooks.drawSessionSecret !== undefined && this.tree.sessionSecret === undefined && !this.secretProposed;
  }

  /** Leader: the session secret goes into the log ahead of every write (tried again each tick until consensus takes it). */
  private proposeSessionSecret(): void {
    if (!this.leading || !this.secretMissing() || !this.hooks.canPropose()) return;
    const zxid = this.hooks.nextZxid();
    const txn = this.preparer.prepareSessionSecret(this.hooks.drawSessionSecret!(), zxid, this.hooks.nowMs());
    const r = this.hooks.propose(encodeRecord(0, txn, this.hooks.myId));
    if (!r.ok) return;
    if (r.zxid !== zxid) throw new Error(`assertion failed: proposal got zxid ${r.zxid}, prepared for ${zxid}`);
    this.secretProposed = true;
    this.proposed.set(zxid, { cxid: 0, txn, atMs: performance.now(), origin: this.hooks.myId });
    this.hooks.log(`proposed the ensemble's session secret at zxid 0x${zxid.toString(16)}`);
  }

  private flushWaiting(): void {
    this.proposeSessionSecret();
    while (this.waiting.length > 0 && this.canProposeNow()) this.prepareAndPropose(this.waiting.shift()!);
  }

  /**
   * Leader, for a forwarded request in its turn: a revalidation sets the owner; a session's
   * write sent by a server that does not own it fails with SESSION_MOVED, and one of a session
   * being expired with SESSION_EXPIRED (ZooKeeper's checkSession). createSession sets its owner
   * when it commits; closeSession is not checked (ZooKeeper's expirer closes sessions it does
   * not own), nor are the leader's own housekeeping writes. True when no proposal is needed.
   */
  private settleOwner(m: Extract<ServerMessage, { type: "forward" }>): boolean {
    const type = m.request.type;
    if (type === "revalidate") {
      if (!this.tracker.setOwner(m.sessionId, m.origin)) this.hooks.log(`revalidation of session 0x${m.sessionId.toString(16)} from server ${m.origin}: the session is unknown or closing`);
      return true;
    }
    if (type === "createSession" || type === "closeSession" || type === "deleteContainer") return false;
    const check = this.tracker.checkOwner(m.sessionId, m.origin);
    // An unknown session is the preparer's to answer (its ephemerals, its close).
    if (check === "ok" || check === "unknown") return false;
    this.failWrite(m.origin, m.sessionId, m.cxid, check === "moved" ? ErrorCode.SESSION_MOVED : ErrorCode.SESSION_EXPIRED);
    return true;
  }

  /** Leader: request -> txn -> proposal. A refused check is itself a txn (an error result). */
  private prepareAndPropose(m: Extract<ServerMessage, { type: "forward" }>): void {
    if (this.settleOwner(m)) return;
    const request = m.request;
    if (request.type === "revalidate") throw new Error("assertion failed: a revalidation reached the preparer");
    const zxid = this.hooks.nextZxid();
    const timeMs = this.hooks.nowMs();
    let txn: Txn;
    try {
      txn =
        request.type === "createSession"
          ? this.preparer.prepareCreateSession(m.sessionId, request.timeoutMs, zxid, timeMs)
          : this.preparer.prepare(request, { sessionId: m.sessionId, identities: m.identities, superuser: m.superuser, zxid, timeMs });
    } catch (e) {
      const code = typeof (e as { zkCode?: unknown }).zkCode === "number" ? (e as { zkCode: number }).zkCode : ErrorCode.SYSTEM_ERROR;
      return this.failWrite(m.origin, m.sessionId, m.cxid, code);
    }
    let payload = encodeRecord(m.cxid, txn, m.origin);
    if (payload.length > (this.hooks.recordBytesMax ?? RECORD_BYTES_MAX_DEFAULT)) {
      // A txn must fit one log entry and one peer message, or every server would stop on it.
      // Only a request can make one this large (ACLs that expand per identity, say): it fails
      // instead. What was prepared for it is forgotten, so later writes wait for the tree.
      if (txn.body.type === "closeSession") throw new Error(`assertion failed: a closeSession record of ${payload.length} bytes (ephemerals are bounded per session)`);
      this.hooks.log(`write 0x${m.sessionId.toString(16)}:${m.cxid} would be a log record of ${payload.length} bytes: refused`);
      this.preparer.reset();
      this.heldUntilZxid = zxid - 1n;
      txn = { ...txn, body: { type: "error", code: ErrorCode.MARSHALLING_ERROR } };
      payload = encodeRecord(m.cxid, txn, m.origin);
    }
    const r = this.hooks.propose(payload);
    if (!r.ok) {
      // Nothing prepared after a refused proposal can commit in this order any more.
      this.preparer.reset();
      this.heldUntilZxid = zxid - 1n;
      return this.failWrite(m.origin, m.sessionId, m.cxid, ErrorCode.CONNECTION_LOSS);
    }
    if (r.zxid !== zxid) throw new Error(`assertion failed: proposal got zxid ${r.zxid}, prepared for ${zxid}`);
    this.proposed.set(zxid, { cxid: m.cxid, txn, atMs: performance.now(), origin: m.origin });
  }

  private failWrite(origin: number, sessionId: bigint, cxid: number, err: number): void {
    if (origin === this.hooks.myId) this.failLocal(sessionId, cxid, err);
    else this.hooks.sendToPeer(origin, { type: "forward-failed", sessionId, cxid, err });
  }

  private failLocal(sessionId: bigint, cxid: number, err: number): void {
    if (cxid === CREATE_SESSION_CXID) return this.hooks.endSession(sessionId, "sessionClosed");
    // A revalidation lost with its leader: the next leader learns the owner from the next request.
    if (cxid === REVALIDATE_CXID) return;
    const p = this.pending.get(key(sessionId, cxid));
    if (!p) return;
    this.pending.delete(key(sessionId, cxid));
    if (err === ErrorCode.CONNECTION_LOSS) {
      // The client cannot know whether the write happened: end the connection, as ZooKeeper does.
      this.hooks.log(`write 0x${sessionId.toString(16)}:${cxid} lost its leader (${errorCodeName(err)}); closing the connection`);
      p.session.connection?.close("notServing", "the leader changed; reconnect");
      return;
    }
    // The session reattached to another server: ZooKeeper ends this connection at the request's turn.
    const thenClose = err === ErrorCode.SESSION_MOVED ? "sessionMoved" : undefined;
    p.complete({ xid: cxid, zxid: this.lastZxid, err, response: undefined, thenClose, startedMs: 0, op: "" });
  }

  /** Applies committed entries in order; the replies and events follow each txn at once. */
  applyCommitted(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.payload === null) continue;
      const own = this.proposed.get(e.zxid);
      if (own !== undefined) {
        this.proposed.delete(e.zxid);
        this.hooks.proposalCommitted?.(performance.now() - own.atMs);
      }
      const { cxid, txn, origin } = own ?? decodeRecord(e.payload);
      if (txn.zxid !== e.zxid) throw new Error(`assertion failed: record zxid ${txn.zxid} in entry ${e.zxid}`);
      this.applyOne(cxid, txn, origin);
      this.appliedSinceSnapshot++;
    }
    if (this.isLeader) this.preparer.applied(this.lastZxid);
    this.updateLeading();
    this.flushWaiting();
  }

  /** `origin`: the server that forwarded it, when this leader proposed it (a new session's owner). */
  private applyOne(cxid: number, txn: Txn, origin: number | null): void {
    const outcome = this.tree.apply(txn);
    if (outcome.skipped) return;
    for (const f of outcome.events) this.hooks.deliverEvent(f.sessionId, f.event, f.acl);
    const body = txn.body;
    if (body.type === "createSession") {
      if (this.isLeader) this.tracker.add(txn.sessionId, body.timeoutMs, this.hooks.nowMs(), origin);
      this.hooks.sessionCreated(txn.sessionId, body.timeoutMs);
      return;
    }
    if (body.type === "closeSession") {
      this.tracker.remove(txn.sessionId);
      this.tree.watches.removeSession(txn.sessionId);
    }
    // Only the server that forwarded the request holds it (null: a record without its origin).
    const p = origin === null || origin === this.hooks.myId ? this.pending.get(key(txn.sessionId, cxid)) : undefined;
    if (p) {
      this.pending.delete(key(txn.sessionId, cxid));
      const multi = outcome.response?.type === "multi";
      p.complete({
        xid: cxid,
        zxid: txn.zxid,
        err: multi ? 0 : outcome.err,
        response: outcome.response,
        thenClose: body.type === "closeSession" ? "sessionClosed" : undefined,
        startedMs: 0,
        op: "",
      });
    } else if (body.type === "closeSession") {
      this.hooks.endSession(txn.sessionId, "sessionExpired");
    }
  }

  /** Every tick: the leader expires sessions and cleans containers; followers relay touches. */
  tick(containerCheck: boolean): void {
    const now = this.hooks.nowMs();
    if (!this.isLeader) {
      const leader = this.leaderId;
      if (leader !== null && this.touched.size > 0) this.hooks.sendToPeer(leader, { type: "touch", sessions: [...this.touched] });
      this.touched.clear();
      return;
    }
    // Writes held while consensus could not take a proposal (no quorum yet, a full window) and
    // the session secret's proposal are retried each tick as well as after each apply.
    this.flushWaiting();
    for (const id of this.tracker.expire(now)) {
      this.hooks.log(`session 0x${id.toString(16)} expired`);
      this.submitAsLeader({ type: "forward", origin: this.hooks.myId, sessionId: id, cxid: 0, request: { type: "closeSession" }, identities: [], superuser: true });
    }
    if (containerCheck) {
      for (const path of this.tree.expiredNodes(now, 1000)) {
        this.submitAsLeader({ type: "forward", origin: this.hooks.myId, sessionId: 0n, cxid: 0, request: { type: "deleteContainer", path }, identities: [], superuser: true });
      }
    }
  }

  statusChanged(status: Status): void {
    const leaderBefore = this.leaderId;
    this.status = status;
    this.updateLeading();
    // Writes forwarded to a leader that is gone will not be answered by it: end them now
    // (as ZooKeeper, whose followers drop their clients when the leader changes), or they
    // would wait in `pending` for ever.
    if (leaderBefore !== null && leaderBefore !== this.leaderId && leaderBefore !== this.hooks.myId) this.failAllPending();
  }

  /** Local writes waiting for a commit. */
  get pendingWrites(): number {
    return this.pending.size;
  }

  private failAllPending(): void {
    for (const p of [...this.pending.values()]) this.failLocal(p.session.sessionId, p.cxid, ErrorCode.CONNECTION_LOSS);
  }

  private updateLeading(): void {
    const s = this.status;
    const now = s !== undefined && s.role === "leader" && s.established && this.hooks.appliedZxid() >= makeZxid(s.epoch, 0);
    if (now === this.leading) return;
    this.leading = now;
    this.leadingSinceMs = now ? this.hooks.nowMs() : 0;
    this.preparer.reset();
    this.heldUntilZxid = 0n;
    this.secretProposed = false;
    if (now) {
      // A new leader gives every session a full timeout from now (ZooKeeper does the same).
      const t = this.hooks.nowMs();
      for (const [id, info] of this.tree.sessions) this.tracker.add(id, info.timeoutMs, t);
      // Revalidations that waited for this take effect now, in order, like every later one.
      for (const m of this.waiting.drain()) {
        if (m.request.type === "revalidate") this.settleOwner(m);
        else this.waiting.push(m);
      }
      this.flushWaiting();
    } else {
      this.proposed.clear();
      for (const id of [...this.tracker.ids()]) this.tracker.remove(id);
    }
    if (s?.role !== "leader") for (const m of this.waiting.drain()) this.failWrite(m.origin, m.sessionId, m.cxid, ErrorCode.CONNECTION_LOSS);
  }

  snapshotOfAppliedState(): Snapshot {
    // The serializer's frames, as they are: never one buffer of the whole tree.
    const parts = [...serializeSnapshot(this.tree)];
    // The replica counts epoch barriers as applied, the tree only txns: label the state with
    // the replica's applied zxid, or a snapshot wanted right after a barrier is refused as
    // older than the log's base and asked for again, forever (the drain loop spins).
    const applied = this.hooks.appliedZxid();
    return { zxid: applied > this.tree.lastProcessedZxid ? applied : this.tree.lastProcessedZxid, parts };
  }

  /**
   * Loads a snapshot received from a leader, before the replica adopts it: null if it loads
   * (the tree is kept for installSnapshot), else why not (the replica refuses the transfer).
   */
  checkSnapshot(snapshot: Snapshot): string | null {
    this.checked = null;
    let tree: DataTree;
    try {
      tree = loadSnapshotSync(snapshot.parts);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    if (tree.lastProcessedZxid > snapshot.zxid) return `its tree is at ${tree.lastProcessedZxid}, past the snapshot's zxid`;
    this.checked = { snapshot, tree };
    return null;
  }

  /** The tree a checkSnapshot loaded, kept until its snapshot is installed. */
  private checked: { snapshot: Snapshot; tree: DataTree } | null = null;

  async installSnapshot(snapshot: Snapshot): Promise<void> {
    const checked = this.checked?.snapshot.parts === snapshot.parts ? this.checked.tree : null;
    this.checked = null;
    this.tree = checked ?? (await loadSnapshot(snapshot.parts));
    this.preparer = new Preparer(this.tree, this.hooks.preparer);
    // What happened between the old tree and the snapshot was never seen here as changes.
    this.history.reset(this.tree.lastZxid);
    this.tree.changes = this.history;
    this.pending.clear();
    this.proposed.clear();
  }

  /** For requests that are not writes but still concern the replicated state. */
  isWrite(request: Request): request is Extract<Request, WriteRequest> {
    return request.type === "create" || request.type === "delete" || request.type === "setData" || request.type === "setACL" || request.type === "check" || request.type === "multi" || request.type === "closeSession";
  }
}

function key(sessionId: bigint, cxid: number): string {
  return `${sessionId}:${cxid}`;
}
