import type { Zxid } from "@warden/protocol";
import { ZXID_ZERO } from "@warden/protocol";
import type { ResolvedConfig } from "./config.js";
import { assert } from "./errors.js";
import { ReplicaLog } from "./log.js";
import { hasQuorum, MembershipLog } from "./membership.js";
import type { IncomingSnapshot } from "./snapshot-in.js";
import type { OutgoingSnapshot } from "./snapshot-out.js";
import type { Entry, Membership, MembershipStatus, Message, Role, Snapshot, Status, SyncDone, TransferStats } from "./types.js";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** The leader's view of one follower or observer (Raft's Progress). */
export interface Progress {
  readonly id: number;
  /** A voter of a configuration whose quorums count now (updated when the configuration changes). */
  voter: boolean;
  /** The follower's log equals ours, durably, up to here. */
  matchZxid: Zxid;
  /** The last zxid sent: the next append's prevZxid. */
  sentZxid: Zxid;
  state: ProgressState;
  /** Last zxids of append messages not yet acknowledged; at most inflightMessagesMax. */
  inflight: Zxid[];
  probeSent: boolean;
  /** Heard from since the last check-quorum round. */
  recentActive: boolean;
  /** matchZxid advanced since the last heartbeat. */
  progressed: boolean;
  /** State "snapshot": the snapshot in transfer, the next byte to send, the bytes the follower holds. */
  snapshotZxid: Zxid;
  snapshotTotalBytes: number;
  snapshotSentBytes: number;
  snapshotAckedBytes: number;
  /** The lowest acknowledgement below snapshotAckedBytes since the last progress (-1: none). */
  snapshotLowAckBytes: number;
  /** Ticks this follower has been connected and not synced with this leader (initLimit). */
  syncTicks: number;
  /** Heartbeat rounds since the transfer last progressed. */
  snapshotTicks: number;
  /** This transfer already started over once with a newer snapshot: it now holds the log back to its end. */
  snapshotSuperseded: boolean;
}

/** A sync forwarded to this leader, answered once commitZxid reaches `zxid`. */
export interface RemoteSync {
  readonly from: number;
  readonly requestId: number;
  readonly zxid: Zxid;
}

/** Mutable state shared by the role files (election.ts, leader.ts, follower.ts). */
export class Core {
  readonly cfg: ResolvedConfig;
  readonly id: number;
  /** The configurations this server knows (membership.ts); the newest is adopted on append. */
  readonly members: MembershipLog;
  /** The MembershipStatus last reported in a Ready (its versions), to report changes only. */
  reportedMembership = "";
  epoch: number;
  votedFor: number | null;
  hardStateDirty = false;
  role: Role;
  leaderId: number | null = null;
  established = false;
  readonly log: ReplicaLog;
  commitZxid: Zxid;
  appliedZxid: Zxid;
  durableZxid: Zxid;
  /** Follower: our log equals the current leader's up to here (valid for verifiedEpoch). */
  verifiedZxid: Zxid = ZXID_ZERO;
  verifiedEpoch = -1;
  lastAckZxid: Zxid = -1n;
  electionElapsed = 0;
  electionTimeout = 0;
  heartbeatElapsed = 0;
  checkQuorumElapsed = 0;
  /** initLimit: ticks this leader has waited for a quorum to sync; a follower's ticks following its leader unsynced. */
  leaderSyncTicks = 0;
  followerSyncTicks = 0;
  /** Follower: synced with the leader it follows since it last began following it. */
  followerSynced = false;
  /** Follower: the commit zxid its leader last announced (since it began following it). */
  leaderCommitSeen: Zxid = ZXID_ZERO;
  readonly votes = new Map<number, boolean>();
  /** Asking for pre-votes at epoch + 1 (role stays follower, leaderId null, nothing durable changes). */
  preCandidate = false;
  readonly preVotes = new Map<number, boolean>();
  /**
   * Numbers each pre-vote, so that an answer to an earlier one (it may have waited in a paused
   * voter while that voter had no leader) does not count for a later one of the same epoch.
   */
  preVoteRound = 0;
  readonly progress = new Map<number, Progress>();
  barrierZxid: Zxid = ZXID_ZERO;
  /** Leader: commitZxid advanced since followers were last told. */
  commitDirty = false;
  nextCounter = 1;
  electionCount = 0;
  outbox: Message[] = [];
  pendingEntries: Entry[] = [];
  pendingTruncateAfter: Zxid | null = null;
  pendingSnapshot: Snapshot | null = null;
  snapshotWanted: Zxid | null = null;
  /** Leader: the one snapshot its transfers send (shared by every follower that needs one). */
  outgoingSnapshot: OutgoingSnapshot | null = null;
  /** Follower: the one snapshot it is receiving, chunk by chunk. */
  incomingSnapshot: IncomingSnapshot | null = null;
  readonly transfer: TransferStats = {
    transfersStarted: 0,
    transfersSuperseded: 0,
    chunksSent: 0,
    chunksReceived: 0,
    snapshotsInstalled: 0,
    checksumFailures: 0,
  };
  statusDirty = true;
  readonly syncsAwaitingReply = new Set<number>();
  syncsAwaitingApply: SyncDone[] = [];
  remoteSyncs: RemoteSync[] = [];
  syncsFailed: number[] = [];

