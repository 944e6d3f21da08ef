import type { Zxid } from "@warden/protocol";
import { minZxid } from "./core.js";
import { Core } from "./core.js";
import type { ReplicaConfig } from "./config.js";
import { resolveConfig } from "./config.js";
import { onVoteRequest, onVoteResponse } from "./election.js";
import { leaderLost, onPreVoteRequest, onPreVoteResponse, onTimeoutNow, preCampaign, tickElection } from "./prevote.js";
import { assert } from "./errors.js";
import { onAppend, onPersisted, onSyncResponse, sendAck } from "./follower.js";
import { tickFollowerSync } from "./init-limit.js";
import { flushAppends, maybeCommit, onAppendResponse, onSyncRequest, peerLags, propose, tickLeader } from "./leader.js";
import { proposeMembership } from "./reconfig.js";
import { onSnapshotChunk } from "./snapshot-in.js";
import { onSnapshotAck, provideSnapshot } from "./snapshot-out.js";
import type {
  Entry,
  MembershipChange,
  MembershipResult,
  MembershipStatus,
  Message,
  PeerLag,
  ProposeResult,
  Ready,
  Snapshot,
  Status,
  TransferStats,
} from "./types.js";

/**
 * One server's consensus state machine (etcd raft's RawNode shape). Pure: inputs are
 * tick(), step(message), propose(payload), persisted(zxid), provideSnapshot(snapshot),
 * sync(requestId); the output is ready(), handled by the host, then advance(ready).
 */
export class Replica {
  private readonly c: Core;
  private outstanding: Ready | null = null;

  /** Throws ConsensusConfigError on a bad configuration. */
  constructor(config: ReplicaConfig) {
    this.c = new Core(resolveConfig(config));
    this.c.reportedMembership = this.membershipKey(); // the host reads the initial one with membership()
  }

  /** One logical clock tick (the host calls it every tickMs). */
  tick(): void {
    if (this.c.role === "leader") tickLeader(this.c);
    else {
      tickFollowerSync(this.c);
      tickElection(this.c);
    }
  }

  /**
   * Start an election now (voters only), as at startup when no leader is known, or after
   * leaderLost(). It begins with a pre-vote: voters that still hear a leader refuse it, so
   * calling this while the leader is healthy changes no epoch (we only forget our leader
   * until its next heartbeat).
   */
  campaign(): void {
    if (this.c.isVoter && this.c.role !== "leader") preCampaign(this.c);
  }

  /**
   * The host saw the connection from its leader close (the process died, or the link
   * blipped): forget the leader, keep the epoch. This server then grants pre-votes and may
   * campaign() at once; if the leader is alive, its next heartbeat restores it. With
   * `leaderId`, ignored unless that is the leader we follow.
   */
  leaderLost(leaderId?: number): void {
    leaderLost(this.c, leaderId);
  }

  /**
   * A message from a peer; messages to others are ignored. Any sender is heard, as in Raft: a
   * server that has not yet learned a configuration must follow a leader or vote for a candidate
   * that it makes a voter. Only voters of the configurations that count are counted (votes,
   * acknowledgements), and the host decides which servers may connect at all.
   */
  step(m: Message): void {
    const c = this.c;
    if (m.to !== c.id || m.from === c.id) return;
    if (m.epoch > c.epoch) {
      if (!this.adoptsEpoch(m)) return this.dispatchFuture(m);
      const leader = m.type === "append" || m.type === "snapshot-chunk" ? m.from : null;
      c.becomeFollower(m.epoch, leader);
    } else if (m.epoch < c.epoch) {
      this.refuseStale(m);
      return;
    }
    this.dispatch(m);
  }

  /**
   * A higher epoch is adopted from every message except pre-vote traffic (asked about, not
   * claimed) and, under a leader's lease, vote requests (leader stickiness, as etcd does with
   * CheckQuorum): a server that lost touch cannot depose a leader the rest still hears.
   */
  private adoptsEpoch(m: Message): boolean {
    if (m.type === "prevote-request") return false;
    if (m.type === "prevote-response") return !m.granted;
    if (m.type === "vote-request") return !this.c.inLease() || m.transfer === true || this.c.cfg.plantedBugs.preVoteIgnoresLease === true;
    return true;
  }

