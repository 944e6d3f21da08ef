// Wires the pure consensus Replica to the disk (storage), the network (peer transport) and
// the clock, following the order rules written on consensus' Ready type. The server above
// sees only: propose, sync, and callbacks for committed entries and role changes.
import { decode, encode } from "cbor-x";
import {
  Replica,
  type Entry,
  type HardState,
  type Membership,
  type MembershipStatus,
  type Message,
  type Ready,
  type ReplicaConfig,
  type Snapshot,
  type Status,
} from "@warden/consensus";
import type { Storage } from "@warden/storage";
import type { ConfigStore } from "../reconfig/store.js";

const HARD_STATE_KEY = "consensus.hardState";
const EMPTY = new Uint8Array(0);

export interface ReplicationHost {
  /** Committed entries, in zxid order; apply them synchronously. */
  applyCommitted(entries: readonly Entry[]): void;
  /** The configurations that count changed (Ready.membership): connect to their members. Before this Ready's messages. */
  membershipChanged?(status: MembershipStatus): void;
  /** Role, leader or epoch changed. */
  statusChanged(status: Status): void;
  /** The leader needs a snapshot of the applied state for a lagging follower. */
  snapshotOfAppliedState(): Snapshot;
  /** A snapshot from the leader replaces the whole state (follower far behind). */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  syncDone(requestId: number, zxid: bigint): void;
  syncFailed(requestId: number): void;
  send(message: Message): void;
  fatal(error: unknown): void;
}

export interface ReplicationOptions {
  tickMs: number;
  replica: Omit<ReplicaConfig, "hardState" | "appliedZxid" | "entries">;
}

export type Recovered = Pick<ReplicaConfig, "hardState" | "appliedZxid" | "entries" | "membership">;

/**
 * Reads what the Replica restarts from: its hard state, the configuration stored with the
 * snapshot, and the durable log after the snapshot (configuration entries with their memberships).
 * The log first: a read started and left pending across another await would reject unhandled.
 */
export async function recoverReplicaState(storage: Storage, appliedZxid: bigint, configs: ConfigStore): Promise<Recovered> {
  const entries = await readLogAfter(storage, appliedZxid, configs);
  const raw = await storage.getMeta(HARD_STATE_KEY);
  const hardState = raw ? (decode(raw) as HardState) : undefined;
  const membership = configs.snapshotMembership(appliedZxid);
  return { ...(hardState ? { hardState } : {}), appliedZxid, entries, ...(membership ? { membership } : {}) };
}

/** The log's entries after `zxid`, as recoverReplicaState takes them. */
async function readLogAfter(storage: Storage, zxid: bigint, configs: ConfigStore): Promise<Entry[]> {
  const entries: Entry[] = [];
  for await (const e of storage.readLog(zxid)) entries.push(configs.entryOf(e.zxid, e.data));
  return entries;
}

/** Configurations applied lately, to tell which one was in force at a zxid (a snapshot's). */
const APPLIED_MEMBERSHIPS_KEPT = 8;

/** Last, smallest and largest of a series of sizes, -1 before the first (ZooKeeper's BufferStats). */
export class SizeTracker {
  last = -1;
  min = -1;
  max = -1;
  observe(bytes: number): void {
    this.last = bytes;
    if (this.min < 0 || bytes < this.min) this.min = bytes;
    if (bytes > this.max) this.max = bytes;
  }
  reset(): void {
    this.last = this.min = this.max = -1;
  }
}

export class ReplicationDriver {
  readonly replica: Replica;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private again = false;
  private stopped = false;
  /** The drain in progress and the appends not yet durable: stop() waits for them. */
  private running: Promise<void> = Promise.resolve();
  private readonly appending = new Set<Promise<void>>();
  private readonly fsyncMs: number[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly host: ReplicationHost,
    private readonly opts: ReplicationOptions,
    recovered: Recovered,
    private readonly configs: ConfigStore,
  ) {
    this.replica = new Replica({ ...opts.replica, ...recovered });
    this.applied = [this.replica.membership().committed];
  }

  /** The configurations applied lately, oldest first (the first: the one at the start or the last snapshot installed). */
  private applied: Membership[];

  /** The configuration in force at `zxid` (at or after the last one installed): what a snapshot at zxid stores. */
  membershipAt(zxid: bigint): Membership {
    let found = this.applied[0]!;
    for (const m of this.applied) if (m.version <= zxid) found = m;
    return found;
  }

  /** Writes a snapshot of the applied state at `zxid` with its configuration stored first. */
  async writeSnapshot(zxid: bigint, write: () => Promise<unknown>, membership = this.membershipAt(zxid)): Promise<void> {
    await this.configs.beforeSnapshot(zxid, membership);
    await write();
  }

  start(): void {
    this.timer = setInterval(() => {
      this.replica.tick();
      this.kick();
    }, this.opts.tickMs);
    this.kick();
  }

  /**
   * Stops ticking and stepping, and resolves once the work already in flight (a drain, log
   * appends) has settled, so that the caller may close the storage under it.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.draining) await this.running;
    await Promise.all(this.appending);
  }

  step(message: Message): void {
    if (this.stopped) return;
    this.replica.step(message);
    this.kick();
  }

  /** Proposes a payload; the caller predicted its zxid (see nextZxid). */
  propose(payload: Uint8Array): ReturnType<Replica["propose"]> {
    const r = this.replica.propose(payload);
    if (r.ok) {
      this.proposalSizes.observe(payload.length);
      this.observer.proposed(payload.length);
    }
    this.kick();
    return r;
  }

