import type { Entry, Message, Status } from "@warden/consensus";
import { messageBytesMax } from "@warden/consensus";
import { formatMessage, messageBytesBound } from "@warden/consensus/internal";
import type { Zxid } from "@warden/protocol";
import { formatZxid } from "@warden/protocol";
import type { WriteRecord } from "./clients.js";
import { ClientHistory } from "./clients.js";
import { CommittedHistory, SimViolation } from "./history.js";
import type { SimEvent } from "./events.js";
import { SimFailover } from "./failover.js";
import { SimFaults } from "./faults.js";
import type { StateMachine } from "./kv.js";
import { encodeWrite, KvMachine, KvSpec } from "./kv.js";
import { SimNetwork } from "./network.js";
import type { NodeEnv } from "./node.js";
import { SimNode } from "./node.js";
import type { SimOptions } from "./options.js";
import { Prng } from "./prng.js";
import { EventQueue } from "./queue.js";
import type { ServerMessage } from "@warden/server/internal";
import { TreeMachine, type TreeEnv } from "./tree-machine.js";
import { TreeModel } from "./tree-model.js";
import { REGISTER_PREFIX, TreeWorkload } from "./tree-clients.js";
import { TreeInvariants } from "./tree-invariants.js";
import { SimReconfig } from "./reconfig.js";

export interface SimStats {
  events: number;
  simMs: number;
  messages: number;
  committedEntries: number;
  acknowledgedWrites: number;
  reads: number;
  crashes: number;
  partitions: number;
  elections: number;
  epochs: number;
  /** Snapshot transfers the leaders started, chunks they sent, snapshots followers installed. */
  snapshotTransfers: number;
  snapshotChunks: number;
  snapshotInstalls: number;
  /** Transfers started over with a newer snapshot; crashes of a chunk's receiver or sender right as it arrived. */
  transfersSuperseded: number;
  midTransferCrashes: number;
  truncations: number;
  /** leaderLost() calls by the hosts (a leader's connection closed: crash, cut or blip). */
  leaderLosts: number;
  /** campaign() calls by the hosts' fast failover (each starts with a pre-vote). */
  hostCampaigns: number;
  /** Elections from the healing until the final write is applied everywhere. */
  healElections: number;
  /** Membership changes the leaders accepted, and configurations committed. */
  reconfigsProposed: number;
  reconfigsCommitted: number;
  /** Committed changes by kind; timeout-now messages (a removed leader handing over). */
  reconfigKinds: Record<string, number>;
  handOvers: number;
}

/** Events one simulation runs at most; more means a livelock (a bug). */
const EVENTS_MAX = 5_000_000;
/** consensus' default entryBytesMax (the simulation's writes are far smaller). */
const ENTRY_BYTES_MAX = 4 * 1024 * 1024;
/** Link blips of the disruption check after healing. */
const QUIET_BLIPS = 4;

/**
 * The world of one seed: nodes, network, clock, clients, faults and the checkers that watch
 * them. `run()` plays the fault phase, then heals everything and demands convergence.
 */