  private dispatchFuture(m: Message): void {
    if (m.type === "prevote-request") onPreVoteRequest(this.c, m);
    else if (m.type === "prevote-response") onPreVoteResponse(this.c, m);
    // else: a vote request under our leader's lease, ignored (its sender learns our epoch later)
  }

  /** Tell a sender of an older epoch about ours, so a deposed leader or candidate steps down. */
  private refuseStale(m: Message): void {
    const c = this.c;
    if (m.type === "append" || m.type === "snapshot-chunk") {
      c.send({
        type: "append-response",
        from: c.id,
        to: m.from,
        epoch: c.epoch,
        success: false,
        matchZxid: 0n,
        acceptedZxid: 0n,
        rejectedPrevZxid: 0n,
        hintZxid: 0n,
      });
    } else if (m.type === "vote-request") {
      c.send({ type: "vote-response", from: c.id, to: m.from, epoch: c.epoch, granted: false });
    } else if (m.type === "prevote-request") {
      c.send({ type: "prevote-response", from: c.id, to: m.from, epoch: c.epoch, granted: false });
    }
  }

  private dispatch(m: Message): void {
    const c = this.c;
    switch (m.type) {
      case "vote-request":
        return onVoteRequest(c, m);
      case "vote-response":
        return onVoteResponse(c, m);
      case "prevote-request":
        return onPreVoteRequest(c, m);
      case "prevote-response":
        return onPreVoteResponse(c, m);
      case "append":
        return onAppend(c, m);
      case "append-response":
        return onAppendResponse(c, m);
      case "snapshot-chunk":
        return onSnapshotChunk(c, m);
      case "snapshot-ack":
        return onSnapshotAck(c, m);
      case "sync-request":
        return onSyncRequest(c, m);
      case "sync-response":
        return onSyncResponse(c, m);
      case "timeout-now":
        return onTimeoutNow(c, m.from);
    }
  }

  /** Leader only, once established; the entry is sent with the next Ready (batched). */
  propose(payload: Uint8Array): ProposeResult {
    return propose(this.c, payload);
  }

  /**
   * Leader only, once established: propose a new configuration (voters and observers), carried by
   * a log entry whose zxid becomes its version. Every server adopts it when the entry is appended
   * to its log; until it commits, quorums of the old and the new voters are both needed. Refused
   * while another change is uncommitted, with `fromVersion` not the newest configuration's
   * version, without a voter, or when the leader does not hear from a quorum of the new voters.
   */
  proposeMembership(next: MembershipChange, fromVersion?: Zxid): MembershipResult {
    return proposeMembership(this.c, next, fromVersion);
  }

  /** The committed configuration and the pending one (adopted, not yet known committed). */
  membership(): MembershipStatus {
    return this.c.membershipStatus();
  }

  /** Whether propose() would accept a payload now (leader, established, below the in-flight bound). */
  canPropose(): boolean {
    const c = this.c;
    return c.role === "leader" && c.established && c.log.countAfter(c.commitZxid) < c.cfg.inflightProposalsMax;
  }

  /** The log is durable up to zxid (an entry of a Ready, or an installed snapshot's zxid). */
  persisted(zxid: Zxid): void {
    onPersisted(this.c, zxid);
    maybeCommit(this.c);
  }

  /** The host's answer to Ready.snapshotWanted: its applied state, at a committed zxid. */
  provideSnapshot(snapshot: Snapshot): void {
    provideSnapshot(this.c, snapshot);
  }

  /**
   * ZooKeeper's sync: completes (Ready.syncsDone) once this server has applied everything
   * the leader had accepted when the request reached it; fails (Ready.syncsFailed) if the
   * leader changes first or too many are pending. The host keeps its own timeout too.
   */
  sync(requestId: number): void {
    const c = this.c;
    const pending = c.syncsAwaitingReply.size + c.syncsAwaitingApply.length + c.remoteSyncs.length;
    if (pending >= c.cfg.pendingSyncsMax || c.leaderId === null) {
      c.syncsFailed.push(requestId);
    } else if (c.role === "leader") {
      onSyncRequest(c, { type: "sync-request", from: c.id, to: c.id, epoch: c.epoch, requestId });
    } else {
      c.syncsAwaitingReply.add(requestId);
      c.send({ type: "sync-request", from: c.id, to: c.leaderId, epoch: c.epoch, requestId });
    }
  }

