import type { Entry, Membership, Message, Ready, Snapshot, Status, TransferStats } from "@warden/consensus";
import type { PlantedBugs } from "@warden/consensus/internal";
import { Replica } from "@warden/consensus";
import type { Zxid } from "@warden/protocol";
import type { WriteRecord } from "./clients.js";
import { SimDisk } from "./disk.js";
import type { KvMachine, StateMachine } from "./kv.js";
import type { HostBugs } from "./options.js";
import type { Prng } from "./prng.js";

/** What a node needs from the simulation around it. */
export interface NodeEnv {
  send(m: Message): void;
  scheduleFsync(node: SimNode): void;
  /** Call node.drainNow() a little later; inputs arriving meanwhile are batched into one Ready. */
  scheduleDrain(node: SimNode): void;
  onStatus(node: SimNode, s: Status): void;
  /** The node is about to apply these committed entries (the checker records them first). */
  onApply(node: SimNode, entries: readonly Entry[]): void;
  /** ... and has applied them: cheap invariants of its state. */
  onApplied(node: SimNode): void;
  /** A fresh state machine for the node (at start and after every crash). */
  newMachine(node: SimNode): StateMachine;
  /** Asynchronous work of the node (a snapshot load): the simulation awaits it before the next event. */
  wait(work: Promise<void>): void;
  onRestore(node: SimNode): void;
  onWriteApplied(w: WriteRecord, zxid: Zxid): void;
}

export interface NodeConfig {
  readonly id: number;
  readonly voters: readonly number[];
  readonly observers: readonly number[];
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly inflightProposalsMax: number;
  readonly appendEntriesMax: number;
  readonly appendBytesMax: number;
  readonly snapshotChunkBytes: number;
  readonly snapshotWindowChunks: number;
  readonly logWindowEntries: number;
  readonly snapshotEveryEntries: number;
  readonly plantedBugs: PlantedBugs;
  readonly hostBugs: HostBugs;
  /** Handle Readies later, as the real server does while it awaits its disk: several inputs per Ready. */
  readonly batchInputs: boolean;
}

/** Ready/advance rounds one step may take; more means the replica never settles (a bug). */
const READY_ROUNDS_MAX = 1_000;

/**
 * A simulated server: the consensus core, its disk and its state machine, wired the way the
 * real server must wire them (the Ready order rules). Crash and restart rebuild the core
 * from the disk's durable state only.
 */
export class SimNode {
  readonly id: number;
  readonly disk: SimDisk;
  replica: Replica | null = null;
  machine: StateMachine;
  /** The last committed entry handed to the machine (epoch barriers included). */
  appliedZxid: Zxid = 0n;
  /** The configuration in force at appliedZxid (stored with the host's snapshots, given back at restart). */
  appliedMembership: Membership | undefined = undefined;
  /** Inside drainNow: a proposal made meanwhile (by the tree's leader) is picked up by its loop. */
  private draining = false;
  /** A snapshot is loading: inputs wait for it. */
  loading = false;
  /** Bumped at every crash: events scheduled before it are void. */
  generation = 0;
  fsyncScheduled = false;
  private drainScheduled = false;
  /** Stopped (SIGSTOP) until pausedUntilMs: its inputs wait, then arrive as one batch. */
  paused = false;
  pausedUntilMs = 0;
  /** Resumed, its waiting inputs not all stepped yet: hold the Ready until they are. */
  holdingReady = false;
  readonly pendingWrites = new Map<Zxid, WriteRecord>();
  private appliedSinceSnapshot = 0;
  truncations = 0;
  /** Snapshot transfer counters of the replicas this node had before its crashes. */
  private readonly pastTransfers: TransferStats = {
    transfersStarted: 0,
    transfersSuperseded: 0,
    chunksSent: 0,
    chunksReceived: 0,
    snapshotsInstalled: 0,
    checksumFailures: 0,
  };

