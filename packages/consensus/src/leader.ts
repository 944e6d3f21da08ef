import type { Zxid } from "@warden/protocol";
import { makeZxid, zxidEpoch } from "@warden/protocol";
import type { Core, Progress } from "./core.js";
import { maxZxid, newProgress } from "./core.js";
import { assert, requireOfPeer } from "./errors.js";
import { tickLeaderSync } from "./init-limit.js";
import { membershipBytes } from "./membership.js";
import { releaseUnusedSnapshot, sendSnapshotChunks, snapshotHeartbeat, startSnapshot } from "./snapshot-out.js";
import type { AppendResponse, Entry, PeerLag, ProposeResult, SyncRequest } from "./types.js";

/** The largest zxid counter in one epoch; a leader past it steps down so that a new epoch starts. */
const COUNTER_MAX = 0xffffffff;

/**
 * Won the election: append the epoch barrier (zxid (epoch, 0)) and start recovery.
 * Followers are probed from our last zxid backwards; proposals are refused until the
 * barrier commits, which happens only when a quorum holds our whole history durably
 * (Zab's NEWLEADER ack). Committing it commits every earlier epoch's entries.
 */
export function becomeLeader(c: Core): void {
  assert(c.role === "candidate" && c.votedFor === c.id, "only a candidate that voted for itself leads");
  c.role = "leader";
  c.leaderId = c.id;
  c.established = false;
  c.statusDirty = true;
  c.heartbeatElapsed = 0;
  c.checkQuorumElapsed = 0;
  c.leaderSyncTicks = 0;
  c.progress.clear();
  c.incomingSnapshot = null;
  c.syncProgress(true);
  c.barrierZxid = makeZxid(c.epoch, 0);
  c.nextCounter = 1;
  c.appendLocal({ zxid: c.barrierZxid, payload: null });
  for (const p of c.progress.values()) sendAppend(c, p);
  maybeCommit(c);
}

export { newProgress };

export function propose(c: Core, payload: Uint8Array): ProposeResult {
  if (c.role !== "leader") return { ok: false, reason: "not-leader", leaderId: c.leaderId };
  if (!c.established) return { ok: false, reason: "not-ready", leaderId: c.id };
  if (c.log.countAfter(c.commitZxid) >= c.cfg.inflightProposalsMax) return { ok: false, reason: "busy", leaderId: c.id };
  if (payload.length > c.cfg.entryBytesMax) return { ok: false, reason: "too-large", leaderId: c.id };
  if (c.nextCounter > COUNTER_MAX) {
    // The epoch's counter is exhausted: a new epoch needs a new election (as in ZooKeeper).
    c.becomeFollower(c.epoch, null);
    return { ok: false, reason: "not-leader", leaderId: null };
  }
  const zxid = makeZxid(c.epoch, c.nextCounter++);
  c.appendLocal({ zxid, payload });
  return { ok: true, zxid };
}

/** Send one append (or probe) to p, if its state allows one now. */
export function sendAppend(c: Core, p: Progress): void {
  if (p.state === "snapshot") return;
  const prev = p.sentZxid;
  if (prev < c.log.baseZxid) {
    startSnapshot(c, p);
    return;
  }
  const entries = withinBytes(c.log.entriesAfter(prev, c.cfg.appendEntriesMax), c.cfg.appendBytesMax);
  c.send({ type: "append", from: c.id, to: p.id, epoch: c.epoch, prevZxid: prev, entries, commitZxid: c.commitZxid });
  if (p.state === "probe") {
    p.probeSent = true;
  } else if (entries.length > 0) {
    p.sentZxid = entries[entries.length - 1]!.zxid;
    p.inflight.push(p.sentZxid);
  }
}

/** The longest prefix of `entries` whose payloads (and configurations) fit in `bytesMax`; at least one entry. */
function withinBytes(entries: Entry[], bytesMax: number): Entry[] {
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    bytes += (e.payload?.length ?? 0) + (e.membership === undefined ? 0 : membershipBytes(e.membership));
    if (bytes > bytesMax && i > 0) return entries.slice(0, i);
  }
  return entries;
}

