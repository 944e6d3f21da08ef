// Sessions kept alive and expired. Only the leader tracks deadlines (ZooKeeper's
// SessionTracker); a follower collects the sessions its clients touched and relays them to
// the leader each tick. An expired session is closed by a closeSession the leader proposes.
import type { SessionTracker } from "./tracker.js";

export class SessionExpiry {
  /** Follower: sessions touched since the last relay. */
  private readonly touched = new Set<bigint>();

  constructor(private readonly tracker: SessionTracker) {}

  /** A client of this server was heard from. */
  touch(sessionId: bigint, leading: boolean, nowMs: number): void {
    if (leading) this.tracker.touch(sessionId, nowMs);
    else this.touched.add(sessionId);
  }

  /** Leader: a follower relayed its clients' touches. */
  touchedElsewhere(sessions: readonly bigint[], nowMs: number): void {
    for (const id of sessions) this.tracker.touch(id, nowMs);
  }

  /** Follower, each tick: the touches collected since the last one, to send to the leader. */
  takeTouched(): bigint[] {
    const all = [...this.touched];
    this.touched.clear();
    return all;
  }

  /** Leader, each tick: the sessions whose deadline passed. */
  expired(nowMs: number): Iterable<bigint> {
    return this.tracker.expire(nowMs);
  }

  /** A new leader gives every session a full timeout from now (ZooKeeper does the same). */
  startTracking(sessions: Iterable<[bigint, { timeoutMs: number }]>, nowMs: number): void {
    for (const [id, info] of sessions) this.tracker.add(id, info.timeoutMs, nowMs);
  }

  stopTracking(): void {
    for (const id of [...this.tracker.ids()]) this.tracker.remove(id);
  }
}