  constructor(
    private readonly cfg: NodeConfig,
    private readonly prng: Prng,
    private readonly env: NodeEnv,
  ) {
    this.id = cfg.id;
    this.disk = new SimDisk(prng.fork());
    this.machine = env.newMachine(this);
  }

  /** The KV machine, when the simulation runs it. */
  get kv(): KvMachine {
    return this.machine as KvMachine;
  }

  get up(): boolean {
    return this.replica !== null;
  }

  /** Recovers from the durable state; `booted` runs once the replica is up (after a snapshot loads). */
  start(booted: () => void = () => {}): void {
    const d = this.disk.durable;
    this.machine = this.env.newMachine(this);
    const loading = this.machine.restore(d.snapshot);
    if (loading === undefined) return (this.boot(), booted());
    this.loading = true;
    const generation = this.generation;
    this.env.wait(
      loading.then(() => {
        this.loading = false;
        if (generation === this.generation) this.boot(), booted();
      }),
    );
  }

  private boot(): void {
    const d = this.disk.durable;
    this.appliedZxid = this.machine.appliedZxid;
    this.appliedMembership = d.snapshot?.membership;
    const c = this.cfg;
    this.replica = new Replica({
      id: c.id,
      voters: c.voters,
      observers: c.observers,
      electionTicks: c.electionTicks,
      heartbeatTicks: c.heartbeatTicks,
      random: this.prng.next(),
      inflightProposalsMax: c.inflightProposalsMax,
      appendEntriesMax: c.appendEntriesMax,
      appendBytesMax: c.appendBytesMax,
      snapshotChunkBytes: c.snapshotChunkBytes,
      snapshotWindowChunks: c.snapshotWindowChunks,
      logWindowEntries: c.logWindowEntries,
      plantedBugs: c.plantedBugs,
      hardState: d.hardState,
      appliedZxid: this.appliedZxid,
      entries: d.log,
      checkSnapshot: (s) => this.machine.checkSnapshot?.(s) ?? null,
      // A spare starts outside the initial configuration, to be added by a change.
      joining: true,
      ...(this.appliedMembership === undefined ? {} : { membership: this.appliedMembership }),
    });
    this.env.onRestore(this);
    this.drain();
  }

  /** The tree's leader proposed: handle the Ready now, unless a drain in progress will. */
  kick(): void {
    if (!this.draining) this.drain();
  }

  /** Loses everything not durable; returns the writes whose outcome the clients will never hear. */
  /** Snapshot transfer counters over every life of this node. */
  transferStats(): TransferStats {
    const now = this.replica?.transferStats();
    const out = { ...this.pastTransfers };
    if (now !== undefined) for (const k of Object.keys(out) as (keyof TransferStats)[]) out[k] += now[k];
    return out;
  }

  crash(): WriteRecord[] {
    const past = this.transferStats();
    Object.assign(this.pastTransfers, past);
    this.disk.crash();
    this.replica = null;
    this.generation++;
    this.fsyncScheduled = false;
    this.drainScheduled = false;
    this.paused = false;
    this.holdingReady = false;
    this.loading = false;
    this.draining = false;
    const lost = [...this.pendingWrites.values()];
    this.pendingWrites.clear();
    return lost;
  }

  fsync(): void {
    this.fsyncScheduled = false;
    const last = this.disk.fsync();
    this.replica?.persisted(last);
    this.drain();
  }

  /** After an input: handle the Readies now, or soon when the seed batches inputs. */
  drain(): void {
    if (this.paused || this.holdingReady) {
      this.drainScheduled = true; // at resume
      return;
    }
    if (!this.cfg.batchInputs) return this.drainNow();
    if (this.drainScheduled || this.replica === null) return;
    this.drainScheduled = true;
    this.env.scheduleDrain(this);
  }

