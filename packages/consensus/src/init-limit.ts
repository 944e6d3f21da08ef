// ZooKeeper's initLimit: how long connecting and syncing with a new leader may take. In Zab a
// follower is synced once it has acknowledged NEWLEADER; here, once its acknowledgement covers
// the epoch barrier (epoch, 0), which it sends only with the leader's history durable.
import { makeZxid } from "@warden/protocol";
import type { Core, Progress } from "./core.js";
import { newProgress } from "./leader.js";

/**
 * Leader, every tick: step down if a quorum has not synced within initTicks of the election
 * (true: the caller stops), and drop each follower not synced within initTicks of its
 * connection: its progress starts afresh (a probe; a snapshot transfer from the first byte).
 */
export function tickLeaderSync(c: Core): boolean {
  const limit = c.cfg.initTicks;
  if (limit === 0) return false;
  if (!c.established && ++c.leaderSyncTicks >= limit) {
    c.becomeFollower(c.epoch, null);
    return true;
  }
  for (const p of c.progress.values()) {
    // Synced: taking appends, and holding this epoch's history. A probe or a snapshot transfer
    // (a follower that reconnected or fell behind) is a sync in progress.
    if (p.state === "replicate" && p.matchZxid >= c.barrierZxid) p.syncTicks = 0;
    else if (++p.syncTicks >= limit) dropFollower(c, p);
  }
  return false;
}

function dropFollower(c: Core, p: Progress): void {
  const heard = p.recentActive; // dropping is not silence: the check-quorum round still counts it
  Object.assign(p, newProgress(p.id, p.voter, c.log.lastZxid), { recentActive: heard, matchZxid: p.matchZxid });
}

/**
 * Follower, at each append and acknowledgement: synced once it has acknowledged this epoch's
 * barrier durable, its leader has said it committed that barrier, and it holds, verified,
 * everything its leader last said it has committed (leaderCommitSeen; a snapshot transfer is
 * not that).
 */
export function noteFollowerSync(c: Core): void {
  const barrier = makeZxid(c.epoch, 0);
  // The leader committed its barrier (it is established: ZooKeeper's UPTODATE follows NEWLEADER's quorum).
  if (c.followerSynced || c.leaderCommitSeen < barrier || c.verifiedZxid < c.leaderCommitSeen || c.lastAckZxid < barrier) return;
  c.followerSynced = true;
  c.statusDirty = true; // Status.synced: the server serves from now on
}

/** Follower or observer, every tick: give up a leader it has not synced with within initTicks. */
export function tickFollowerSync(c: Core): void {
  const limit = c.cfg.initTicks;
  if (limit === 0 || c.leaderId === null || c.followerSynced) return;
  if (++c.followerSyncTicks >= limit) {
    c.followerSyncTicks = 0;
    c.forgetLeader(); // the leader's next message starts a new attempt, as a Zab follower reconnects
  }
}
