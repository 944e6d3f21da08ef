import type { Zxid } from "@warden/protocol";
import { ZXID_ZERO } from "@warden/protocol";
import type { ResolvedConfig } from "./config.js";
import { assert } from "./errors.js";
import { ReplicaLog } from "./log.js";
import type { IncomingSnapshot } from "./snapshot-in.js";
import type { OutgoingSnapshot } from "./snapshot-out.js";
import type { Entry, Message, Role, Snapshot, Status, SyncDone, TransferStats } from "./types.js";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** The leader's view of one follower or observer (Raft's Progress). */
export interface Progress {
  readonly id: number;
  readonly voter: boolean;
  /** The follower's log equals ours, durably, up to here. */
  matchZxid: Zxid;
  /** The last zxid sent: the next append's prevZxid. */
  sentZxid: Zxid;
  state: ProgressState;
  /** Last zxids of append messages not yet acknowledged; at most maxInflightMessages. */
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
  readonly isVoter: boolean;
  readonly peers: readonly number[];
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
  readonly votes = new Map<number, boolean>();
  /** Asking for pre-votes at epoch + 1 (role stays follower, leaderId null, nothing durable changes). */
  preCandidate = false;
  readonly preVotes = new Map<number, boolean>();
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
  readonly transfer: TransferStats = { transfersStarted: 0, transfersSuperseded: 0, chunksSent: 0, chunksReceived: 0, snapshotsInstalled: 0, checksumFailures: 0 };
  statusDirty = true;
  readonly syncsAwaitingReply = new Set<number>();
  syncsAwaitingApply: SyncDone[] = [];
  remoteSyncs: RemoteSync[] = [];
  syncsFailed: number[] = [];

  constructor(cfg: ResolvedConfig) {
    this.cfg = cfg;
    this.id = cfg.id;
    this.isVoter = cfg.voters.includes(cfg.id);
    this.peers = [...cfg.voters, ...cfg.observers].filter((p) => p !== cfg.id);
    this.epoch = cfg.hardState.epoch;
    this.votedFor = cfg.hardState.votedFor;
    this.role = this.isVoter ? "follower" : "observer";
    this.log = new ReplicaLog(cfg.appliedZxid, cfg.entries);
    this.commitZxid = cfg.appliedZxid;
    this.appliedZxid = cfg.appliedZxid;
    this.durableZxid = this.log.lastZxid;
    this.resetElectionTimer();
  }

  get quorum(): number {
    return Math.floor(this.cfg.voters.length / 2) + 1;
  }

  send(m: Message): void {
    assert(m.to !== this.id, "message to self");
    this.outbox.push(m);
  }

  /** Leader: an append without entries (commit news, liveness), from what p is known to hold. */
  heartbeatTo(p: Progress): void {
    this.send({ type: "append", from: this.id, to: p.id, epoch: this.epoch, prevZxid: p.matchZxid, entries: [], commitZxid: this.commitZxid });
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
  }

  truncateLocal(after: Zxid): void {
    assert(after >= this.commitZxid, `truncating committed entries (after ${after}, commit ${this.commitZxid})`);
    assert(after >= this.verifiedZxid || this.verifiedEpoch !== this.epoch, "truncating entries verified with the leader");
    this.log.truncateAfter(after);
    this.pendingEntries = this.pendingEntries.filter((e) => e.zxid <= after);
    this.pendingTruncateAfter = this.pendingTruncateAfter === null ? after : minZxid(this.pendingTruncateAfter, after);
    this.durableZxid = minZxid(this.durableZxid, after);
  }

  installSnapshot(s: Snapshot): void {
    assert(s.zxid > this.commitZxid, "installing an old snapshot");
    this.log.resetTo(s.zxid);
    this.pendingEntries = [];
    this.pendingTruncateAfter = null;
    this.pendingSnapshot = s;
    this.durableZxid = ZXID_ZERO;
    this.commitZxid = s.zxid;
    this.appliedZxid = s.zxid;
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
      if (p.state === "snapshot" && (p.snapshotSuperseded || (this.log.length < 2 * window && this.log.bytes < 2 * windowBytes))) limit = minZxid(limit, p.snapshotZxid);
    }
    const point = this.log.largestAtMost(limit);
    if (point !== null && point > this.log.baseZxid) this.log.compactThrough(point);
  }

  status(): Status {
    return {
      id: this.id,
      role: this.role,
      leaderId: this.leaderId,
      epoch: this.epoch,
      established: this.established,
      lastZxid: this.log.lastZxid,
      commitZxid: this.commitZxid,
      appliedZxid: this.appliedZxid,
      durableZxid: this.durableZxid,
      electionCount: this.electionCount,
    };
  }
}

export function minZxid(a: Zxid, b: Zxid): Zxid {
  return a < b ? a : b;
}
export function maxZxid(a: Zxid, b: Zxid): Zxid {
  return a > b ? a : b;
}