/** Send whatever each follower can take now: called when a Ready is built (batching). */
export function flushAppends(c: Core): void {
  if (c.role !== "leader") return;
  const last = c.log.lastZxid;
  const tellCommit = c.commitDirty;
  c.commitDirty = false;
  for (const p of c.progress.values()) {
    const before = c.outbox.length;
    if (p.state === "probe") {
      if (!p.probeSent) sendAppend(c, p);
    } else if (p.state === "snapshot") {
      sendSnapshotChunks(c, p);
    } else {
      for (let i = 0; i < c.cfg.inflightMessagesMax; i++) {
        if (p.state !== "replicate" || p.inflight.length >= c.cfg.inflightMessagesMax || p.sentZxid >= last) break;
        sendAppend(c, p);
      }
    }
    // A new commit goes out at once (batched per Ready), not at the next heartbeat; as
    // ZooKeeper's COMMIT, it is not answered (heartbeats are, every heartbeat tick).
    if (tellCommit && c.outbox.length === before && p.state !== "snapshot") c.heartbeatTo(p, true);
  }
}

export function tickLeader(c: Core): void {
  if (tickLeaderSync(c)) return;
  c.heartbeatElapsed++;
  c.checkQuorumElapsed++;
  if (c.checkQuorumElapsed >= c.cfg.electionTicks) {
    c.checkQuorumElapsed = 0;
    if (!quorumActive(c)) {
      // Sync limit passed without hearing from a quorum: stop accepting writes.
      c.becomeFollower(c.epoch, null);
      return;
    }
  }
  if (c.heartbeatElapsed < c.cfg.heartbeatTicks) return;
  c.heartbeatElapsed = 0;
  for (const p of c.progress.values()) heartbeat(c, p);
  releaseUnusedSnapshot(c);
}

function quorumActive(c: Core): boolean {
  const active = c.hasQuorum((id) => id === c.id || c.progress.get(id)?.recentActive === true);
  for (const p of c.progress.values()) p.recentActive = false;
  return active;
}

function heartbeat(c: Core, p: Progress): void {
  if (p.state === "snapshot") {
    if (snapshotHeartbeat(c, p)) return c.heartbeatTo(p);
    toProbe(p, p.matchZxid); // no progress for an election timeout: probe afresh
  } else if (p.state === "replicate" && !p.progressed && p.matchZxid < p.sentZxid) {
    toProbe(p, p.matchZxid); // no progress for a heartbeat: assume messages were lost
  }
  p.progressed = false;
  if (p.state === "probe") {
    p.probeSent = false;
    sendAppend(c, p);
  } else {
    c.heartbeatTo(p);
  }
}

function toProbe(p: Progress, prev: Zxid): void {
  p.state = "probe";
  p.snapshotSuperseded = false;
  p.sentZxid = prev;
  p.inflight = [];
  p.probeSent = false;
}

export function onAppendResponse(c: Core, m: AppendResponse): void {
  const p = c.progress.get(m.from);
  if (c.role !== "leader" || p === undefined) return;
  p.recentActive = true;
  if (m.success) onAck(c, p, m.matchZxid, m.acceptedZxid);
  else onReject(c, p, m);
}

function onAck(c: Core, p: Progress, match: Zxid, accepted: Zxid): void {
  if (accepted > c.log.lastZxid) requireOfPeer(false, p.id, `it acknowledges ${accepted}, beyond this leader's log (${c.log.lastZxid})`);
  if (match > p.matchZxid) {
    p.matchZxid = match;
    p.progressed = true;
  }
  p.inflight = p.inflight.filter((z) => z > accepted);
  if (p.state === "probe" && p.probeSent) {
    p.state = "replicate";
    p.sentZxid = maxZxid(accepted, p.sentZxid);
  } else if (p.state === "snapshot" && p.matchZxid >= p.snapshotZxid) {
    p.state = "replicate";
    p.sentZxid = p.matchZxid;
    p.snapshotSuperseded = false;
  }
  maybeCommit(c); // new sends wait for the next Ready: one batch per follower
  if (c.role === "leader" && p.matchZxid >= c.members.last.version) c.syncProgress(false); // a removed server that now knows it
}