  constructor(cfg: ResolvedConfig) {
    this.cfg = cfg;
    this.id = cfg.id;
    this.members = new MembershipLog(cfg.membership, cfg.entries);
    this.epoch = cfg.hardState.epoch;
    this.votedFor = cfg.hardState.votedFor;
    this.role = this.isVoter ? "follower" : "observer";
    this.log = new ReplicaLog(cfg.appliedZxid, cfg.entries);
    this.commitZxid = cfg.appliedZxid;
    this.appliedZxid = cfg.appliedZxid;
    this.durableZxid = this.log.lastZxid;
    this.resetElectionTimer();
  }

  /** A voter of the newest configuration: only such a server campaigns (a removed one stops). */
  get isVoter(): boolean {
    return this.members.last.voters.includes(this.id);
  }

  /** Every member of the previous and the newest configuration but us: whom a leader replicates to. */
  get peers(): number[] {
    const { previous, last } = this.members;
    return [...new Set([...previous.voters, ...previous.observers, ...last.voters, ...last.observers])].filter((p) => p !== this.id);
  }

  /**
   * The configurations whose quorums count now: the newest alone once known committed, else the
   * previous and the newest (joint). Planted bugs: the newest alone (commitWithNewQuorumOnly), or
   * the committed one alone (adoptOnCommit).
   */
  get rule(): Membership[] {
    const bugs = this.cfg.plantedBugs;
    if (bugs.commitWithNewQuorumOnly === true) return [this.members.last];
    return this.members.rule(this.commitZxid, bugs.adoptOnCommit === true);
  }

  /** Whether `has` holds for a quorum of every configuration that counts now. */
  hasQuorum(has: (id: number) => boolean): boolean {
    return this.rule.every((m) => hasQuorum(m.voters, has));
  }

  /** Whose votes count now: the voters of every configuration in the rule. */
  ruleVoters(): number[] {
    return [...new Set(this.rule.flatMap((m) => m.voters))];
  }

  membershipStatus(): MembershipStatus {
    const last = this.members.last;
    const pending = last.version > this.commitZxid ? last : null;
    return { committed: this.members.at(this.commitZxid), pending };
  }

  /** A configuration was appended, truncated or installed: our role follows the newest. */
  membershipChanged(): void {
    if (this.role === "follower" || this.role === "observer") {
      const next: Role = this.isVoter ? "follower" : "observer";
      if (next !== this.role) {
        this.role = next;
        this.statusDirty = true;
        this.endPreVote();
      }
    } else if (this.role === "candidate" && !this.isVoter) {
      this.becomeFollower(this.epoch, null);
    } else if (this.role === "leader") {
      this.syncProgress(true);
    }
  }

