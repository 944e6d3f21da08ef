import type { Zxid } from "@warden/protocol";
import { ZXID_ZERO, seededRandom } from "@warden/protocol";
import { fnv1a32 } from "./checksum.js";
import { ConsensusConfigError } from "./errors.js";
import { initialMembership, membersProblem } from "./membership.js";
import type { Entry, HardState, Membership, Snapshot } from "./types.js";

/**
 * Planted bugs, for the simulation's self-test only (it must find them). Never set in a server.
 */
export interface PlantedBugs {
  /** The leader commits on its own durable copy, ignoring the quorum. */
  readonly commitWithoutQuorum?: boolean;
  /** Votes and pre-votes are granted without checking that the candidate's log is at least as new. */
  readonly voteWithoutLogCheck?: boolean;
  /** Pre-votes are granted, and higher-epoch vote requests heeded, while a leader is still heard. */
  readonly preVoteIgnoresLease?: boolean;
  /** A leader that steps down with commit news unsent keeps reporting work it never hands over (the SIGSTOP hang). */
  readonly readyAfterStepDown?: boolean;
  /** A follower installs a snapshot when its last chunk arrives, even if an earlier chunk is still missing. */
  readonly installBeforeLastChunk?: boolean;
  /** While a configuration change is uncommitted, only the new configuration's quorums count (commit and votes). */
  readonly commitWithNewQuorumOnly?: boolean;
  /** A configuration is adopted when it commits, not when appended: until then the old one's quorums alone count. */
  readonly adoptOnCommit?: boolean;
}

/**
 * A checksum of a byte stream, continued chunk by chunk: f(b, f(a, 0)) is the checksum of a
 * then b. Used on snapshots sent to followers; every server of an ensemble must use the same.
 */
export type Checksum = (data: Uint8Array, previous: number) => number;

export interface ReplicaConfig {
  readonly id: number;
  /**
   * The initial configuration (version ZXID_ZERO), used when neither `membership` nor the log
   * holds one. Voting members, this server included if it votes; an odd count >= 1.
   */
  readonly voters: readonly number[];
  /** Non-voting members that follow commits; disjoint from voters. */
  readonly observers?: readonly number[];
  /**
   * The configuration in force at appliedZxid, as stored with the host's snapshot
   * (Ready.snapshot.membership). Absent: voters and observers, at version ZXID_ZERO.
   */
  readonly membership?: Membership;
  /**
   * This server may be outside its configuration: a server started, empty, to be added by a
   * membership change. It follows whichever leader replicates to it and never campaigns until
   * a configuration makes it a voter. Without it, an id outside the configuration is refused.
   */
  readonly joining?: boolean;
  /**
   * An even number of voters is accepted: the configuration is one a membership change made
   * (ZooKeeper's reconfig may leave any count, and a server restarted from the file it wrote
   * must start). Without it, an even count is refused: it adds no fault tolerance.
   */
  readonly evenVoters?: boolean;
  /** Base election timeout; each wait is drawn from [electionTicks, 2*electionTicks). Also the leader's sync limit. */
  readonly electionTicks?: number;
  /** The leader sends heartbeats every heartbeatTicks; < electionTicks. */
  readonly heartbeatTicks?: number;
  /**
   * ZooKeeper's initLimit, in ticks: a new leader that a quorum has not synced with (the epoch
   * barrier durable on a quorum) within it steps down; a leader drops (probes afresh, a snapshot
   * transfer starts over) a follower not synced within it; a follower that has not synced with
   * its leader within it gives that leader up. Absent or 0: no limit.
   */
  readonly initTicks?: number;
  /** Seeded randomness for election jitter: a function returning [0, 1), or a seed. */
  readonly random?: (() => number) | number;
  /** Leader: proposals appended but not committed, at most. */
  readonly inflightProposalsMax?: number;
  /** Entries in one append message, at most. */
  readonly appendEntriesMax?: number;
  /** Payload bytes in one append message, at most (one entry always goes alone). */
  readonly appendBytesMax?: number;
  /** The largest payload propose() accepts; larger ones are refused as "too-large". */
  readonly entryBytesMax?: number;
  /** Bytes of snapshot in one chunk sent to a follower behind the log window. */
  readonly snapshotChunkBytes?: number;
  /** Snapshot chunks sent to one follower and not yet acknowledged, at most (flow control). */
  readonly snapshotWindowChunks?: number;
  /** Checksum of snapshots in transfer (default: FNV-1a, 32 bits); the same on every server. */
  readonly checksum?: Checksum;
  /**
   * The host's check of a snapshot received whole with a matching checksum, before it is
   * adopted: null if the host can load it, else why not. A snapshot the host cannot read is
   * refused as no correct leader sends one (PeerMessageRefusedError), so a faulty peer cannot
   * make this server adopt state it could not apply. Default: every snapshot is readable.
   */
  readonly checkSnapshot?: (snapshot: Snapshot) => string | null;
  /** Append messages in flight to one follower, at most. */
  readonly inflightMessagesMax?: number;
  /** Applied entries kept in memory for followers to catch up from; beyond, a snapshot. */
  readonly logWindowEntries?: number;
  /** The same window in bytes of payload: whichever bound is reached first compacts. */
  readonly logWindowBytes?: number;
  /** Pending sync requests, at most. */
  readonly pendingSyncsMax?: number;
  /** Durable state to restart from (absent: a fresh server). */
  readonly hardState?: HardState;
  /** The zxid of the host's state (its snapshot) at restart; entries <= it are not replayed. */
  readonly appliedZxid?: Zxid;
  /** Durable log entries after appliedZxid, in zxid order. */
  readonly entries?: readonly Entry[];
  readonly plantedBugs?: PlantedBugs;
}