function onReject(c: Core, p: Progress, m: AppendResponse): void {
  if (m.rejectedPrevZxid <= p.matchZxid || p.state === "snapshot") return; // stale
  const prev = c.log.largestAtMost(maxZxid(m.hintZxid, p.matchZxid));
  toProbe(p, prev ?? p.matchZxid);
  if (prev === null) startSnapshot(c, p);
  else sendAppend(c, p);
}

/**
 * Commit the highest zxid of this epoch held durably by a quorum of voters (us included), of
 * every configuration that counts: the old and the new one while a change is uncommitted.
 */
export function maybeCommit(c: Core): void {
  if (c.role !== "leader") return;
  let candidate: Zxid | null = null;
  for (const m of c.rule) {
    const held = quorumMatch(c, m.voters);
    candidate = candidate === null || held < candidate ? held : candidate;
  }
  if (c.cfg.plantedBugs.commitWithoutQuorum === true) candidate = c.durableZxid;
  if (candidate !== null && candidate > c.commitZxid && zxidEpoch(candidate) === c.epoch) {
    const pendingBefore = c.members.last.version > c.commitZxid;
    c.commitZxid = candidate;
    c.commitDirty = true;
    answerRemoteSyncs(c);
    if (pendingBefore && c.members.last.version <= c.commitZxid) configurationCommitted(c);
    if (c.role !== "leader") return;
  }
  if (!c.established && c.commitZxid >= c.barrierZxid) {
    c.established = true;
    c.statusDirty = true;
  }
}

/** The largest zxid durable on a quorum of `voters` (the leader's own copy counts if it votes). */
function quorumMatch(c: Core, voters: readonly number[]): Zxid {
  const matches = voters.map((v) => (v === c.id ? c.durableZxid : (c.progress.get(v)?.matchZxid ?? 0n)));
  matches.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  return matches[Math.floor(voters.length / 2)]!;
}

/**
 * The newest configuration committed: only its quorums count from now on. A leader it removed
 * (or made an observer) hands over: it tells everyone the commit, asks the most up-to-date voter
 * of the new configuration to campaign at once (Raft's TimeoutNow), and stops leading.
 */
function configurationCommitted(c: Core): void {
  c.syncProgress(false);
  if (c.isVoter) return;
  let target: Progress | null = null;
  for (const p of c.progress.values()) {
    if (!c.members.last.voters.includes(p.id)) continue;
    if (target === null || p.matchZxid > target.matchZxid) target = p;
  }
  for (const p of c.progress.values()) if (p.state !== "snapshot") c.heartbeatTo(p);
  if (target !== null) c.send({ type: "timeout-now", from: c.id, to: target.id, epoch: c.epoch });
  c.becomeFollower(c.epoch, null);
}

export function onSyncRequest(c: Core, m: SyncRequest): void {
  if (c.role !== "leader" || m.epoch !== c.epoch) return;
  if (c.remoteSyncs.length >= c.cfg.pendingSyncsMax) return; // the follower's host times out and retries
  c.remoteSyncs.push({ from: m.from, requestId: m.requestId, zxid: c.log.lastZxid });
  answerRemoteSyncs(c);
}

function answerRemoteSyncs(c: Core): void {
  const waiting = c.remoteSyncs.filter((s) => s.zxid > c.commitZxid);
  for (const s of c.remoteSyncs) {
    if (s.zxid > c.commitZxid) continue;
    if (s.from === c.id) {
      c.syncsAwaitingApply.push({ requestId: s.requestId, zxid: s.zxid });
      continue;
    }
    c.send({ type: "sync-response", from: c.id, to: s.from, epoch: c.epoch, requestId: s.requestId, zxid: s.zxid });
  }
  c.remoteSyncs = waiting;
}

export function peerLags(c: Core): PeerLag[] {
  const out: PeerLag[] = [];
  for (const p of c.progress.values()) {
    const lagEntries = p.matchZxid < c.log.baseZxid ? -1 : c.log.countAfter(p.matchZxid);
    out.push({
      id: p.id,
      voter: p.voter,
      matchZxid: p.matchZxid,
      lagEntries,
      state: p.state,
      snapshotZxid: p.snapshotZxid,
      snapshotAckedBytes: p.snapshotAckedBytes,
    });
  }
  return out;
}