  /**
   * Leader: one progress per member of the previous and newest configurations (`adding`: create
   * missing ones). A server the committed newest configuration removed is dropped once it holds
   * that configuration's entry: it knows it is out, and stops campaigning.
   */
  syncProgress(adding: boolean): void {
    const peers = new Set(this.peers);
    const last = this.members.last;
    const committed = last.version <= this.commitZxid;
    const voters = new Set(this.ruleVoters());
    for (const [id, p] of this.progress) {
      const departed = committed && !last.voters.includes(id) && !last.observers.includes(id) && p.matchZxid >= last.version;
      if (!peers.has(id) || departed) this.progress.delete(id);
      else p.voter = voters.has(id);
    }
    if (!adding) return;
    for (const id of peers) if (!this.progress.has(id)) this.progress.set(id, newProgress(id, voters.has(id), this.log.lastZxid));
  }

  send(m: Message): void {
    assert(m.to !== this.id, "message to self");
    this.outbox.push(m);
  }

  /**
   * Leader: an append without entries, from what p is known to hold: a heartbeat (answered), or
   * (`quiet`) news of a commit, which needs no answer.
   */
  heartbeatTo(p: Progress, quiet = false): void {
    this.send({
      type: "append",
      from: this.id,
      to: p.id,
      epoch: this.epoch,
      prevZxid: p.matchZxid,
      entries: [],
      commitZxid: this.commitZxid,
      ...(quiet ? { quiet } : {}),
    });
  }

  resetElectionTimer(): void {
    this.electionElapsed = 0;
    const base = this.cfg.electionTicks;
    this.electionTimeout = base + Math.floor(this.cfg.random() * base);
  }

  setEpoch(epoch: number): void {
    assert(epoch > this.epoch, "epochs only grow");
    this.epoch = epoch;
    this.votedFor = null;
    this.hardStateDirty = true;
    this.statusDirty = true;
  }

  becomeFollower(epoch: number, leaderId: number | null): void {
    if (epoch > this.epoch) this.setEpoch(epoch);
    const nextRole: Role = this.isVoter ? "follower" : "observer";
    if (this.role !== nextRole || this.leaderId !== leaderId) this.statusDirty = true;
    if (this.leaderId !== leaderId) this.failRemoteSyncs();
    this.role = nextRole;
    this.leaderId = leaderId;
    this.established = false;
    this.progress.clear();
    this.votes.clear();
    this.endPreVote();
    // A deposed leader's unsent commit news goes nowhere (and must not keep hasReady() true).
    if (this.cfg.plantedBugs.readyAfterStepDown !== true) this.commitDirty = false;
    this.remoteSyncs = [];
    this.outgoingSnapshot = null;
    this.resetElectionTimer();
  }

  endPreVote(): void {
    this.preCandidate = false;
    this.preVotes.clear();
  }

  /**
   * Leader stickiness (etcd's CheckQuorum lease): we lead, or we heard from our leader within
   * the (minimum) election timeout. While it holds we refuse pre-votes and ignore vote requests
   * of a higher epoch, so a server that merely lost touch cannot depose a healthy leader.
   */
  inLease(): boolean {
    if (this.leaderId === null) return false;
    return this.role === "leader" || this.electionElapsed < this.cfg.electionTicks;
  }

  /** Forget the leader without touching the epoch (its connection closed, or we campaign). */
  forgetLeader(): void {
    if (this.leaderId === null) return;
    this.failRemoteSyncs();
    this.leaderId = null;
    this.remoteSyncs = [];
    this.statusDirty = true;
  }

  /** Syncs forwarded to a leader we no longer follow will never be answered. */
  private failRemoteSyncs(): void {
    for (const id of this.syncsAwaitingReply) this.syncsFailed.push(id);
    this.syncsAwaitingReply.clear();
    for (const s of this.remoteSyncs) if (s.from === this.id) this.syncsFailed.push(s.requestId);
  }

