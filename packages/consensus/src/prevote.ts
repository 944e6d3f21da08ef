import { EPOCH_MAX } from "@warden/protocol";
import type { Core } from "./core.js";
import { assert } from "./errors.js";
import { campaign } from "./election.js";
import { quorumLost } from "./membership.js";
import type { PreVoteRequest, PreVoteResponse } from "./types.js";

/**
 * Raft's PreVote (thesis §9.6, etcd's PreVote): before an election, ask the voters whether
 * they would vote for us at epoch + 1. Nothing durable changes on either side, so a server cut
 * off from the quorum keeps failing here and never inflates its epoch; only with a quorum of
 * pre-votes does the real election (election.ts) start.
 */
export function preCampaign(c: Core): void {
  assert(c.isVoter, "observers never campaign");
  assert(c.role !== "leader", "a leader does not campaign");
  if (c.epoch >= EPOCH_MAX) {
    // No epoch is left to campaign in (zxids must stay below 2^53): this voter still follows
    // and votes, but never leads again. Reached only after two million elections.
    c.resetElectionTimer();
    return;
  }
  c.votes.clear();
  c.forgetLeader();
  if (c.role === "candidate") {
    c.role = "follower"; // a split vote: ask again first, keeping the epoch and our vote in it
    c.statusDirty = true;
  }
  c.preCandidate = true;
  c.preVotes.clear();
  c.preVoteRound = (c.preVoteRound + 1) >>> 0;
  c.preVotes.set(c.id, true);
  c.resetElectionTimer();
  if (preVotesWon(c)) return win(c);
  for (const v of c.ruleVoters()) {
    if (v === c.id) continue;
    c.send({ type: "prevote-request", from: c.id, to: v, epoch: c.epoch + 1, lastZxid: c.log.lastZxid, round: c.preVoteRound });
  }
}

/** Followers and candidates: ask for pre-votes when no leader has been heard for too long. */
export function tickElection(c: Core): void {
  // Non-voters count too: their leader's lease must expire, or they would refuse pre-votes for
  // ever once it dies (they vote when a configuration they have not learned makes them voters).
  c.electionElapsed++;
  if (!c.isVoter) return; // observers, and servers removed or not yet added, never campaign
  if (c.electionElapsed >= c.electionTimeout) preCampaign(c);
}

function win(c: Core): void {
  c.endPreVote();
  campaign(c);
}

function preVotesWon(c: Core): boolean {
  return c.hasQuorum((id) => c.preVotes.get(id) === true);
}

function preVotesLost(c: Core): boolean {
  return c.rule.some((m) => quorumLost(m.voters, (id) => c.preVotes.get(id) === false));
}

/**
 * Called with m.epoch >= c.epoch (an older one is refused before). Grant only if the
 * candidate's log is up to date, we could still vote in that epoch, and no leader holds our
 * lease. Granting records nothing: not the epoch, not a vote, not even a timer reset.
 */
export function onPreVoteRequest(c: Core, m: PreVoteRequest): void {
  const bugs = c.cfg.plantedBugs;
  const free = m.epoch > c.epoch || c.votedFor === null || c.votedFor === m.from;
  const upToDate = m.lastZxid >= c.log.lastZxid || bugs.voteWithoutLogCheck === true;
  const unleased = !c.inLease() || bugs.preVoteIgnoresLease === true;
  const granted = free && upToDate && unleased;
  const round = m.round === undefined ? {} : { round: m.round };
  c.send({ type: "prevote-response", from: c.id, to: m.from, epoch: granted ? m.epoch : c.epoch, granted, ...round });
}

/** A refusal of a higher epoch was adopted by step() already (that ends the pre-vote). */
export function onPreVoteResponse(c: Core, m: PreVoteResponse): void {
  if (!c.preCandidate || !c.ruleVoters().includes(m.from)) return;
  if (m.granted && m.epoch !== c.epoch + 1) return; // from an older epoch's round
  if (m.round !== undefined && m.round !== c.preVoteRound) return; // from an older round of this epoch
  c.preVotes.set(m.from, m.granted);
  if (preVotesWon(c)) win(c);
  else if (preVotesLost(c)) c.endPreVote(); // lost: wait for the timer or a leader
}

/**
 * The host saw the connection from our leader close: forget it (so we grant pre-votes and may
 * campaign at once) without changing the epoch. Ignored when `leaderId` is given and is not
 * the leader we follow (a stale report).
 */
export function leaderLost(c: Core, leaderId?: number): void {
  if (c.role === "leader" || c.leaderId === null) return;
  if (leaderId !== undefined && leaderId !== c.leaderId) return;
  c.forgetLeader();
}

/**
 * The leader we follow was removed and asks us to campaign now (Raft's TimeoutNow): no pre-vote,
 * and our vote requests ask voters to disregard that leader's lease.
 */
export function onTimeoutNow(c: Core, from: number): void {
  if (from !== c.leaderId || !c.isVoter || c.role === "leader" || c.epoch >= EPOCH_MAX) return;
  c.endPreVote();
  c.forgetLeader();
  if (c.role === "candidate") c.role = "follower";
  campaign(c, true);
}
