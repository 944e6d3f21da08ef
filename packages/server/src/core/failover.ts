// Fast failover. ZooKeeper notices a dead leader at once because the leader's connection
// closes; only a hung leader waits out syncLimit ticks. We do the same: when the leader's
// peer connection closes, this server campaigns after a short random delay (so two
// followers rarely split the vote), and retries a few times while the vote stays split.
import type { ReplicationDriver } from "./replication.js";

export const CAMPAIGN_JITTER_MS_MAX = 150;
export const CAMPAIGN_RETRY_MS = 300;
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
    this.retries = 0;
    this.schedule(this.driver.replica.epoch, this.random() * CAMPAIGN_JITTER_MS_MAX, id);
  }

  /** At start: if no leader has made itself heard shortly, start an election. */
  startup(heardWithinMs: number): void {
    this.retries = 0;
    this.schedule(this.driver.replica.epoch, heardWithinMs + this.random() * CAMPAIGN_JITTER_MS_MAX);
  }

  private schedule(epochAtLoss: number, delayMs: number, lostLeader: number | null = null): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(epochAtLoss, lostLeader), delayMs);
    this.timer.unref();
  }

  private fire(epochAtLoss: number, lostLeader: number | null): void {
    const r = this.driver.replica;
    if (r.role === "leader" || r.role === "observer") return;
    if (r.leaderId !== null && r.leaderId !== lostLeader) return;
    // Someone else started an election since: follow it.
    if (r.role === "follower" && r.epoch > epochAtLoss) return;
    if (r.role === "candidate" && this.retries === 0 && r.epoch > epochAtLoss) return;
    if (this.retries >= CAMPAIGN_RETRIES_MAX) return;
    this.retries++;
    this.driver.campaign();
    // Still a candidate later: the vote was split; try again with fresh jitter.
    this.schedule(this.driver.replica.epoch, CAMPAIGN_RETRY_MS + this.random() * CAMPAIGN_JITTER_MS_MAX, lostLeader);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
