import type { Entry, Message, PlantedBugs, Ready, Status } from "@warden/consensus";
import { Replica } from "@warden/consensus";
import type { Zxid } from "@warden/protocol";
import type { WriteRecord } from "./clients.js";
import { SimDisk } from "./disk.js";
import { KvMachine } from "./kv.js";
import type { HostBugs } from "./options.js";
import type { Prng } from "./prng.js";

/** What a node needs from the simulation around it. */
export interface NodeEnv {
  send(m: Message): void;
  scheduleFsync(node: SimNode): void;
  /** Call node.drainNow() a little later; inputs arriving meanwhile are batched into one Ready. */
  scheduleDrain(node: SimNode): void;
  onStatus(node: SimNode, s: Status): void;
  /** Returns false when the entry is not in the committed history (a violation is raised). */
  onApply(node: SimNode, e: Entry): void;
  onRestore(node: SimNode): void;
  onWriteApplied(w: WriteRecord, zxid: Zxid): void;
}

export interface NodeConfig {
  readonly id: number;
  readonly voters: readonly number[];
  readonly observers: readonly number[];
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly maxInflightProposals: number;
  readonly maxBatchEntries: number;
  readonly logWindowEntries: number;
  readonly snapshotEveryEntries: number;
  readonly plantedBugs: PlantedBugs;
  readonly hostBugs: HostBugs;
  /** Handle Readies later, as the real server does while it awaits its disk: several inputs per Ready. */
  readonly batchInputs: boolean;
}

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
  kv = new KvMachine();
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

  constructor(private readonly cfg: NodeConfig, private readonly prng: Prng, private readonly env: NodeEnv) {
    this.id = cfg.id;
    this.disk = new SimDisk(prng.fork());
  }

  get up(): boolean {
    return this.replica !== null;
  }

  start(): void {
    const d = this.disk.durable;
    this.kv = new KvMachine();
    this.kv.restore(d.snapshot);
    const c = this.cfg;
    this.replica = new Replica({
      id: c.id, voters: c.voters, observers: c.observers, electionTicks: c.electionTicks,
      heartbeatTicks: c.heartbeatTicks, random: this.prng.next(), maxInflightProposals: c.maxInflightProposals,
      maxBatchEntries: c.maxBatchEntries, logWindowEntries: c.logWindowEntries, plantedBugs: c.plantedBugs,
      hardState: d.hardState, appliedZxid: this.kv.appliedZxid, entries: d.log,
    });
    this.env.onRestore(this);
    this.drain();
  }

  /** Loses everything not durable; returns the writes whose outcome the clients will never hear. */
  crash(): WriteRecord[] {
    this.disk.crash();
    this.replica = null;
    this.generation++;
    this.fsyncScheduled = false;
    this.drainScheduled = false;
    this.paused = false;
    this.holdingReady = false;
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
    if (r === null) return;
    for (let round = 0; r.hasReady(); round++) {
      if (round >= READY_ROUNDS_MAX) throw new Error(`node ${this.id}: Ready never settles`);
      this.handle(r, r.ready());
    }
  }

  private handle(r: Replica, rd: Ready): void {
    if (rd.hardState !== null) this.disk.writeHardState(rd.hardState); // rule 1: durable first
    this.writeLog(rd);
    for (const m of rd.messages) this.env.send(m); // rule 3: log writes need not be durable yet
    for (const e of rd.committed) this.apply(e);
    if (rd.snapshotWanted !== null) r.provideSnapshot(this.kv.snapshot());
    if (rd.status !== null) this.env.onStatus(this, rd.status);
    r.advance(rd);
    if (this.cfg.hostBugs.ackBeforeFsync === true) {
      const last = rd.entries.at(-1)?.zxid ?? rd.snapshot?.zxid;
      if (last !== undefined) r.persisted(last);
    }
  }

  private writeLog(rd: Ready): void {
    if (rd.snapshot !== null) {
      this.disk.queue({ kind: "snapshot", snapshot: rd.snapshot });
      this.kv.restore(rd.snapshot);
      for (const [zxid, w] of this.pendingWrites) if (zxid <= rd.snapshot.zxid) this.pendingWrites.delete(zxid), (w.outcome = "unknown");
      this.env.onRestore(this);
    }
    if (rd.truncateAfterZxid !== null) this.truncations++;
    if (rd.truncateAfterZxid !== null) this.disk.queue({ kind: "truncate", afterZxid: rd.truncateAfterZxid });
    if (rd.entries.length > 0) this.disk.queue({ kind: "append", entries: rd.entries });
    if (this.disk.hasQueued && !this.fsyncScheduled) {
      this.fsyncScheduled = true;
      this.env.scheduleFsync(this);
    }
  }

  private apply(e: Entry): void {
    this.env.onApply(this, e);
    this.kv.apply(e);
    const w = this.pendingWrites.get(e.zxid);
    if (w !== undefined) {
      this.pendingWrites.delete(e.zxid);
      this.env.onWriteApplied(w, e.zxid);
    }
    if (++this.appliedSinceSnapshot >= this.cfg.snapshotEveryEntries) {
      this.appliedSinceSnapshot = 0;
      this.disk.saveSnapshot(this.kv.snapshot());
    }
  }
}