  hasReady(): boolean {
    const c = this.c;
    flushAppends(c);
    // commitDirty is consumed by flushAppends, for a leader only: a leader that set it and then
    // stepped down before the next Ready keeps it set, and must not report work forever.
    return (
      c.hardStateDirty ||
      c.statusDirty ||
      (c.commitDirty && (c.role === "leader" || c.cfg.plantedBugs.readyAfterStepDown === true)) ||
      c.outbox.length > 0 ||
      c.pendingEntries.length > 0 ||
      c.pendingTruncateAfter !== null ||
      c.pendingSnapshot !== null ||
      c.snapshotWanted !== null ||
      minZxid(c.commitZxid, c.durableZxid) > c.appliedZxid ||
      c.syncsFailed.length > 0 ||
      c.syncsAwaitingApply.some((s) => s.zxid <= c.appliedZxid) ||
      this.membershipKey() !== c.reportedMembership
    );
  }

  private membershipKey(): string {
    const m = this.c.membershipStatus();
    return `${m.committed.version}/${m.pending?.version ?? "-"}`;
  }

  /** Everything to do now; see the order rules on Ready. Call advance(ready) when done. */
  ready(): Ready {
    const c = this.c;
    assert(this.outstanding === null, "ready() called again before advance()");
    flushAppends(c);
    const committed = this.takeCommitted();
    const syncsDone = c.syncsAwaitingApply.filter((s) => s.zxid <= c.appliedZxid);
    c.syncsAwaitingApply = c.syncsAwaitingApply.filter((s) => s.zxid > c.appliedZxid);
    const rd: Ready = {
      hardState: c.hardStateDirty ? { epoch: c.epoch, votedFor: c.votedFor } : null,
      snapshot: c.pendingSnapshot,
      truncateAfterZxid: c.pendingTruncateAfter,
      entries: c.pendingEntries,
      messages: c.outbox,
      committed,
      snapshotWanted: c.snapshotWanted === null ? null : { zxidMin: c.snapshotWanted },
      status: c.statusDirty ? c.status() : null,
      syncsDone,
      syncsFailed: c.syncsFailed,
      membership: this.membershipKey() !== c.reportedMembership ? c.membershipStatus() : null,
    };
    c.reportedMembership = this.membershipKey();
    c.hardStateDirty = false;
    c.statusDirty = false;
    c.pendingSnapshot = null;
    c.snapshotWanted = null;
    c.pendingTruncateAfter = null;
    c.pendingEntries = [];
    c.outbox = [];
    c.syncsFailed = [];
    this.outstanding = rd;
    return rd;
  }

  private takeCommitted(): Entry[] {
    const c = this.c;
    const upTo = minZxid(c.commitZxid, c.durableZxid);
    if (upTo <= c.appliedZxid) return [];
    const out = c.log.entriesBetween(c.appliedZxid, upTo);
    c.appliedZxid = upTo;
    return out;
  }

  /** The host has handled `ready` (hardState durable, messages handed off, entries applied). */
  advance(ready: Ready): void {
    assert(this.outstanding === ready, "advance() with a Ready that is not the latest");
    this.outstanding = null;
    this.c.maybeCompact();
    if (this.c.role !== "leader") sendAck(this.c, false);
  }

  status(): Status {
    return this.c.status();
  }
  get id(): number {
    return this.c.id;
  }
  get role(): Status["role"] {
    return this.c.role;
  }
  get leaderId(): number | null {
    return this.c.leaderId;
  }
  get epoch(): number {
    return this.c.epoch;
  }
  get lastZxid(): Zxid {
    return this.c.log.lastZxid;
  }
  get commitZxid(): Zxid {
    return this.c.commitZxid;
  }
  get appliedZxid(): Zxid {
    return this.c.appliedZxid;
  }
  get electionCount(): number {
    return this.c.electionCount;
  }
  /** The in-memory log: entries and payload bytes held (bounded by logWindowEntries and logWindowBytes). */
  logWindow(): { entries: number; bytes: number } {
    return { entries: this.c.log.length, bytes: this.c.log.bytes };
  }
  /** Snapshot transfer counters since start. */
  transferStats(): Readonly<TransferStats> {
    return this.c.transfer;
  }
  /** Leader only (empty otherwise): each follower's and observer's lag. */
  peerLags(): PeerLag[] {
    return this.c.role === "leader" ? peerLags(this.c) : [];
  }
}
