import type { Zxid } from "@warden/protocol";

/**
 * A configuration of the ensemble: who votes, who observes. `version` is the zxid of the log
 * entry that carries it (ZooKeeper's config version), ZXID_ZERO for the initial configuration.
 */
export interface Membership {
  readonly version: Zxid;
  readonly voters: readonly number[];
  readonly observers: readonly number[];
  /**
   * The host's description of the members (the server: its `server.N=` lines, so that peers
   * learn new members' addresses), carried with the configuration and never read here. At most
   * HOST_DATA_BYTES_MAX bytes.
   */
  readonly hostData?: Uint8Array;
}

/**
 * One log entry. `payload` is the host's, opaque here. `payload === null` marks an entry of the
 * consensus itself, with nothing for the host's state machine: the epoch barrier (Zab's
 * NEWLEADER, zxid (epoch, 0)) without `membership`, a configuration entry with it.
 */
export interface Entry {
  readonly zxid: Zxid;
  readonly payload: Uint8Array | null;
  /** A configuration entry (payload null): the membership it carries, version === zxid. */
  readonly membership?: Membership;
}

/**
 * An opaque snapshot of the host's applied state at `zxid` (always a committed zxid): its bytes
 * are the concatenation of `parts`, in order, each of any size (the tree's serializer yields
 * one frame per part; a follower hands back the chunks it received). Never one big buffer:
 * a whole tree in one allocation is what a server must not depend on.
 */
export interface Snapshot {
  readonly zxid: Zxid;
  readonly parts: readonly Uint8Array[];
  /**
   * The configuration in force at `zxid`. Set by the replica on the snapshots it hands the host
   * (Ready.snapshot): the host stores it with the snapshot and gives it back at restart
   * (ReplicaConfig.membership). The host may leave it out of provideSnapshot(): the replica knows it.
   */
  readonly membership?: Membership;
}

/**
 * The state that must survive a crash besides the log. `epoch` is the highest epoch this
 * server has promised to (Zab's acceptedEpoch, Raft's term); `votedFor` is its vote in it.
 */
export interface HardState {
  readonly epoch: number;
  readonly votedFor: number | null;
}

export type Role = "follower" | "candidate" | "leader" | "observer";

interface Envelope {
  readonly from: number;
  readonly to: number;
  /** The sender's epoch; a higher one makes the receiver adopt it. */
  readonly epoch: number;
}
export interface VoteRequest extends Envelope {
  readonly type: "vote-request";
  readonly lastZxid: Zxid;
  /** A campaign the leader asked for (timeout-now): voters grant it despite that leader's lease. */
  readonly transfer?: boolean;
}
/**
 * Raft's TimeoutNow (ZooKeeper's designated leader): a leader whose removal committed hands over
 * to the most up-to-date voter of the new configuration, which campaigns at once.
 */
export interface TimeoutNow extends Envelope {
  readonly type: "timeout-now";
}
export interface VoteResponse extends Envelope {
  readonly type: "vote-response";
  readonly granted: boolean;
}
/**
 * Raft's PreVote: "would you vote for me at `epoch`?" (the sender's epoch + 1). Neither side
 * changes any state for it: the sender keeps its epoch, the receiver neither adopts the epoch
 * nor records a vote.
 */
export interface PreVoteRequest extends Envelope {
  readonly type: "prevote-request";
  readonly lastZxid: Zxid;
  /** Which of the candidate's pre-votes this is (absent from servers before it). */
  readonly round?: number;
}
/** granted: `epoch` is the epoch asked about; refused: the voter's own epoch. */
export interface PreVoteResponse extends Envelope {
  readonly type: "prevote-response";
  readonly granted: boolean;
  /** The request's `round`, echoed. */
  readonly round?: number;
}
/** Proposals (entries) and heartbeats (no entries); also Zab's DIFF/TRUNC during recovery. */
export interface AppendRequest extends Envelope {
  readonly type: "append";
  /** The zxid just before `entries` in the leader's log (its log base counts). */
  readonly prevZxid: Zxid;
  readonly entries: readonly Entry[];
  readonly commitZxid: Zxid;
  /**
   * News of a commit only: the follower answers only a refusal (it does not hold prevZxid).
   * The leader's heartbeats, which keep check-quorum and probing informed, are never quiet.
   * Absent from servers before it.
   */
  readonly quiet?: boolean;
}
export interface AppendResponse extends Envelope {
  readonly type: "append-response";
  readonly success: boolean;
  /** success: the sender's log equals the leader's, and is durable, up to here. */
  readonly matchZxid: Zxid;
  /** success: the sender's log equals the leader's up to here, maybe not durably yet (flow control). */
  readonly acceptedZxid: Zxid;
  /** !success: the prevZxid refused, and the sender's largest zxid <= it. */
  readonly rejectedPrevZxid: Zxid;
  readonly hintZxid: Zxid;
}
/**
 * One chunk of a snapshot the leader sends a follower behind its log window. A transfer is
 * named by (snapshotZxid, totalBytes, checksum): chunks of one name from any leader assemble
 * into the same bytes, and the checksum over the assembled bytes is checked before install.
 */