export interface ResolvedConfig {
  readonly id: number;
  /** The configuration in force at appliedZxid (the log's entries may change it). */
  readonly membership: Membership;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** 0: no limit. */
  readonly initTicks: number;
  readonly random: () => number;
  readonly inflightProposalsMax: number;
  readonly appendEntriesMax: number;
  readonly appendBytesMax: number;
  readonly entryBytesMax: number;
  readonly snapshotChunkBytes: number;
  readonly snapshotWindowChunks: number;
  readonly checksum: Checksum;
  readonly checkSnapshot: (snapshot: Snapshot) => string | null;
  readonly inflightMessagesMax: number;
  readonly logWindowEntries: number;
  readonly logWindowBytes: number;
  readonly pendingSyncsMax: number;
  readonly hardState: HardState;
  readonly appliedZxid: Zxid;
  readonly entries: readonly Entry[];
  readonly plantedBugs: PlantedBugs;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) {
    throw new ConsensusConfigError("WARDEN_ERR_CONFIG_NUMBER", `${name} must be an integer >= 1, got ${v}`);
  }
  return v;
}

function validateMembers(id: number, voters: readonly number[], observers: readonly number[], joining: boolean, evenVoters: boolean): void {
  const all = [...voters, ...observers];
  for (const m of all) {
    if (!Number.isInteger(m) || m < 1) throw new ConsensusConfigError("WARDEN_ERR_CONFIG_ID", `server ids must be integers >= 1, got ${m}`);
  }
  if (voters.length === 0) throw new ConsensusConfigError("WARDEN_ERR_CONFIG_NO_VOTERS", "at least one voting server is required");
  if (voters.length % 2 === 0 && !evenVoters) {
    throw new ConsensusConfigError(
      "WARDEN_ERR_CONFIG_EVEN_VOTERS",
      `the number of voting servers must be odd (1, 3, 5, ...), got ${voters.length}: an even count adds no fault tolerance`,
    );
  }
  if (new Set(voters).size !== voters.length)
    throw new ConsensusConfigError("WARDEN_ERR_CONFIG_DUPLICATE_ID", `voter ids must be unique: ${voters.join(",")}`);
  if (new Set(observers).size !== observers.length)
    throw new ConsensusConfigError("WARDEN_ERR_CONFIG_DUPLICATE_ID", `observer ids must be unique: ${observers.join(",")}`);
  const both = observers.filter((o) => voters.includes(o));
  if (both.length > 0)
    throw new ConsensusConfigError("WARDEN_ERR_CONFIG_OVERLAP", `servers cannot be both voter and observer: ${both.join(",")}`);
  if (!joining && !all.includes(id))
    throw new ConsensusConfigError("WARDEN_ERR_CONFIG_SELF", `this server's id ${id} is neither a voter nor an observer`);
}

