import type { Core } from "./core.js";
import { assert } from "./errors.js";
import { becomeLeader } from "./leader.js";
import type { VoteRequest, VoteResponse } from "./types.js";

/**
 * Become a candidate for the next epoch and ask every other voter for its vote. Reached only
 * through a won pre-vote (prevote.ts), which is where timers and the host start.
 */
export function campaign(c: Core, transfer = false): void {
  assert(c.isVoter, "observers never campaign");
  assert(!c.preCandidate, "the pre-vote ends before the election");
  c.setEpoch(c.epoch + 1);
  c.votedFor = c.id;
  c.role = "candidate";
  c.leaderId = null;
  c.established = false;
  c.electionCount++;
  c.progress.clear();
  c.votes.clear();
  c.votes.set(c.id, true);
  c.resetElectionTimer();
  if (won(c)) {
    becomeLeader(c);
    return;
  }
  for (const v of c.ruleVoters()) {
    if (v === c.id) continue;
    c.send({ type: "vote-request", from: c.id, to: v, epoch: c.epoch, lastZxid: c.log.lastZxid, ...(transfer ? { transfer: true } : {}) });
  }
}

/** Granted by a quorum of every configuration that counts (both, while a change is uncommitted). */
function won(c: Core): boolean {
  return c.hasQuorum((id) => c.votes.get(id) === true);
}

/**
 * Grant at most one vote per epoch (durable through HardState before the reply is sent),
 * and only to a candidate whose log is at least as new as ours: zxid order is
 * (epoch, counter) order, so this is Raft's up-to-date rule on Zab's log shape.
 */
export function onVoteRequest(c: Core, m: VoteRequest): void {
  assert(m.epoch === c.epoch, "vote request epoch not reconciled");
  // Anyone answers (Raft): the candidate counts only the voters of its configurations, and a
  // server that has not yet heard of the configuration making it a voter must still be able to
  // vote for a candidate that has.
  const free = c.votedFor === null || c.votedFor === m.from;
  const upToDate = m.lastZxid >= c.log.lastZxid || c.cfg.plantedBugs.voteWithoutLogCheck === true;
  const granted = free && upToDate && (c.role === "follower" || c.role === "observer");
  if (granted) {
    c.endPreVote(); // we back this candidate now
    c.votedFor = m.from;
    c.hardStateDirty = true;
    c.resetElectionTimer();
  }
  c.send({ type: "vote-response", from: c.id, to: m.from, epoch: c.epoch, granted });
}

export function onVoteResponse(c: Core, m: VoteResponse): void {
  if (c.role !== "candidate" || m.epoch !== c.epoch) return;
  if (!c.ruleVoters().includes(m.from)) return;
  c.votes.set(m.from, m.granted);
  if (won(c)) becomeLeader(c);
}