export class Simulation implements NodeEnv {
  readonly nodes: SimNode[] = [];
  readonly history: CommittedHistory;
  readonly clients: ClientHistory;
  /** Tree machine only: the model, the clients' workload, the per-batch invariants. */
  private readonly model: TreeModel | null = null;
  private readonly workload: TreeWorkload | null = null;
  private readonly treeInvariants: TreeInvariants | null = null;
  private readonly treeEnv: TreeEnv;
  /** Asynchronous work in progress (snapshot loads): awaited before the next event. */
  private readonly pending: Promise<void>[] = [];
  /** Server-to-server messages keep their order per link, as over TCP: the last delivery time. */
  private readonly linkLastMs = new Map<string, number>();
  readonly stats: SimStats = {
    events: 0,
    simMs: 0,
    messages: 0,
    committedEntries: 0,
    acknowledgedWrites: 0,
    reads: 0,
    crashes: 0,
    partitions: 0,
    elections: 0,
    epochs: 0,
    snapshotTransfers: 0,
    snapshotChunks: 0,
    snapshotInstalls: 0,
    transfersSuperseded: 0,
    midTransferCrashes: 0,
    truncations: 0,
    leaderLosts: 0,
    hostCampaigns: 0,
    healElections: 0,
    reconfigsProposed: 0,
    reconfigsCommitted: 0,
    reconfigKinds: {},
    handOvers: 0,
  };
  private readonly queue = new EventQueue<SimEvent>(1_000_000);
  private readonly prng: Prng;
  readonly network: SimNetwork;
  private readonly failover: SimFailover;
  private readonly faults: SimFaults;
  /** Membership changes and the checker across configurations (null: a static ensemble). */
  readonly reconfig: SimReconfig | null = null;
  private readonly positionOf = new Map<number, number>();
  private readonly leaderOfEpoch = new Map<number, number>();
  private readonly clientBusy: boolean[] = [];
  private readonly leaderHint: (number | null)[] = [];
  private nowMs = 0;
  private healing = false;
  /** What a host's frame limit must allow for these replicas' messages (consensus' messageBytesMax). */
  private readonly messageBytesMax: number;
  private writeCounter = 0;
  private readonly log: string[] = [];

  constructor(readonly options: SimOptions) {
    this.prng = new Prng(options.seed);
    const o = options;
    this.messageBytesMax = messageBytesMax({
      appendEntriesMax: o.appendEntriesMax,
      appendBytesMax: o.appendBytesMax,
      entryBytesMax: ENTRY_BYTES_MAX,
      snapshotChunkBytes: o.snapshotChunkBytes,
    });
    const registers = Math.max(2, o.keys);
    if (o.machine === "tree") this.model = new TreeModel((path) => path.startsWith(REGISTER_PREFIX));
    this.history = new CommittedHistory(this.model ?? new KvSpec());
    this.clients = new ClientHistory(this.history);
    const sim = this;
    this.treeEnv = {
      get now() {
        return sim.nowMs;
      },
      tickMs: o.tickMs,
      prepareBeforeApplied: o.hostBugs.prepareBeforeApplied === true,
      keepPreparer: o.hostBugs.keepPreparer === true,
      sendServer: (from, to, m) => this.sendServer(from, to, m),
      sessionCreated: (n, id, zxid) => this.workload!.sessionCreated(n, id, zxid),
      sessionEnded: (n, id) => this.workload!.sessionEnded(n, id),
    };
    if (this.model !== null) {
      this.workload = new TreeWorkload(
        {
          get now() {
            return sim.nowMs;
          },
          nodes: this.nodes,
          node: (id) => this.node(id),
          clientIdle: (c) => this.clientIdle(c),
          scheduleTimeout: (w, c) => this.at(o.writeTimeoutMs, { kind: "timeout", write: w, client: c }),
          note: (t) => this.note(t),
        },
        this.prng.fork(),
        this.clients,
        this.model,
        registers,
        o.sessionTimeoutMs,
      );
      this.treeInvariants = new TreeInvariants(registers);
    }
    const voters = Array.from({ length: o.voters }, (_, i) => i + 1);
    const observers = Array.from({ length: o.observers }, (_, i) => o.voters + i + 1);
    // Spares: started, empty, outside the initial configuration, so that changes can add them.
    const spares = Array.from({ length: o.spares }, (_, i) => o.voters + o.observers + i + 1);
    for (const id of [...voters, ...observers, ...spares]) {
      this.nodes.push(
        new SimNode(
          {
            id,
            voters,
            observers,
            electionTicks: o.electionTicks,
            heartbeatTicks: o.heartbeatTicks,
            inflightProposalsMax: o.inflightProposalsMax,
            appendEntriesMax: o.appendEntriesMax,
            appendBytesMax: o.appendBytesMax,
            snapshotChunkBytes: o.snapshotChunkBytes,
            snapshotWindowChunks: o.snapshotWindowChunks,
            logWindowEntries: o.logWindowEntries,
            snapshotEveryEntries: o.snapshotEveryEntries,
            plantedBugs: o.plantedBugs,
            hostBugs: o.hostBugs,
            batchInputs: o.readyDelayMsMax > 0,
          },
          this.prng.fork(),
          this,
        ),
      );
    }
    this.network = new SimNetwork(
      this.prng.fork(),
      this.nodes.map((n) => n.id),
      o,
      (delayMs, m) => this.at(delayMs, { kind: "deliver", message: m }),
    );
    this.failover = new SimFailover(this.prng.fork(), (delayMs, attempt) => this.at(delayMs, { kind: "campaign", attempt }));
    this.faults = new SimFaults(this, this.prng);
    if (o.reconfigWeight > 0) this.reconfig = new SimReconfig(this, this.prng.fork(), { version: 0n, voters, observers });
  }

