// Fast failover. ZooKeeper notices a dead leader at once because the leader's connection
// closes; only a hung leader waits out syncLimit ticks. We do the same: when the leader's
// peer connection closes, this server tells its replica (leaderLost: forget the leader, keep
// the epoch, grant pre-votes) and campaigns after a short random delay (so two followers
// rarely split the vote), retrying a few times while no leader appears. Every campaign starts
// with a pre-vote: if the leader is in fact alive (a blip), the other followers still hear it
// and refuse, so no epoch changes and the leader's next heartbeat restores ours.
import type { ReplicationDriver } from "./replication.js";

/** Random delay added before a campaign, so servers rarely campaign together. */
export const CAMPAIGN_JITTER_MS_MAX = 150;
/** Wait before campaigning again after a campaign that elected no one. */
export const CAMPAIGN_RETRY_MS = 300;
/** Campaigns this server starts in a row after losing its leader; then it waits for another server's. */
export const CAMPAIGN_RETRIES_MAX = 5;

export class FastFailover {
  private timer: NodeJS.Timeout | undefined;
  private retries = 0;

  constructor(
    private readonly driver: ReplicationDriver,
    private readonly random: () => number,
  ) {}

  /** The connection from peer `id` closed; `leaderId` is who this server follows now. */
  peerLost(id: number, leaderId: number | null): void {
    if (id !== leaderId || this.driver.replica.role === "observer") return;
    this.driver.leaderLost(id);
    this.retries = 0;
    this.schedule(this.driver.replica.epoch, this.random() * CAMPAIGN_JITTER_MS_MAX);
  }

  /** At start: if no leader has made itself heard shortly, start an election. */
  startup(heardWithinMs: number): void {
    this.retries = 0;
    this.schedule(this.driver.replica.epoch, heardWithinMs + this.random() * CAMPAIGN_JITTER_MS_MAX);
  }

  private schedule(epochAtLoss: number, delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(epochAtLoss), delayMs);
    this.timer.unref();
  }

  private fire(epochAtLoss: number): void {
    const r = this.driver.replica;
    if (r.role === "leader" || r.role === "observer") return;
    // A leader was heard since (leaderLost cleared ours): the old one after a blip, or a new one.
    if (r.leaderId !== null) return;
    // Someone else started an election since: follow it.
    if (r.role === "follower" && r.epoch > epochAtLoss) return;
    if (r.role === "candidate" && this.retries === 0 && r.epoch > epochAtLoss) return;
    if (this.retries >= CAMPAIGN_RETRIES_MAX) return;
    this.retries++;
    this.driver.campaign();
    // Still no leader later: the pre-vote or the vote failed (split, or a peer still heard the
    // old leader); try again with fresh jitter.
    this.schedule(this.driver.replica.epoch, CAMPAIGN_RETRY_MS + this.random() * CAMPAIGN_JITTER_MS_MAX);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
