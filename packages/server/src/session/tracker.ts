// Session deadlines, as ZooKeeper's ExpiryQueue: a deadline is rounded up to the next
// tick so that expiry is checked once per tick over whole buckets, not per session.
// Pure: the caller passes the time.
//
// The leader also tracks each session's owner: the server its client is attached to
// (ZooKeeper's SessionImpl.owner). A write forwarded by any other server is refused with
// SESSION_MOVED (checkSession). The owner lives only in the leader's memory, as in ZooKeeper:
// a new leader starts with none, and the first server to revalidate the session or send one
// of its requests becomes the owner (every server drops its clients when the leader changes).

export interface TrackedSession {
  readonly sessionId: bigint;
  readonly timeoutMs: number;
  deadlineMs: number;
  /** Set once expiry (or close) has been decided; no touch revives it. */
  closing: boolean;
  /** The id of the server the session's client is attached to; null until one claims it. */
  owner: number | null;
}

/** What checkSession decides for a request of a session sent by server `owner`. */
export type OwnerCheck = "ok" | "moved" | "closing" | "unknown";

export class SessionTracker {
  private readonly sessions = new Map<bigint, TrackedSession>();
  private readonly buckets = new Map<number, Set<bigint>>();

  constructor(private readonly tickMs: number) {
    if (!(tickMs > 0)) throw new Error(`tickMs must be > 0, got ${tickMs}`);
  }

  get size(): number {
    return this.sessions.size;
  }

  get(sessionId: bigint): TrackedSession | undefined {
    return this.sessions.get(sessionId);
  }

  ids(): IterableIterator<bigint> {
    return this.sessions.keys();
  }

  /** Starts (or restarts, after a leader change) tracking a session. */
  add(sessionId: bigint, timeoutMs: number, nowMs: number, owner: number | null = null): void {
    this.remove(sessionId);
    const s: TrackedSession = { sessionId, timeoutMs, deadlineMs: 0, closing: false, owner };
    this.sessions.set(sessionId, s);
    this.schedule(s, nowMs);
  }

  /** Pushes the deadline out; false when the session is unknown or closing. */
  touch(sessionId: bigint, nowMs: number): boolean {
    const s = this.sessions.get(sessionId);
    if (!s || s.closing) return false;
    this.schedule(s, nowMs);
    return true;
  }

  setClosing(sessionId: bigint): void {
    const s = this.sessions.get(sessionId);
    if (s) s.closing = true;
  }

  /** The session's client is now attached to server `owner` (ZooKeeper's setOwner); false when unknown or closing. */
  setOwner(sessionId: bigint, owner: number): boolean {
    const s = this.sessions.get(sessionId);
    if (!s || s.closing) return false;
    s.owner = owner;
    return true;
  }

  /**
   * ZooKeeper's checkSession(sessionId, owner): a session nobody owns yet becomes `owner`'s;
   * one owned by another server has moved.
   */
  checkOwner(sessionId: bigint, owner: number): OwnerCheck {
    const s = this.sessions.get(sessionId);
    if (!s) return "unknown";
    if (s.closing) return "closing";
    if (s.owner === null) s.owner = owner;
    else if (s.owner !== owner) return "moved";
    return "ok";
  }

  remove(sessionId: bigint): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    this.buckets.get(s.deadlineMs)?.delete(sessionId);
    this.sessions.delete(sessionId);
  }

  /** Deadlines with the sessions due at each (dump's expiry_time_to_session_ids), closing ones left out. */
  deadlines(): Map<number, bigint[]> {
    const out = new Map<number, bigint[]>();
    for (const [deadline, ids] of this.buckets) {
      const live = [...ids].filter((id) => !this.sessions.get(id)!.closing);
      if (live.length > 0) out.set(deadline, live);
    }
    return out;
  }

  /** Sessions whose deadline has passed; they are marked closing and returned once. */
  expire(nowMs: number): bigint[] {
    const out: bigint[] = [];
    for (const [deadline, ids] of this.buckets) {
      if (deadline > nowMs) continue;
      for (const id of ids) {
        const s = this.sessions.get(id)!;
        if (!s.closing) {
          s.closing = true;
          out.push(id);
        }
      }
      this.buckets.delete(deadline);
    }
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private schedule(s: TrackedSession, nowMs: number): void {
    const deadline = Math.ceil((nowMs + s.timeoutMs) / this.tickMs) * this.tickMs;
    if (deadline === s.deadlineMs) return;
    this.buckets.get(s.deadlineMs)?.delete(s.sessionId);
    s.deadlineMs = deadline;
    let bucket = this.buckets.get(deadline);
    if (!bucket) this.buckets.set(deadline, (bucket = new Set()));
    bucket.add(s.sessionId);
  }
}

/** Negotiates a client's requested timeout into the server's bounds, as ZooKeeper does. */
export function negotiateTimeoutMs(requestedMs: number, timeoutMsMin: number, timeoutMsMax: number): number {
  return Math.min(Math.max(requestedMs, timeoutMsMin), timeoutMsMax);
}