  /** The servers that must converge: every member of the newest committed configuration. */
  private members(): SimNode[] {
    if (this.reconfig === null) return this.nodes;
    return this.reconfig.members().map((id) => this.node(id));
  }

  /** A fault event chose a membership change. */
  reconfigStep(): void {
    this.reconfig?.step();
  }

  /** Recent notable events, for a failure report. */
  get trace(): readonly string[] {
    return this.log;
  }

  get now(): number {
    return this.nowMs;
  }

  note(text: string): void {
    this.log.push(`${this.nowMs}ms ${text}`);
    if (this.log.length > 200) this.log.shift();
  }

  at(delayMs: number, e: SimEvent): void {
    this.queue.push(this.nowMs + delayMs, e);
  }

  atTime(atMs: number, e: SimEvent): void {
    this.queue.push(atMs, e);
  }

  node(id: number): SimNode {
    return this.nodes[id - 1]!;
  }

  async run(): Promise<SimStats> {
    for (const n of this.nodes) {
      n.start();
      await this.settle();
      this.at(this.prng.range(1, this.options.tickMs), { kind: "tick", node: n, generation: n.generation });
    }
    for (let c = 0; c < this.options.clients; c++) {
      this.clientBusy.push(false);
      this.leaderHint.push(null);
      this.at(this.prng.range(1, this.options.clientThinkMsMax), { kind: "client", client: c });
    }
    this.at(this.prng.range(1, this.options.faultEveryMs), { kind: "fault" });
    await this.runUntil(this.options.safetyMs, () => false);
    this.heal();
    await this.settle();
    const electionsBeforeHeal = this.stats.elections;
    await this.converge();
    this.stats.healElections = this.stats.elections - electionsBeforeHeal;
    await this.checkNoDisruption();
    this.finalChecks();
    this.stats.simMs = this.nowMs;
    this.stats.committedEntries = this.history.entries.length;
    this.stats.reads = this.clients.reads;
    if (this.workload !== null) this.stats.acknowledgedWrites = this.clients.writes.filter((w) => w.outcome === "ok").length;
    this.stats.truncations = this.nodes.reduce((sum, n) => sum + n.truncations, 0);
    const transfers = this.nodes.map((n) => n.transferStats());
    this.stats.snapshotTransfers = transfers.reduce((sum, t) => sum + t.transfersStarted, 0);
    this.stats.snapshotInstalls = transfers.reduce((sum, t) => sum + t.snapshotsInstalled, 0);
    this.stats.transfersSuperseded = transfers.reduce((sum, t) => sum + t.transfersSuperseded, 0);
    this.stats.leaderLosts = this.failover.leaderLosts;
    this.stats.hostCampaigns = this.failover.campaigns;
    this.stats.reconfigsProposed = this.reconfig?.proposed ?? 0;
    this.stats.reconfigsCommitted = this.reconfig?.committed ?? 0;
    this.stats.reconfigKinds = { ...this.reconfig?.committedKinds };
    return this.stats;
  }

  private async settle(): Promise<void> {
    while (this.pending.length > 0) await Promise.all(this.pending.splice(0));
  }

  private async runUntil(endMs: number, done: () => boolean): Promise<boolean> {
    for (;;) {
      if (done()) return true;
      const next = this.queue.peekTimeMs();
      if (next === undefined || next > endMs) return false;
      if (++this.stats.events > EVENTS_MAX) throw new Error("event bound exceeded");
      const { atMs, item } = this.queue.pop()!;
      this.nowMs = atMs;
      this.dispatch(item);
      if (this.pending.length > 0) await this.settle();
      this.checkDurability();
    }
  }