  /** Handle every Ready the core has (bounded: a core that never settles is a bug). */
  drainNow(): void {
    this.drainScheduled = false;
    this.paused = false;
    this.holdingReady = false;
    const r = this.replica;
    if (r === null || this.loading) return;
    this.draining = true;
    try {
      for (let round = 0; r.hasReady(); round++) {
        if (round >= READY_ROUNDS_MAX) throw new Error(`node ${this.id}: Ready never settles`);
        const rd = r.ready();
        const loading = this.handle(r, rd);
        if (loading !== undefined) return this.await(loading, r, rd);
      }
    } finally {
      this.draining = false;
    }
  }

  /** The Ready waits for its snapshot to load (as the server awaits installSnapshot), then goes on. */
  private await(loading: Promise<void>, r: Replica, rd: Ready): void {
    this.loading = true;
    const generation = this.generation;
    this.env.wait(
      loading.then(() => {
        if (generation !== this.generation) return;
        this.loading = false;
        this.installed(rd.snapshot!);
        this.handleRest(r, rd);
        this.drainNow();
      }),
    );
  }

  private handle(r: Replica, rd: Ready): Promise<void> | undefined {
    if (rd.hardState !== null) this.disk.writeHardState(rd.hardState); // rule 1: durable first
    if (rd.snapshot !== null) {
      this.disk.queue({ kind: "snapshot", snapshot: rd.snapshot });
      const loading = this.machine.install(rd.snapshot);
      if (loading !== undefined) return loading;
      this.installed(rd.snapshot);
    }
    this.handleRest(r, rd);
    return undefined;
  }

  private installed(s: Snapshot): void {
    this.appliedZxid = s.zxid;
    this.appliedMembership = s.membership;
    for (const [zxid, w] of this.pendingWrites) if (zxid <= s.zxid) this.pendingWrites.delete(zxid), (w.outcome = "unknown");
    this.env.onRestore(this);
  }

  private handleRest(r: Replica, rd: Ready): void {
    this.writeLog(rd);
    for (const m of rd.messages) this.env.send(m); // rule 3: log writes need not be durable yet
    if (rd.committed.length > 0) this.apply(rd.committed);
    if (rd.snapshotWanted !== null) r.provideSnapshot(this.machine.snapshot());
    if (rd.status !== null) {
      this.machine.statusChanged(rd.status);
      this.env.onStatus(this, rd.status);
    }
    r.advance(rd);
    if (this.cfg.hostBugs.ackBeforeFsync === true) {
      const last = rd.entries.at(-1)?.zxid ?? rd.snapshot?.zxid;
      if (last !== undefined) r.persisted(last);
    }
  }

  private writeLog(rd: Ready): void {
    if (rd.truncateAfterZxid !== null) this.truncations++;
    if (rd.truncateAfterZxid !== null) this.disk.queue({ kind: "truncate", afterZxid: rd.truncateAfterZxid });
    if (rd.entries.length > 0) this.disk.queue({ kind: "append", entries: rd.entries });
    if (this.disk.hasQueued && !this.fsyncScheduled) {
      this.fsyncScheduled = true;
      this.env.scheduleFsync(this);
    }
  }

  private apply(entries: readonly Entry[]): void {
    this.env.onApply(this, entries);
    this.machine.applyCommitted(entries);
    this.appliedZxid = entries.at(-1)!.zxid;
    for (const e of entries) if (e.membership !== undefined) this.appliedMembership = e.membership;
    this.env.onApplied(this);
    for (const e of entries) {
      const w = this.pendingWrites.get(e.zxid);
      if (w !== undefined) {
        this.pendingWrites.delete(e.zxid);
        this.env.onWriteApplied(w, e.zxid);
      }
    }
    this.appliedSinceSnapshot += entries.length;
    if (this.appliedSinceSnapshot >= this.cfg.snapshotEveryEntries) {
      this.appliedSinceSnapshot = 0;
      const s = this.machine.snapshot();
      this.disk.saveSnapshot(this.appliedMembership === undefined ? s : { ...s, membership: this.appliedMembership });
    }
  }
}