  /** The zxid the next proposal will get, when this server is an established leader. */
  nextZxid(): bigint {
    return this.replica.lastZxid + 1n;
  }

  sync(requestId: number): void {
    this.replica.sync(requestId);
    this.kick();
  }

  campaign(): void {
    this.replica.campaign();
    this.kick();
  }

  /** The connection from our leader closed: forget it (keeping the epoch), so that we grant pre-votes. */
  leaderLost(leaderId: number): void {
    this.replica.leaderLost(leaderId);
    this.kick();
  }

  /** Told of each durable append's fsync time and each accepted proposal (for /metrics). */
  observer: { fsynced(ms: number): void; proposed(bytes: number): void } = { fsynced: () => undefined, proposed: () => undefined };
  /** Sizes of the txns this server proposed as leader (srvr's "Proposal sizes last/min/max"). */
  readonly proposalSizes = new SizeTracker();

  /** Median fsync-to-durable time of recent appends, in ms. */
  fsyncP50Ms(): number {
    if (this.fsyncMs.length === 0) return 0;
    const s = [...this.fsyncMs].sort((a, b) => a - b);
    return s[s.length >> 1]!;
  }

  /**
   * Runs ready/advance until nothing is left, once per turn of the event loop: every request
   * that arrived in this turn joins the same Ready, so one append and one message per peer
   * carry them all (batching is the main lever for write throughput).
   */
  kick(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drainNow();
    });
  }

  private scheduled = false;

  private drainNow(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    this.running = this.drain()
      .catch((e) => this.host.fatal(e))
      .finally(() => {
        this.draining = false;
        if (this.again && !this.stopped) {
          this.again = false;
          this.drainNow();
        }
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.replica.hasReady()) {
      this.again = false;
      const rd = this.replica.ready();
      await this.handle(rd);
      this.replica.advance(rd);
      // Each pass awaits only microtasks when a Ready carries nothing: a replica that keeps
      // reporting work it does not hand over would starve the event loop (a hung server).
      if (isEmpty(rd) && this.replica.hasReady())
        throw new Error("assertion failed: the replica reports a Ready with nothing in it, again");
    }
  }

  private async handle(rd: Ready): Promise<void> {
    if (rd.hardState) await this.storage.setMeta(HARD_STATE_KEY, encode(rd.hardState));
    if (rd.snapshot) {
      this.applied = [rd.snapshot.membership ?? this.replica.membership().committed];
      await this.host.installSnapshot(rd.snapshot);
      this.replica.persisted(rd.snapshot.zxid);
    }
    if (rd.truncateAfterZxid !== null) await this.storage.truncateAfter(rd.truncateAfterZxid);
    // A configuration's membership is durable before the (empty) log record that stands for it.
    if (rd.entries.some((e) => e.membership !== undefined)) await this.configs.beforeAppend(rd.entries);
    if (rd.entries.length > 0) this.persist(rd.entries);
    if (rd.membership) this.host.membershipChanged?.(rd.membership);
    for (const m of rd.messages) this.host.send(m);
    for (const e of rd.committed) if (e.membership) this.applied = [...this.applied, e.membership].slice(-APPLIED_MEMBERSHIPS_KEPT);
    if (rd.committed.length > 0) this.host.applyCommitted(rd.committed);
    if (rd.snapshotWanted) this.replica.provideSnapshot(this.host.snapshotOfAppliedState());
    if (rd.status) this.host.statusChanged(rd.status);
    for (const s of rd.syncsDone) this.host.syncDone(s.requestId, s.zxid);
    for (const id of rd.syncsFailed) this.host.syncFailed(id);
  }

  /** Appends without waiting: concurrent appends share one fsync (group commit). */
  private persist(entries: readonly Entry[]): void {
    const last = entries[entries.length - 1]!.zxid;
    const started = performance.now();
    const appended: Promise<void> = this.storage
      .append(entries.map((e) => ({ zxid: e.zxid, data: e.payload ?? EMPTY })))
      .then(() => {
        if (this.fsyncMs.length >= 256) this.fsyncMs.shift();
        const fsyncMs = performance.now() - started;
        this.fsyncMs.push(fsyncMs);
        this.observer.fsynced(fsyncMs);
        if (this.stopped) return;
        this.replica.persisted(last);
        this.kick();
      })
      .catch((e) => this.host.fatal(e))
      .finally(() => this.appending.delete(appended));
    this.appending.add(appended);
  }
}

function isEmpty(rd: Ready): boolean {
  return (
    rd.hardState === null &&
    rd.snapshot === null &&
    rd.truncateAfterZxid === null &&
    rd.entries.length === 0 &&
    rd.messages.length === 0 &&
    rd.committed.length === 0 &&
    rd.snapshotWanted === null &&
    rd.status === null &&
    rd.membership === null &&
    rd.syncsDone.length === 0 &&
    rd.syncsFailed.length === 0
  );
}
