import { ZXID_ZERO, type Zxid } from "@warden/protocol";
import type { Core } from "./core.js";
import { maxZxid, minZxid } from "./core.js";
import { assert, requireOfPeer } from "./errors.js";
import { noteFollowerSync } from "./init-limit.js";
import type { AppendRequest, Entry, SyncResponse } from "./types.js";

/** Accept the leader of this epoch (called with m.epoch === c.epoch). */
export function followLeader(c: Core, leaderId: number): void {
  if (c.role === "leader") requireOfPeer(false, leaderId, `it claims to lead epoch ${c.epoch}, which this server leads`);
  requireOfPeer(
    c.leaderId === null || c.leaderId === leaderId,
    leaderId,
    `it claims to lead epoch ${c.epoch}, which server ${c.leaderId} leads`,
  );
  if (c.leaderId !== leaderId) {
    // A new attempt to connect and sync (initLimit).
    c.followerSyncTicks = 0;
    c.followerSynced = false;
    c.leaderCommitSeen = ZXID_ZERO;
  }
  if (c.role === "candidate" || c.leaderId !== leaderId) c.becomeFollower(c.epoch, leaderId);
  c.electionElapsed = 0;
  if (c.verifiedEpoch !== c.epoch) {
    c.verifiedEpoch = c.epoch;
    c.verifiedZxid = 0n;
    c.lastAckZxid = -1n;
  }
}

/**
 * Log matching on zxids: accept when we hold prevZxid (or it is below our committed base),
 * drop our tail only where it conflicts with the leader's entries (never on a stale, shorter
 * message), and commit only what is verified to equal the leader's log.
 */
export function onAppend(c: Core, m: AppendRequest): void {
  followLeader(c, m.from);
  const base = c.log.baseZxid;
  if (m.prevZxid >= base && !c.log.has(m.prevZxid)) {
    const hint = c.log.largestAtMost(m.prevZxid)!;
    c.send({
      type: "append-response",
      from: c.id,
      to: m.from,
      epoch: c.epoch,
      success: false,
      matchZxid: 0n,
      acceptedZxid: 0n,
      rejectedPrevZxid: m.prevZxid,
      hintZxid: hint,
    });
    return;
  }
  const { lastMatched, appended } = appendMatching(c, maxZxid(m.prevZxid, base), m.entries);
  c.verifiedZxid = maxZxid(c.verifiedZxid, lastMatched);
  const commit = minZxid(m.commitZxid, c.verifiedZxid);
  if (commit > c.commitZxid) c.commitZxid = commit;
  if (c.incomingSnapshot !== null && c.incomingSnapshot.zxid <= c.commitZxid) c.incomingSnapshot = null; // caught up without it
  c.leaderCommitSeen = maxZxid(c.leaderCommitSeen, m.commitZxid);
  noteFollowerSync(c);
  // Entries this append brought are acknowledged once durable (the sendAck after persisted):
  // one message to the leader for them, not one now and one then; news of a commit (quiet) is
  // not answered, as ZooKeeper's follower does not answer a COMMIT. Anything else (a
  // heartbeat, entries held already) is answered now, even while a write is stuck on the disk,
  // so the leader keeps hearing from this server.
  sendAck(c, !appended && m.quiet !== true);
}

/** Appends what the leader sent beyond what we hold: the last zxid matched, and whether any entry was appended. */
function appendMatching(c: Core, from: Zxid, entries: readonly Entry[]): { lastMatched: Zxid; appended: boolean } {
  let lastMatched = from;
  let appended = false;
  for (const e of entries) {
    if (e.zxid <= c.log.baseZxid) continue;
    assert(e.zxid > lastMatched, "append entries out of order");
    // Mostly the leader's entries follow our last one: nothing of ours to match, no search.
    const ours = lastMatched >= c.log.lastZxid ? undefined : c.log.entryAfter(lastMatched);
    if (ours !== undefined && ours.zxid === e.zxid) {
      lastMatched = e.zxid;
      continue;
    }
    if (ours !== undefined) {
      // Only entries after the last message of this leader's that matched may differ (the log
      // matching property): an earlier conflict is a rewrite of what the leader itself sent.
      requireOfPeer(
        lastMatched >= c.commitZxid,
        c.leaderId!,
        `its entry ${e.zxid} replaces committed entries (committed to ${c.commitZxid})`,
      );
      requireOfPeer(
        lastMatched >= c.verifiedZxid,
        c.leaderId!,
        `its entry ${e.zxid} replaces entries it sent in this epoch (verified to ${c.verifiedZxid})`,
      );
      c.truncateLocal(lastMatched);
    }
    c.appendLocal(e);
    appended = true;
    lastMatched = e.zxid;
  }
  return { lastMatched, appended };
}

/** Acknowledge what is both verified with the leader and durable; `always` for heartbeats. */
export function sendAck(c: Core, always: boolean): void {
  if (c.leaderId === null || c.role === "leader" || c.verifiedEpoch !== c.epoch) return;
  const match = minZxid(c.verifiedZxid, c.durableZxid);
  if (!always && match <= c.lastAckZxid) return;
  c.lastAckZxid = maxZxid(c.lastAckZxid, match);
  noteFollowerSync(c);
  c.send({
    type: "append-response",
    from: c.id,
    to: c.leaderId,
    epoch: c.epoch,
    success: true,
    matchZxid: match,
    acceptedZxid: c.verifiedZxid,
    rejectedPrevZxid: 0n,
    hintZxid: 0n,
  });
}

export function onSyncResponse(c: Core, m: SyncResponse): void {
  if (!c.syncsAwaitingReply.delete(m.requestId)) return;
  c.syncsAwaitingApply.push({ requestId: m.requestId, zxid: m.zxid });
}

/** The host reports the log durable up to `zxid` (entries or an installed snapshot). */
export function onPersisted(c: Core, zxid: Zxid): void {
  if (zxid > c.log.lastZxid || zxid <= c.durableZxid || !c.log.has(zxid)) return;
  c.durableZxid = zxid;
  sendAck(c, false);
}
