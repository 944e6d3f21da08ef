import type { PlantedBugs } from "@warden/consensus/internal";
import { Prng } from "./prng.js";

/** Host-side bugs the simulation must catch (the core is correct, the host misuses it). */
export interface HostBugs {
  /** Report entries persisted as soon as they are written, before the fsync. */
  readonly ackBeforeFsync?: boolean;
  /** Tree machine: the host reports the replica's commit zxid as applied, so a new leader prepares before its tree has caught up. */
  readonly prepareBeforeApplied?: boolean;
  /** The leader's Preparer keeps its prepared-but-uncommitted changes across leadership changes. */
  readonly keepPreparer?: boolean;
}

/** kv: a small register machine (fast); tree: the server's WardenNode over the real DataTree. */
export type MachineKind = "kv" | "tree";

/** What a caller may fix; everything else is derived from the seed. */
export interface SimOverrides {
  readonly voters?: 3 | 5;
  readonly machine?: MachineKind;
  /** Simulated milliseconds of the fault phase. */
  readonly safetyMs?: number;
  readonly plantedBugs?: PlantedBugs;
  readonly hostBugs?: HostBugs;
  /** Membership changes among the faults (kv machine), with spare servers started empty to join. */
  readonly reconfig?: boolean;
}

export interface SimOptions {
  readonly seed: number;
  readonly machine: MachineKind;
  readonly voters: number;
  readonly observers: number;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly safetyMs: number;
  /** After the faults stop, a leader must be elected and a final write applied everywhere within this. */
  readonly healMsMax: number;
  readonly delayMsMin: number;
  readonly delayMsMax: number;
  /** Chance that a message takes up to 10x delayMsMax: reordering. */
  readonly slowRate: number;
  readonly lossRate: number;
  readonly duplicateRate: number;
  readonly fsyncMsMax: number;
  /** Mean time between fault events (crash, restart, partition, heal). */
  readonly faultEveryMs: number;
  readonly crashWeight: number;
  readonly partitionWeight: number;
  readonly clients: number;
  readonly clientThinkMsMax: number;
  readonly writeTimeoutMs: number;
  readonly keys: number;
  readonly logWindowEntries: number;
  readonly snapshotEveryEntries: number;
  readonly inflightProposalsMax: number;
  readonly appendEntriesMax: number;
  readonly plantedBugs: PlantedBugs;
  readonly hostBugs: HostBugs;
  /** Hosts run the server's fast failover: leaderLost() when a leader's link closes, quick campaigns, a campaign at start. */
  readonly fastFailover: boolean;
  /** Chance that a follower's host notices its leader's link closing (crash or cut). */
  readonly leaderLostRate: number;
  /** Weight of link blips (a follower's host reports its live leader lost) among fault events. */
  readonly blipWeight: number;
  /** 0: each input's Ready is handled at once; else within this many ms, batching inputs (as the server does). */
  readonly readyDelayMsMax: number;
  /** Tree machine: the timeout of the clients' sessions (the leader expires silent ones). */
  readonly sessionTimeoutMs: number;
  /** Weight of pauses (SIGSTOP, then SIGCONT: a batch of inputs before one Ready) among fault events. */
  readonly pauseWeight: number;
  /** Snapshot transfer: bytes per chunk (small, so that transfers take many chunks) and chunks unacknowledged at most. */
  readonly snapshotChunkBytes: number;
  readonly snapshotWindowChunks: number;
  /** Payload bytes one append gathers (an entry always goes, alone if larger). */
  readonly appendBytesMax: number;
  /** Chance, per snapshot chunk delivered in the fault phase, that its receiver or its sender crashes right then. */
  readonly midTransferCrashRate: number;
  /** Membership changes among the fault events (0: none, a static ensemble). */
  readonly reconfigWeight: number;
  /** Servers started empty outside the initial configuration, for changes to add. */
  readonly spares: number;
}

/** Derive every option from the seed (TigerBeetle's VOPR habit): fault rates included. */
export function deriveOptions(seed: number, o: SimOverrides = {}): SimOptions {
  const r = new Prng(seed ^ 0x5eed);
  const voters = o.voters ?? (r.chance(0.5) ? 3 : 5);
  return {
    seed,
    machine: o.machine ?? "kv",
    voters,
    observers: r.chance(0.3) ? 1 : 0,
    tickMs: 50,
    electionTicks: r.range(4, 10),
    heartbeatTicks: 1,
    safetyMs: o.safetyMs ?? 40_000,
    healMsMax: 20_000,
    delayMsMin: 1,
    delayMsMax: r.range(2, 40),
    slowRate: r.pick([0, 0.01, 0.05]),
    lossRate: r.pick([0, 0.01, 0.05, 0.2]),
    duplicateRate: r.pick([0, 0.01, 0.05]),
    fsyncMsMax: r.range(1, 30),
    faultEveryMs: r.range(100, 1500),
    crashWeight: r.range(0, 3),
    partitionWeight: r.range(0, 3),
    clients: r.range(1, 4),
    clientThinkMsMax: r.range(5, 60),
    writeTimeoutMs: 1_500,
    keys: r.range(1, 5),
    logWindowEntries: r.range(4, 64),
    snapshotEveryEntries: r.range(5, 100),
    inflightProposalsMax: r.range(2, 64),
    appendEntriesMax: r.range(1, 16),
    plantedBugs: o.plantedBugs ?? {},
    hostBugs: o.hostBugs ?? {},
    fastFailover: r.chance(0.75),
    leaderLostRate: r.pick([0.5, 0.9, 1]),
    blipWeight: r.range(0, 2),
    readyDelayMsMax: r.pick([0, 0, 1, 5]),
    pauseWeight: r.range(0, 2),
    sessionTimeoutMs: r.range(600, 3000),
    // Drawn last: the options above stay what they were for every seed.
    // A few to a few hundred chunks per transfer (the tree's snapshots are 1-20 KB, the kv's 20-300 bytes).
    snapshotChunkBytes: r.pick((o.machine ?? "kv") === "tree" ? [128, 256, 1024, 4096] : [8, 16, 64, 256]),
    snapshotWindowChunks: r.range(1, 8),
    appendBytesMax: r.pick([48, 512, 1 << 20]),
    midTransferCrashRate: r.pick([0, 0.01, 0.03, 0.1]),
    // Drawn after the rest, so that every other option stays what it was for each seed.
    reconfigWeight: o.reconfig === true ? r.range(1, 4) : 0,
    spares: o.reconfig === true ? 2 : 0,
  };
}

export function describeOptions(o: SimOptions): string {
  return Object.entries(o)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ");
}