export interface SnapshotChunk extends Envelope {
  readonly type: "snapshot-chunk";
  readonly snapshotZxid: Zxid;
  /** The whole snapshot's length in bytes (>= 1). */
  readonly totalBytes: number;
  /** The host's checksum (ReplicaConfig.checksum) of the whole snapshot. */
  readonly checksum: number;
  /** Where `data` starts in the snapshot; offset + data.length <= totalBytes. */
  readonly offset: number;
  readonly data: Uint8Array;
  /** The configuration in force at snapshotZxid (installed with the snapshot). */
  readonly membership: Membership;
}
/**
 * The follower holds the first `receivedBytes` bytes of the named snapshot (cumulative, as TCP
 * acknowledges): the leader sends on from there. `receivedBytes === totalBytes`: it has it all.
 */
export interface SnapshotAck extends Envelope {
  readonly type: "snapshot-ack";
  readonly snapshotZxid: Zxid;
  readonly receivedBytes: number;
}
export interface SyncRequest extends Envelope {
  readonly type: "sync-request";
  readonly requestId: number;
}
export interface SyncResponse extends Envelope {
  readonly type: "sync-response";
  readonly requestId: number;
  readonly zxid: Zxid;
}
export type Message =
  | VoteRequest
  | VoteResponse
  | PreVoteRequest
  | PreVoteResponse
  | AppendRequest
  | AppendResponse
  | SnapshotChunk
  | SnapshotAck
  | SyncRequest
  | SyncResponse
  | TimeoutNow;

export interface Status {
  readonly id: number;
  readonly role: Role;
  readonly leaderId: number | null;
  readonly epoch: number;
  /** Leader only: its epoch barrier is committed, so proposals are accepted. */
  readonly established: boolean;
  /**
   * Synced with the current leader, as a ZooKeeper follower is once the leader's UPTODATE
   * arrives: a leader once established; a follower or observer once it has acknowledged this
   * epoch's barrier durable, has heard that its leader committed that barrier, and holds,
   * verified, everything its leader last said it committed (noteFollowerSync). False without a
   * leader. A server serves clients only when synced.
   */
  readonly synced: boolean;
  readonly lastZxid: Zxid;
  readonly commitZxid: Zxid;
  /** Highest zxid handed out in Ready.committed. */
  readonly appliedZxid: Zxid;
  readonly durableZxid: Zxid;
  readonly electionCount: number;
}

/** Leader only: how far one follower or observer is behind. */
export interface PeerLag {
  readonly id: number;
  readonly voter: boolean;
  readonly matchZxid: Zxid;
  /** Entries in the leader's log after matchZxid (-1: behind the log window, needs a snapshot). */
  readonly lagEntries: number;
  readonly state: "probe" | "replicate" | "snapshot";
  /** In state "snapshot": the transfer's snapshot zxid and the bytes the follower acknowledged of it. */
  readonly snapshotZxid: Zxid;
  readonly snapshotAckedBytes: number;
}

/** Snapshot transfer counters since start (for metrics). */
export interface TransferStats {
  /** Leader: transfers started (a restart after a timeout counts again). */
  transfersStarted: number;
  /** Leader: transfers started over because a newer snapshot replaced the one they sent. */
  transfersSuperseded: number;
  chunksSent: number;
  chunksReceived: number;
  snapshotsInstalled: number;
  /** Snapshots received whole whose checksum did not match (thrown away, sent again). */
  checksumFailures: number;
}