  /** The node an event happens on, if any: a paused node's events wait for its resume. */
  private nodeOf(e: SimEvent): SimNode | undefined {
    switch (e.kind) {
      case "tick":
      case "fsync":
      case "drain":
      case "leader-lost":
        return e.node;
      case "deliver":
        return this.node(e.message.to);
      case "campaign":
        return e.attempt.node;
      case "server":
        return this.node(e.to);
      default:
        return undefined;
    }
  }

  private dispatch(e: SimEvent): void {
    const paused = this.nodeOf(e);
    if (paused?.paused === true) return this.queue.push(paused.pausedUntilMs, e);
    switch (e.kind) {
      case "tick":
        return this.onTick(e.node, e.generation);
      case "deliver":
        return this.onDeliver(e.message);
      case "fsync":
        if (e.generation === e.node.generation && e.node.up) e.node.fsync();
        return;
      case "drain":
        if (e.generation === e.node.generation) e.node.drainNow();
        return;
      case "resume":
        return this.faults.resume(e.node, e.generation);
      case "release":
        if (e.generation === e.node.generation && e.node.holdingReady) (e.node.holdingReady = false), e.node.drainNow();
        return;
      case "client":
        return this.onClient(e.client);
      case "timeout":
        return this.onTimeout(e.write, e.client);
      case "fault":
        if (!this.healing) this.faults.fault();
        return;
      case "restart":
        return this.restart(e.node);
      case "leader-lost":
        if (e.generation === e.node.generation) this.failover.leaderLost(e.node, e.leaderId);
        return;
      case "campaign":
        return this.failover.fire(e.attempt);
      case "server":
        return this.onServerMessage(e.from, e.to, e.message);
    }
  }

  private onTick(n: SimNode, generation: number): void {
    if (generation !== n.generation || !n.up) return;
    n.replica!.tick();
    n.machine.tick?.();
    n.drain();
    this.at(this.options.tickMs, { kind: "tick", node: n, generation });
  }

  private onDeliver(m: Message): void {
    const n = this.node(m.to);
    if (!n.up || !this.network.connected(m.from, m.to)) return;
    n.replica!.step(m);
    n.drain();
    if (m.type === "snapshot-chunk" && !this.healing && this.prng.chance(this.options.midTransferCrashRate)) {
      // In the middle of a transfer: the follower (its partial snapshot is lost) or the leader (a new one takes over).
      const victim = this.node(this.prng.chance(0.5) ? m.to : m.from);
      if (!victim.up) return;
      this.stats.midTransferCrashes++;
      this.note(
        `crash ${victim.id} mid-transfer (chunk ${m.offset}+${m.data.length}/${m.totalBytes} of ${formatZxid(m.snapshotZxid)} to ${m.to})`,
      );
      this.crash(victim);
      this.at(this.prng.range(50, 3000), { kind: "restart", node: victim });
    }
  }

  private sendServer(from: number, to: number, m: ServerMessage): void {
    if (!this.network.connected(from, to)) return;
    const link = `${from}>${to}`;
    const atMs = Math.max(this.nowMs + this.prng.range(this.options.delayMsMin, this.options.delayMsMax), this.linkLastMs.get(link) ?? 0);
    this.linkLastMs.set(link, atMs);
    this.atTime(atMs, { kind: "server", from, to, message: m });
  }

  private onServerMessage(from: number, to: number, m: ServerMessage): void {
    const n = this.node(to);
    if (!n.up || !this.network.connected(from, to)) return;
    (n.machine as TreeMachine).node.onServerMessage(from, m);
  }

