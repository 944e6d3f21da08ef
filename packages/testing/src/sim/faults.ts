import type { SimEvent } from "./events.js";
import { CLOSE_NOTICED_MS_MAX } from "./failover.js";
import type { SimNetwork } from "./network.js";
import type { SimNode } from "./node.js";
import type { SimOptions } from "./options.js";
import type { Prng } from "./prng.js";

/** What the fault injector needs from the simulation. */
export interface FaultHost {
  readonly nodes: readonly SimNode[];
  readonly network: SimNetwork;
  readonly options: SimOptions;
  readonly stats: { partitions: number };
  readonly now: number;
  node(id: number): SimNode;
  note(text: string): void;
  at(delayMs: number, e: SimEvent): void;
  atTime(atMs: number, e: SimEvent): void;
  /** Kill a node (its clients hear nothing more); it restarts on a "restart" event. */
  crash(n: SimNode): void;
  /** Ask the leader for a membership change (reconfig.ts). */
  reconfigStep(): void;
}

/**
 * The fault phase's faults, drawn with the seed's weights: crashes, partitions of any shape,
 * pauses (SIGSTOP/SIGCONT), link blips, heals. Followers' hosts notice a closed link to their
 * leader (its crash or a cut) with the seed's probability and call leaderLost().
 */
export class SimFaults {
  constructor(
    private readonly host: FaultHost,
    private readonly prng: Prng,
  ) {}

  fault(): void {
    const o = this.host.options;
    const weights: [number, () => void][] = [
      [o.pauseWeight, () => this.pauseRandom()],
      [o.crashWeight, () => this.crashRandom()],
      [o.partitionWeight, () => this.partitionRandom()],
      [o.blipWeight, () => this.blipRandom()],
      [o.reconfigWeight, () => this.host.reconfigStep()],
      [1, () => this.heal()],
    ];
    let pick = this.prng.float() * weights.reduce((sum, [w]) => sum + w, 0);
    for (const [w, f] of weights) {
      if (pick < w) {
        f();
        break;
      }
      pick -= w;
    }
    this.host.at(this.prng.range(Math.ceil(o.faultEveryMs / 2), Math.ceil((o.faultEveryMs * 3) / 2)), { kind: "fault" });
  }

  private heal(): void {
    this.host.network.heal();
    this.host.note("heal");
  }

  /** SIGSTOP: the node's inputs (messages, ticks, fsyncs) wait; at SIGCONT they arrive in one batch. */
  private pauseRandom(): void {
    const up = this.host.nodes.filter((n) => n.up && !n.paused);
    if (up.length === 0) return;
    const n = this.prng.pick(up);
    const o = this.host.options;
    n.paused = true;
    n.pausedUntilMs = this.host.now + this.prng.range(100, o.electionTicks * o.tickMs * 3);
    this.host.note(`pause ${n.id} until ${n.pausedUntilMs}ms`);
    // Pushed before any input waits for it: at pausedUntilMs it runs first, then those inputs.
    this.host.atTime(n.pausedUntilMs, { kind: "resume", node: n, generation: n.generation });
  }

  resume(n: SimNode, generation: number): void {
    if (generation !== n.generation || !n.paused) return;
    n.paused = false;
    n.holdingReady = true;
    // Queued after every input that waited (same time, later in order): one Ready for them all.
    this.host.at(0, { kind: "release", node: n, generation });
  }

  private crashRandom(): void {
    const up = this.host.nodes.filter((n) => n.up);
    if (up.length === 0) return;
    const n = this.prng.pick(up);
    this.host.crash(n);
    this.host.at(this.prng.range(50, 3000), { kind: "restart", node: n });
  }

  private partitionRandom(): void {
    const h = this.host;
    h.stats.partitions++;
    if (this.prng.chance(0.5)) {
      const id = this.prng.pick(h.nodes).id;
      h.network.isolate(id);
      h.note(`isolate ${id}`);
    } else {
      h.note(`partition ${h.network.partitionRandomly(h.nodes.map((n) => n.id))}`);
    }
    this.noticeClosedLeaderLinks();
  }

  /** A follower's connection to its live leader closes and reopens: its host still reports it. */
  private blipRandom(): void {
    const followers = this.host.nodes.filter((n) => n.up && n.replica!.leaderId !== null && n.replica!.leaderId !== n.id);
    if (followers.length === 0) return;
    const f = this.prng.pick(followers);
    this.host.note(`blip ${f.id}`);
    this.leaderLostSoon(f, f.replica!.leaderId!);
  }

  /**
   * A leader's connection closes for its followers when it dies or is cut off from them; each
   * host notices (and calls leaderLost) with the seed's probability, a little later.
   */
  noticeClosedLeaderLinks(): void {
    const h = this.host;
    if (!h.options.fastFailover) return;
    for (const f of h.nodes) {
      const leaderId = f.replica?.leaderId ?? null;
      if (leaderId === null || leaderId === f.id) continue;
      const closed = !h.node(leaderId).up || !h.network.connected(f.id, leaderId);
      if (closed && this.prng.chance(h.options.leaderLostRate)) this.leaderLostSoon(f, leaderId);
    }
  }

  private leaderLostSoon(f: SimNode, leaderId: number): void {
    this.host.at(this.prng.range(1, CLOSE_NOTICED_MS_MAX), { kind: "leader-lost", node: f, generation: f.generation, leaderId });
  }
}