/**
 * The configurations a replica knows. `committed`: in force at its commit point (what ZooKeeper
 * shows in /zookeeper/config). `pending`: the newest configuration in its log, adopted but not yet
 * known committed (null when there is none): meanwhile quorums of both count.
 */
export interface MembershipStatus {
  readonly committed: Membership;
  readonly pending: Membership | null;
}

/** The members of a proposed configuration (its version is the zxid it gets). */
export interface MembershipChange {
  readonly voters: readonly number[];
  readonly observers?: readonly number[];
  /** Carried in the configuration entry as Membership.hostData (at most HOST_DATA_BYTES_MAX bytes, else "invalid"). */
  readonly hostData?: Uint8Array;
}

/**
 * proposeMembership's answer. Refusals, with ZooKeeper's names where it has them:
 * "in-progress" (ReconfigInProgress: a change is not yet committed), "bad-version" (BadVersion:
 * the configuration is no longer `fromVersion`), "no-quorum" (NewConfigNoQuorum: the leader does
 * not hear from a quorum of the new voters), "no-voters" and "invalid" (BadArguments: no voter;
 * ids not integers in 1..2^32-1, repeated, a voter also an observer, more than 255 members).
 */
export type MembershipResult =
  | { readonly ok: true; readonly zxid: Zxid }
  | { readonly ok: false; readonly reason: "not-leader"; readonly leaderId: number | null }
  | {
      readonly ok: false;
      readonly reason: "not-ready" | "busy" | "in-progress" | "bad-version" | "no-quorum" | "no-voters" | "invalid";
      readonly leaderId: number;
    };

export type ProposeResult =
  | { readonly ok: true; readonly zxid: Zxid }
  | { readonly ok: false; readonly reason: "not-leader"; readonly leaderId: number | null }
  | { readonly ok: false; readonly reason: "not-ready" | "busy" | "too-large"; readonly leaderId: number };

export interface SyncDone {
  readonly requestId: number;
  /** Everything committed when the sync reached the leader is applied at or before this zxid. */
  readonly zxid: Zxid;
}

/**
 * Everything the host must do, returned by ready(). Order rules:
 *  1. `hardState`: write it and make it durable BEFORE sending any of `messages`
 *     and before reporting any of `entries` persisted (votes and epoch promises).
 *  2. `snapshot`, `truncateAfterZxid`, `entries` are disk writes to the log, to be applied
 *     in exactly this order (install snapshot and drop the whole log; drop entries with
 *     zxid > truncateAfterZxid; append), and after the writes of every earlier Ready.
 *     They may be made durable later (asynchronously, batched); once they are, call
 *     persisted(zxid of the last durable entry, or the snapshot's zxid).
 *  3. `messages` may be sent as soon as rule 1 holds, before the log writes are durable:
 *     every message that depends on durability (acks) is only produced after persisted().
 *     Delivery may be unreliable, late, duplicated or reordered.
 *  4. `committed`: apply in this order; they are quorum-committed and locally durable.
 *     Payload null is an epoch barrier: nothing to apply.
 *  5. `snapshotWanted`: the leader needs a snapshot for a follower beyond its log window;
 *     call provideSnapshot() with the applied state (zxid >= snapshotWanted.zxidMin).
 *  6. `membership`: the committed or pending configuration changed (connect to new members,
 *     rewrite /zookeeper/config); `snapshot.membership` is stored with the snapshot, and a
 *     committed entry with `membership` is a configuration (nothing for the state machine).
 *  Then call advance(ready).
 */
export interface Ready {
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  readonly truncateAfterZxid: Zxid | null;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly committed: readonly Entry[];
  readonly snapshotWanted: { readonly zxidMin: Zxid } | null;
  /** Set when role, leader or epoch changed since the previous Ready. */
  readonly status: Status | null;
  readonly syncsDone: readonly SyncDone[];
  /** Sync requests that will not complete (leader lost, queue full); the host retries. */
  readonly syncsFailed: readonly number[];
  /**
   * Set when the committed or the pending configuration changed since the previous Ready (an
   * entry appended, committed, truncated; a snapshot installed): connect to new members, and
   * rewrite /zookeeper/config from `committed`.
   */
  readonly membership: MembershipStatus | null;
}