  // ---- NodeEnv ----
  newMachine(n: SimNode): StateMachine {
    return this.options.machine === "tree" ? new TreeMachine(n, this.treeEnv) : new KvMachine();
  }
  wait(work: Promise<void>): void {
    this.pending.push(work);
  }
  send(m: Message): void {
    this.stats.messages++;
    if (m.type === "snapshot-chunk") this.stats.snapshotChunks++;
    if (m.type === "timeout-now") this.stats.handOvers++;
    if (messageBytesBound(m) > this.messageBytesMax) {
      throw new SimViolation(
        "message-within-frame-limit",
        `${formatMessage(m)}: ${messageBytesBound(m)} bytes, over the limit ${this.messageBytesMax} the configuration promises`,
      );
    }
    this.network.send(m);
  }
  scheduleDrain(n: SimNode): void {
    this.at(this.prng.range(0, this.options.readyDelayMsMax), { kind: "drain", node: n, generation: n.generation });
  }
  scheduleFsync(n: SimNode): void {
    this.at(this.prng.range(1, this.options.fsyncMsMax), { kind: "fsync", node: n, generation: n.generation });
  }
  onStatus(n: SimNode, s: Status): void {
    this.stats.epochs = Math.max(this.stats.epochs, s.epoch);
    if (s.role === "candidate") this.stats.elections++;
    if (s.role !== "leader" || !s.established) return;
    this.note(`node ${n.id} leads epoch ${s.epoch}`);
    const other = this.leaderOfEpoch.get(s.epoch);
    if (other !== undefined && other !== n.id)
      throw new SimViolation("one-leader-per-epoch", `nodes ${other} and ${n.id} both established leaders of epoch ${s.epoch}`);
    this.leaderOfEpoch.set(s.epoch, n.id);
  }
  onApply(n: SimNode, entries: readonly Entry[]): void {
    let after = this.positionOf.get(n.id) ?? -1;
    if ((this.history.entries[after]?.zxid ?? 0n) !== n.appliedZxid) {
      throw new SimViolation("apply-in-order", `node ${n.id} state at ${formatZxid(n.appliedZxid)} out of step with the checker`);
    }
    for (const e of entries) {
      const known = this.history.entries.length;
      after = this.history.observe(after, e, `node ${n.id}`);
      if (this.history.entries.length > known) this.reconfig?.committedEntry(e);
    }
    this.positionOf.set(n.id, after);
  }
  onApplied(n: SimNode): void {
    this.treeInvariants?.check(n);
  }
  onRestore(n: SimNode): void {
    this.treeInvariants?.restored(n);
    this.workload?.connectionsClosed(n);
    const zxid = n.appliedZxid;
    const position = this.history.positionOf(zxid);
    if (position === undefined)
      throw new SimViolation("snapshot-is-committed", `node ${n.id} restored a state at ${formatZxid(zxid)}, not a committed zxid`);
    this.positionOf.set(n.id, position);
    this.checkStateMachine(n);
  }
  onWriteApplied(w: WriteRecord, zxid: Zxid): void {
    if (w.outcome !== "pending") return;
    this.clients.acknowledge(w, zxid, this.nowMs);
    this.stats.acknowledgedWrites++;
    this.clientIdle(w.client);
  }

  // ---- clients ----
  private clientIdle(client: number): void {
    if (client >= this.clientBusy.length) return;
    this.clientBusy[client] = false;
    this.at(this.prng.range(1, this.options.clientThinkMsMax), { kind: "client", client });
  }

  private onClient(client: number): void {
    if (this.clientBusy[client]) return;
    if (this.workload !== null) {
      this.clientBusy[client] = true;
      return this.workload.step(client);
    }
    const hint = this.leaderHint[client];
    const target = hint !== null && hint !== undefined && this.prng.chance(0.8) ? this.node(hint) : this.prng.pick(this.nodes);
    if (target.paused) return this.clientIdle(client); // no answer from a stopped server: try again later
    const key = `k${this.prng.int(this.options.keys)}`;
    if (this.prng.chance(0.6)) return this.clientWrite(client, target, key);
    if (target.up && target.kv.appliedZxid >= this.clients.lastSeen(client)) {
      this.clients.read(client, key, target.kv.get(key), target.kv.appliedZxid);
    }
    this.clientIdle(client);
  }