function validateEntries(appliedZxid: Zxid, entries: readonly Entry[]): void {
  let prev = appliedZxid;
  for (const e of entries) {
    if (e.zxid <= prev)
      throw new ConsensusConfigError("WARDEN_ERR_CONFIG_LOG", `log entries must be in increasing zxid order after appliedZxid`);
    prev = e.zxid;
  }
}

export { seededRandom };

/** Checks a configuration and fills defaults; a bad one throws ConsensusConfigError. */
export function resolveConfig(c: ReplicaConfig): ResolvedConfig {
  const observers = c.observers ?? [];
  validateMembers(c.id, c.voters, observers, c.joining === true, c.evenVoters === true);
  if (c.membership !== undefined) {
    const problem = membersProblem(c.membership.voters, c.membership.observers);
    if (problem !== null)
      throw new ConsensusConfigError(
        "WARDEN_ERR_CONFIG_MEMBERSHIP",
        `the stored configuration is not valid (${problem}): voters ${c.membership.voters.join(",")}, observers ${c.membership.observers.join(",")}`,
      );
  }
  const electionTicks = positiveInteger("electionTicks", c.electionTicks, 10);
  const heartbeatTicks = positiveInteger("heartbeatTicks", c.heartbeatTicks, 1);
  if (heartbeatTicks >= electionTicks) {
    throw new ConsensusConfigError(
      "WARDEN_ERR_CONFIG_TICKS",
      `heartbeatTicks (${heartbeatTicks}) must be less than electionTicks (${electionTicks})`,
    );
  }
  const appliedZxid = c.appliedZxid ?? ZXID_ZERO;
  const entries = c.entries ?? [];
  validateEntries(appliedZxid, entries);
  const random = typeof c.random === "function" ? c.random : seededRandom(c.random ?? c.id);
  return {
    id: c.id,
    membership: c.membership ?? initialMembership(c.voters, observers),
    electionTicks,
    heartbeatTicks,
    initTicks: c.initTicks === undefined || c.initTicks === 0 ? 0 : positiveInteger("initTicks", c.initTicks, 0),
    random,
    inflightProposalsMax: positiveInteger("inflightProposalsMax", c.inflightProposalsMax, 1024),
    appendEntriesMax: positiveInteger("appendEntriesMax", c.appendEntriesMax, 64),
    appendBytesMax: positiveInteger("appendBytesMax", c.appendBytesMax, 1024 * 1024),
    entryBytesMax: positiveInteger("entryBytesMax", c.entryBytesMax, 4 * 1024 * 1024),
    snapshotChunkBytes: positiveInteger("snapshotChunkBytes", c.snapshotChunkBytes, 1024 * 1024),
    snapshotWindowChunks: positiveInteger("snapshotWindowChunks", c.snapshotWindowChunks, 8),
    checksum: c.checksum ?? fnv1a32,
    checkSnapshot: c.checkSnapshot ?? (() => null),
    inflightMessagesMax: positiveInteger("inflightMessagesMax", c.inflightMessagesMax, 16),
    logWindowEntries: positiveInteger("logWindowEntries", c.logWindowEntries, 10_000),
    logWindowBytes: positiveInteger("logWindowBytes", c.logWindowBytes, 64 * 1024 * 1024),
    pendingSyncsMax: positiveInteger("pendingSyncsMax", c.pendingSyncsMax, 1024),
    hardState: c.hardState ?? { epoch: 0, votedFor: null },
    appliedZxid,
    entries,
    plantedBugs: c.plantedBugs ?? {},
  };
}
