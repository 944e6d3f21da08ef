// Stage: admit, prepare, propose (the leader only). A forwarded request waits in arrival order
// until this server leads and consensus can take a proposal; its session's owner is checked at
// its turn; the Preparer turns it into a txn against the tree plus the changes of proposals in
// flight; the txn is encoded once into the log record that consensus replicates.
import { ErrorCode } from "@warden/protocol";
import { Preparer, type DataTree, type Txn } from "@warden/tree";
import { encodeRecord } from "../record.js";
import type { SessionTracker } from "../../session/tracker.js";
import type { NodeHooks } from "./hooks.js";
import type { Forward } from "./messages.js";

/** Storage's default entryBytesMax. */
const RECORD_BYTES_MAX_DEFAULT = 8 * 1024 * 1024;
/** Writes waiting for the replica to accept proposals; more fail with connection loss. */
const WAITING_WRITES_MAX = 100_000;

/** A proposal of this leader in flight: applied on commit from the object, never decoded. */
export interface Proposed {
  zxid: bigint;
  cxid: number;
  txn: Txn;
  atMs: number;
  origin: number;
}

/** A request that failed before it became a proposal: told to the server that forwarded it. */
export type FailForward = (origin: number, sessionId: bigint, cxid: number, err: number) => void;

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
  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.items[this.head];
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
    this.clear();
    return all;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class Proposer {
  private preparerOf: Preparer;
  /** Requests that reached this server while it is leader but cannot propose yet (bounded). */
  private readonly waiting = new FifoQueue<Forward>();
  /**
   * Each in-flight proposal (bounded by consensus' in-flight limit), in zxid order: they commit
   * in that order, so the one committing is always at the front (no map, no bigint hashed).
   */
  private readonly proposed = new FifoQueue<Proposed>();
  /** Established, and every txn committed before this epoch is applied here. */
  private leading = false;
  /** This leader proposed the session secret (it commits before anything proposed after it). */
  private secretProposed = false;
  /**
   * After a refused proposal (consensus busy) the preparer is reset, which also forgets the
   * changes of proposals still in flight: hold writes until those are applied, or the next
   * write would be prepared against a stale tree (a version or a sequence number reused).
   */
  private heldUntilZxid = 0n;

  constructor(
    private readonly hooks: NodeHooks,
    private readonly tracker: SessionTracker,
    private tree: DataTree,
    private readonly fail: FailForward,
  ) {
    this.preparerOf = new Preparer(tree, hooks.preparer);
  }

  /** The Preparer in use (replaced with the tree when a snapshot is installed). */
  get preparer(): Preparer {
    return this.preparerOf;
  }

  get isLeading(): boolean {
    return this.leading;
  }

  /** A snapshot replaced the tree: prepare against the new one, forget what was in flight. */
  replaceTree(tree: DataTree): void {
    this.tree = tree;
    this.preparerOf = new Preparer(tree, this.hooks.preparer);
    this.proposed.clear();
  }

  /**
   * Prepares and proposes at once when it can; otherwise (not leading yet, consensus at its
   * in-flight bound, or holding after a refused proposal) the request waits, in arrival order.
   */
  submit(m: Forward): void {
    // A revalidation takes effect at once, as ZooKeeper's LearnerHandler takes REVALIDATE: the new
    // connection's reads here are checked at once, and the old server's writes still waiting are
    // refused at their turn. Before leading, the tracker is not filled yet: it waits in order.
    if (m.request.type === "revalidate" && this.leading) return void this.settleOwner(m);
    if (this.waiting.length === 0 && this.canProposeNow()) return this.prepareAndPropose(m);
    if (this.waiting.length >= WAITING_WRITES_MAX) return this.fail(m.origin, m.sessionId, m.cxid, ErrorCode.CONNECTION_LOSS);
    this.waiting.push(m);
  }

  /** Proposes what waits, as far as consensus takes it (after each apply and each tick). */
  flush(): void {
    this.proposeSessionSecret();
    while (this.waiting.length > 0 && this.canProposeNow()) this.prepareAndPropose(this.waiting.shift()!);
  }

  /** The proposal committed at zxid, if this leader made it; forgotten here. */
  takeProposed(zxid: bigint): Proposed | undefined {
    let front = this.proposed.peek();
    // Entries this leader did not propose (an epoch's barrier, a configuration) are not queued.
    // A queued zxid below the one committing would be a proposal that never commits, which a
    // leader's log cannot hold: dropped rather than kept for ever.
    while (front !== undefined && front.zxid < zxid) {
      this.proposed.shift();
      front = this.proposed.peek();
    }
    return front?.zxid === zxid ? this.proposed.shift() : undefined;
  }

  /** Committed txns up to lastZxid are in the tree: the preparer drops their pending changes. */
  applied(lastZxid: bigint): void {
    if (this.leading) this.preparerOf.applied(lastZxid);
  }

  /**
   * Leading began or ended. Beginning: the revalidations that waited for it take effect, in
   * order, and the rest is proposed. Ending: what was in flight is another leader's to decide.
   */
  setLeading(leading: boolean): void {
    this.leading = leading;
    this.preparerOf.reset();
    this.heldUntilZxid = 0n;
    this.secretProposed = false;
    if (leading) {
      for (const m of this.waiting.drain()) {
        if (m.request.type === "revalidate") this.settleOwner(m);
        else this.waiting.push(m);
      }
      this.flush();
    } else {
      this.proposed.clear();
    }
  }

  /** This server is no longer the leader: what waits here fails (CONNECTION_LOSS). */
  failWaiting(): void {
    for (const m of this.waiting.drain()) this.fail(m.origin, m.sessionId, m.cxid, ErrorCode.CONNECTION_LOSS);
  }

  private canProposeNow(): boolean {
    return this.leading && !this.secretMissing() && this.heldUntilZxid <= this.hooks.appliedZxid() && this.hooks.canPropose();
  }

  /** Writes wait while the ensemble needs a session secret that no proposal carries yet. */
  private secretMissing(): boolean {
    return this.hooks.drawSessionSecret !== undefined && this.tree.sessionSecret === undefined && !this.secretProposed;
  }

  /** The session secret goes into the log ahead of every write (tried again each tick until consensus takes it). */
  private proposeSessionSecret(): void {
    if (!this.leading || !this.secretMissing() || !this.hooks.canPropose()) return;
    const zxid = this.hooks.nextZxid();
    const txn = this.preparerOf.prepareSessionSecret(this.hooks.drawSessionSecret!(), zxid, this.hooks.nowMs());
    const r = this.hooks.propose(encodeRecord(0, txn, this.hooks.myId));
    if (!r.ok) return;
    if (r.zxid !== zxid) throw new Error(`assertion failed: proposal got zxid ${r.zxid}, prepared for ${zxid}`);
    this.secretProposed = true;
    this.proposed.push({ zxid, cxid: 0, txn, atMs: performance.now(), origin: this.hooks.myId });
    this.hooks.log(`proposed the ensemble's session secret at zxid 0x${zxid.toString(16)}`);
  }

  /**
   * For a forwarded request in its turn: a revalidation sets the owner; a session's write sent
   * by a server that does not own it fails with SESSION_MOVED, and one of a session being
   * expired with SESSION_EXPIRED (ZooKeeper's checkSession). createSession sets its owner when
   * it commits; closeSession is not checked (ZooKeeper's expirer closes sessions it does not
   * own), nor are the leader's own housekeeping writes. True when no proposal is needed.
   */
  private settleOwner(m: Forward): boolean {
    const type = m.request.type;
    if (type === "revalidate") {
      if (!this.tracker.setOwner(m.sessionId, m.origin))
        this.hooks.log(`revalidation of session 0x${m.sessionId.toString(16)} from server ${m.origin}: the session is unknown or closing`);
      return true;
    }
    if (type === "createSession" || type === "closeSession" || type === "deleteContainer") return false;
    const check = this.tracker.checkOwner(m.sessionId, m.origin);
    // An unknown session is the preparer's to answer (its ephemerals, its close).
    if (check === "ok" || check === "unknown") return false;
    this.fail(m.origin, m.sessionId, m.cxid, check === "moved" ? ErrorCode.SESSION_MOVED : ErrorCode.SESSION_EXPIRED);
    return true;
  }

  /** Request -> txn -> proposal. A refused check is itself a txn (an error result). */
  private prepareAndPropose(m: Forward): void {
    if (this.settleOwner(m)) return;
    const request = m.request;
    if (request.type === "revalidate") throw new Error("assertion failed: a revalidation reached the preparer");
    const zxid = this.hooks.nextZxid();
    const timeMs = this.hooks.nowMs();
    let txn: Txn;
    try {
      txn =
        request.type === "createSession"
          ? this.preparerOf.prepareCreateSession(m.sessionId, request.timeoutMs, zxid, timeMs)
          : this.preparerOf.prepare(request, { sessionId: m.sessionId, identities: m.identities, superuser: m.superuser, zxid, timeMs });
    } catch (e) {
      const code = typeof (e as { zkCode?: unknown }).zkCode === "number" ? (e as { zkCode: number }).zkCode : ErrorCode.SYSTEM_ERROR;
      return this.fail(m.origin, m.sessionId, m.cxid, code);
    }
    let payload = encodeRecord(m.cxid, txn, m.origin);
    if (payload.length > (this.hooks.recordBytesMax ?? RECORD_BYTES_MAX_DEFAULT)) {
      // A txn must fit one log entry and one peer message, or every server would stop on it.
      // Only a request can make one this large (ACLs that expand per identity, say): it fails
      // instead. What was prepared for it is forgotten, so later writes wait for the tree.
      if (txn.body.type === "closeSession")
        throw new Error(`assertion failed: a closeSession record of ${payload.length} bytes (ephemerals are bounded per session)`);
      this.hooks.log(`write 0x${m.sessionId.toString(16)}:${m.cxid} would be a log record of ${payload.length} bytes: refused`);
      this.preparerOf.reset();
      this.heldUntilZxid = zxid - 1n;
      txn = { ...txn, body: { type: "error", code: ErrorCode.MARSHALLING_ERROR } };
      payload = encodeRecord(m.cxid, txn, m.origin);
    }
    const r = this.hooks.propose(payload);
    if (!r.ok) {
      // Nothing prepared after a refused proposal can commit in this order any more.
      this.preparerOf.reset();
      this.heldUntilZxid = zxid - 1n;
      return this.fail(m.origin, m.sessionId, m.cxid, ErrorCode.CONNECTION_LOSS);
    }
    if (r.zxid !== zxid) throw new Error(`assertion failed: proposal got zxid ${r.zxid}, prepared for ${zxid}`);
    this.proposed.push({ zxid, cxid: m.cxid, txn, atMs: performance.now(), origin: m.origin });
  }
}