  private clientWrite(client: number, target: SimNode, key: string): void {
    const w = this.clients.invokeWrite(client, key, `c${client}w${this.writeCounter++}`, this.nowMs);
    const r = target.replica;
    const result = r === null ? null : r.propose(encodeWrite({ key, value: w.value }));
    if (result === null || !result.ok) {
      w.outcome = "fail";
      w.responseMs = this.nowMs;
      if (client < this.leaderHint.length) this.leaderHint[client] = result?.leaderId ?? null;
      this.clientIdle(client);
      return;
    }
    this.clientBusy[client] = true;
    target.pendingWrites.set(result.zxid, w);
    target.drain();
    this.at(this.options.writeTimeoutMs, { kind: "timeout", write: w, client });
  }

  private onTimeout(w: WriteRecord, client: number): void {
    if (w.outcome !== "pending") return;
    w.outcome = "unknown";
    this.clientIdle(client);
  }

  // ---- faults (chosen in faults.ts) ----
  crash(n: SimNode): void {
    this.stats.crashes++;
    this.note(`crash ${n.id}`);
    this.workload?.connectionsClosed(n);
    for (const w of n.crash()) {
      if (w.outcome !== "pending") continue;
      w.outcome = "unknown";
      this.clientIdle(w.client);
    }
    this.faults.noticeClosedLeaderLinks();
  }
  restart(n: SimNode): void {
    if (n.up) return;
    this.note(`restart ${n.id}`);
    n.start(() => {
      this.at(this.prng.range(1, this.options.tickMs), { kind: "tick", node: n, generation: n.generation });
      if (this.options.fastFailover) this.failover.startup(n);
    });
  }
  // ---- healing and convergence ----
  private heal(): void {
    this.healing = true;
    this.note("healing phase");
    this.network.heal();
    this.network.faults = {
      delayMsMin: this.options.delayMsMin,
      delayMsMax: this.options.delayMsMax,
      slowRate: 0,
      lossRate: 0,
      duplicateRate: 0,
    };
    for (const n of this.nodes) this.restart(n);
  }

  /** Liveness: everyone up and connected elects a leader and applies a final write, in bounded time. */
  private async converge(): Promise<void> {
    const deadlineMs = this.nowMs + this.options.healMsMax;
    const client = this.options.clients; // a dedicated client, outside the workload
    let finalZxid: Zxid | null = null;
    let final: WriteRecord | null = null;
    const tryFinal = (): boolean => {
      if (final === null || final.outcome === "fail" || final.outcome === "unknown") {
        const leader = this.nodes.find((n) => n.replica?.status().role === "leader" && n.replica.status().established);
        if (leader === undefined) return false;
        if (this.workload !== null) {
          final = this.workload.finalWrite(leader, client);
          return false;
        }
        final = this.clients.invokeWrite(client, "final", `final${this.writeCounter++}`, this.nowMs);
        const r = leader.replica!.propose(encodeWrite({ key: "final", value: final.value }));
        if (!r.ok) {
          final.outcome = "fail";
          return false;
        }
        leader.pendingWrites.set(r.zxid, final);
        leader.drain();
        this.at(this.options.writeTimeoutMs, { kind: "timeout", write: final, client });
      }
      if (final.outcome === "ok") finalZxid = final.zxid;
      return finalZxid !== null && this.members().every((n) => n.appliedZxid >= finalZxid!);
    };
    if (!(await this.runUntil(deadlineMs, tryFinal))) {
      const state = this.nodes
        .map((n) => `${n.id}:${n.replica?.status().role}@${n.replica?.epoch} applied ${formatZxid(n.appliedZxid)}`)
        .join(", ");
      throw new SimViolation(
        "liveness",
        `no leader and final write applied everywhere within ${this.options.healMsMax} ms of healing (${state})`,
      );
    }
  }

