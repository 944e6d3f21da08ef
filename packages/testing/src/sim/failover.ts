import type { SimNode } from "./node.js";
import type { Prng } from "./prng.js";

// The server's FastFailover (packages/server/src/core/failover.ts) on simulated time: when a
// follower's host sees its leader's connection close it calls leaderLost(), then campaigns
// after a little jitter and retries while no leader appears; at start it campaigns if no
// leader was heard shortly. Every campaign goes through the pre-vote.
export const CAMPAIGN_JITTER_MS_MAX = 150;
/** As the server's: wait before campaigning again after a campaign that elected no one. */
export const CAMPAIGN_RETRY_MS = 300;
/** As the server's: campaigns a node starts in a row after losing its leader. */
export const CAMPAIGN_RETRIES_MAX = 5;
/** Delay before a node's first campaign after it starts. */
export const STARTUP_CAMPAIGN_MS = 200;
/** How long a host takes to notice that a peer connection closed. */
export const CLOSE_NOTICED_MS_MAX = 20;

/** One scheduled FastFailover.fire(). */
export interface CampaignAttempt {
  readonly node: SimNode;
  readonly generation: number;
  readonly epochAtLoss: number;
  readonly retries: number;
}

export class SimFailover {
  leaderLosts = 0;
  campaigns = 0;

  constructor(
    private readonly prng: Prng,
    private readonly schedule: (delayMs: number, attempt: CampaignAttempt) => void,
  ) {}

  /** The connection from `leaderId` closed (it died, was cut off, or the link blipped). */
  leaderLost(n: SimNode, leaderId: number): void {
    const r = n.replica;
    if (r === null || r.leaderId !== leaderId || r.role === "observer") return;
    this.leaderLosts++;
    r.leaderLost(leaderId);
    n.drain();
    this.later(n, this.prng.range(0, CAMPAIGN_JITTER_MS_MAX), 0);
  }

  /** A restarted server campaigns if it has heard no leader shortly. */
  startup(n: SimNode): void {
    if (n.replica?.role === "observer") return;
    this.later(n, STARTUP_CAMPAIGN_MS + this.prng.range(0, CAMPAIGN_JITTER_MS_MAX), 0);
  }

  fire(a: CampaignAttempt): void {
    const r = a.node.replica;
    if (r === null || a.generation !== a.node.generation) return;
    if (r.role === "leader" || r.role === "observer" || r.leaderId !== null) return;
    if (r.role === "follower" && r.epoch > a.epochAtLoss) return; // someone else's election: follow it
    if (r.role === "candidate" && a.retries === 0 && r.epoch > a.epochAtLoss) return;
    if (a.retries >= CAMPAIGN_RETRIES_MAX) return;
    this.campaigns++;
    r.campaign();
    a.node.drain();
    this.later(a.node, CAMPAIGN_RETRY_MS + this.prng.range(0, CAMPAIGN_JITTER_MS_MAX), a.retries + 1);
  }

  private later(n: SimNode, delayMs: number, retries: number): void {
    this.schedule(delayMs, { node: n, generation: n.generation, epochAtLoss: n.replica!.epoch, retries });
  }
}