  appendLocal(e: Entry): void {
    this.log.append(e);
    this.pendingEntries.push(e);
    if (e.membership !== undefined) {
      this.members.appended(e);
      this.membershipChanged();
    }
  }

  truncateLocal(after: Zxid): void {
    assert(after >= this.commitZxid, `truncating committed entries (after ${after}, commit ${this.commitZxid})`);
    assert(after >= this.verifiedZxid || this.verifiedEpoch !== this.epoch, "truncating entries verified with the leader");
    this.log.truncateAfter(after);
    if (this.members.last.version > after) {
      this.members.truncatedAfter(after);
      this.membershipChanged();
    }
    this.pendingEntries = this.pendingEntries.filter((e) => e.zxid <= after);
    this.pendingTruncateAfter = this.pendingTruncateAfter === null ? after : minZxid(this.pendingTruncateAfter, after);
    this.durableZxid = minZxid(this.durableZxid, after);
  }

  installSnapshot(s: Snapshot & { membership: Membership }): void {
    assert(s.zxid > this.commitZxid, "installing an old snapshot");
    this.log.resetTo(s.zxid);
    this.members.reset(s.membership);
    this.pendingEntries = [];
    this.pendingTruncateAfter = null;
    this.pendingSnapshot = s;
    this.durableZxid = ZXID_ZERO;
    this.commitZxid = s.zxid;
    this.appliedZxid = s.zxid;
    this.membershipChanged();
  }

  /** Keep the in-memory log within its window by forgetting applied entries. */
  maybeCompact(): void {
    const window = this.cfg.logWindowEntries;
    const windowBytes = this.cfg.logWindowBytes;
    if (this.log.length <= window && this.log.bytes <= windowBytes) return;
    // Half the window stays, so that compaction is rare: by count and by bytes (a log of
    // 1 MiB writes must not hold logWindowEntries of them).
    const target = this.log.compactionTarget(Math.floor(window / 2), Math.floor(windowBytes / 2));
    if (target === undefined) return;
    let limit = minZxid(target, minZxid(this.appliedZxid, this.durableZxid));
    // A follower receiving a snapshot will need the entries after it: keep them, up to twice the
    // window; beyond, a newer snapshot supersedes the transfer (snapshot-out.ts), once: a
    // transfer superseded already keeps them to its end, or a steady write load that outruns
    // every transfer would supersede them for ever.
    for (const p of this.progress.values()) {
      if (p.state === "snapshot" && (p.snapshotSuperseded || (this.log.length < 2 * window && this.log.bytes < 2 * windowBytes)))
        limit = minZxid(limit, p.snapshotZxid);
    }
    const point = this.log.largestAtMost(limit);
    if (point !== null && point > this.log.baseZxid) {
      this.log.compactThrough(point);
      this.members.compactedThrough(point);
    }
  }

  status(): Status {
    return {
      id: this.id,
      role: this.role,
      leaderId: this.leaderId,
      epoch: this.epoch,
      established: this.established,
      synced: this.role === "leader" ? this.established : this.leaderId !== null && this.followerSynced,
      lastZxid: this.log.lastZxid,
      commitZxid: this.commitZxid,
      appliedZxid: this.appliedZxid,
      durableZxid: this.durableZxid,
      electionCount: this.electionCount,
    };
  }
}

export function newProgress(id: number, voter: boolean, lastZxid: Zxid): Progress {
  return {
    id,
    voter,
    matchZxid: 0n,
    sentZxid: lastZxid,
    state: "probe",
    inflight: [],
    syncTicks: 0,
    probeSent: false,
    recentActive: false,
    progressed: false,
    snapshotZxid: 0n,
    snapshotTotalBytes: 0,
    snapshotSentBytes: 0,
    snapshotAckedBytes: 0,
    snapshotLowAckBytes: -1,
    snapshotTicks: 0,
    snapshotSuperseded: false,
  };
}

export function minZxid(a: Zxid, b: Zxid): Zxid {
  return a < b ? a : b;
}
export function maxZxid(a: Zxid, b: Zxid): Zxid {
  return a > b ? a : b;
}
