import { MetricsRegistry, type Counter, type Histogram } from "./metrics.js";
import { ZooKeeperMetrics } from "./zk-metrics.js";

/** Per-op request counts and latencies, and the latency figures srvr reports. */
export class RequestMetrics {
  readonly registry = new MetricsRegistry();
  private readonly requests: Counter;
  private readonly latency: Histogram;
  readonly proposal: Histogram;
  /** The same figures (and more) under ZooKeeper's Prometheus names. */
  readonly zk: ZooKeeperMetrics;
  packetsReceived = 0;
  packetsSent = 0;
  private latencyMsMin = Infinity;
  private latencyMsMax = 0;
  private sumMs = 0;
  private count = 0;

  constructor() {
    this.requests = this.registry.counter("warden_requests_total", "Requests received, by op");
    this.latency = this.registry.histogram("warden_request_duration_seconds", "Time from receiving a request to sending its reply, by op");
    this.proposal = this.registry.histogram("warden_proposal_commit_seconds", "Leader: time from proposing a txn to its commit");
    this.zk = new ZooKeeperMetrics(this.registry);
  }

  received(op: string): void {
    this.packetsReceived++;
    this.requests.inc({ op });
  }

  replied(op: string, startedMs: number): void {
    this.packetsSent++;
    if (!op || startedMs === 0) return;
    const ms = performance.now() - startedMs;
    this.latency.observe(ms / 1000, { op });
    this.zk.answered(op, ms);
    if (ms < this.latencyMsMin) this.latencyMsMin = ms;
    if (ms > this.latencyMsMax) this.latencyMsMax = ms;
    this.sumMs += ms;
    this.count++;
  }

  /** srst: ZooKeeper's ServerStats.reset (latency and packet counts; the Prometheus counters go on). */
  reset(): void {
    this.packetsReceived = 0;
    this.packetsSent = 0;
    this.latencyMsMin = Infinity;
    this.latencyMsMax = 0;
    this.sumMs = 0;
    this.count = 0;
  }

  latencyMs(): { min: number; avg: number; max: number } {
    const n = this.count;
    return n === 0
      ? { min: 0, avg: 0, max: 0 }
      : { min: Math.round(this.latencyMsMin), avg: this.sumMs / n, max: Math.round(this.latencyMsMax) };
  }
}