  /**
   * After convergence, on a healthy network: one follower's link to the leader blips (its host
   * calls leaderLost and campaigns), then one is cut off for longer than an election timeout
   * and rejoins, then one crashes and restarts. None of that may depose the leader: with
   * pre-vote and leader stickiness, no election happens and no epoch changes.
   */
  private async checkNoDisruption(): Promise<void> {
    // The final write may have been the last of a leader that a reconfiguration made an observer
    // (it steps down once the change commits): the quiet phase starts with the next leader.
    const established = () => this.nodes.find((n) => n.replica?.status().role === "leader" && n.replica.status().established);
    if (!(await this.runUntil(this.nowMs + this.options.healMsMax, () => established() !== undefined))) {
      throw new SimViolation("liveness", `no established leader within ${this.options.healMsMax} ms after convergence`);
    }
    const leader = established()!;
    const epoch = leader.replica!.epoch;
    const electionsBefore = this.stats.elections;
    const follower = () => this.prng.pick(this.members().filter((n) => n !== leader && n.up));
    const runFor = (ms: number) => this.runUntil(this.nowMs + ms, () => false);
    for (let i = 0; i < QUIET_BLIPS; i++) {
      const blipped = follower();
      this.note(`quiet phase: blip ${blipped.id}`);
      this.failover.leaderLost(blipped, leader.id);
      // The worst case: its host campaigns before the leader's next heartbeat arrives.
      this.failover.fire({ node: blipped, generation: blipped.generation, epochAtLoss: epoch, retries: 0 });
      await runFor(this.prng.range(100, 400));
    }
    const cut = follower();
    this.note(`quiet phase: isolate ${cut.id}`);
    this.network.isolate(cut.id);
    this.faults.noticeClosedLeaderLinks();
    await runFor(this.options.electionTicks * this.options.tickMs * 3);
    this.network.heal();
    await runFor(600);
    const crashed = follower();
    this.crash(crashed);
    this.at(this.prng.range(50, 500), { kind: "restart", node: crashed });
    await runFor(1500);
    const moved = this.members()
      .filter((n) => n.replica !== null && n.replica.epoch !== epoch)
      .map((n) => `${n.id}@${n.replica!.epoch}`);
    const elections = this.stats.elections - electionsBefore;
    if (leader.replica?.role !== "leader" || moved.length > 0 || elections > 0) {
      throw new SimViolation(
        "no-disruption-after-healing",
        `leader ${leader.id} of epoch ${epoch} disrupted by a follower's blip, cut or restart: now ${leader.replica?.role ?? "down"} of epoch ${leader.replica?.epoch}, ${elections} elections, epochs moved ${moved.join(" ")}`,
      );
    }
  }

  // ---- checkers ----
  /** Every committed entry is durable on a quorum of voters (checked for the newest; older ones are prefixes). */
  private checkDurability(): void {
    const last = this.history.lastZxid;
    if (this.reconfig !== null) return this.reconfig.checkNewest(last);
    if (last === 0n) return;
    let holders = 0;
    for (let i = 0; i < this.options.voters; i++) if (this.nodes[i]!.disk.holds(last)) holders++;
    if (holders < Math.floor(this.options.voters / 2) + 1) {
      throw new SimViolation(
        "committed-is-durable-on-quorum",
        `committed ${formatZxid(last)} is durable on only ${holders} of ${this.options.voters} voters`,
      );
    }
  }

  private checkStateMachine(n: SimNode): void {
    const position = this.positionOf.get(n.id) ?? -1;
    if (n.machine.fingerprint() !== this.history.replayFingerprint(position)) {
      throw new SimViolation(
        "state-equals-replay",
        `node ${n.id} state at ${formatZxid(n.appliedZxid)} differs from the replay of the committed log`,
      );
    }
  }

  private finalChecks(): void {
    this.clients.checkLinearizable();
    for (const n of this.nodes) {
      this.checkStateMachine(n);
      n.disk.fsync(); // the end: let queued writes land, then the disk must agree too
      for (const e of n.disk.durable.log) {
        const p = this.history.positionOf(e.zxid);
        if (e.zxid <= this.history.lastZxid && e.zxid <= n.appliedZxid && p === undefined) {
          throw new SimViolation(
            "committed-prefix-on-disk",
            `node ${n.id} holds ${formatZxid(e.zxid)} on disk below its applied zxid, not in the committed history`,
          );
        }
      }
    }
  }
}
