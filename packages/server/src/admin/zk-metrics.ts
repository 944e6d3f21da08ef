// /metrics under ZooKeeper's own Prometheus names (its PrometheusMetricsProvider: ServerMetrics'
// counters and summaries, the gauges ZooKeeperServer and LeaderZooKeeperServer register), with
// its types, so that ZooKeeper dashboards and alerts read a Warden server unchanged. Only what
// Warden measures is exported; Warden's own warden_* names stay beside these.
import type { Status } from "@warden/consensus";
import type { Counter, MetricsRegistry, Summary } from "./metrics.js";
import type { ServerSnapshot } from "./snapshot-types.js";

/** ZooKeeper's DetailLevel.ADVANCED summaries report these quantiles; BASIC ones the median only. */
export const QUANTILES_ADVANCED = [0.5, 0.9, 0.99] as const;
export const QUANTILES_BASIC = [0.5] as const;

/** Ops that are transactions (ZooKeeper's requests with a txn header): updatelatency, not readlatency. */
const UPDATE_OPS = new Set(["create", "delete", "setData", "setACL", "multi", "check", "closeSession"]);

export class ZooKeeperMetrics {
  readonly readLatency: Summary;
  readonly updateLatency: Summary;
  readonly fsyncTime: Summary;
  readonly snapshotTime: Summary;
  readonly electionTime: Summary;
  readonly dbInitTime: Summary;
  readonly lookingCount: Counter;
  readonly proposalCount: Counter;
  readonly connectionRejected: Counter;

  constructor(registry: MetricsRegistry) {
    // ZooKeeper names a metric's help after the metric itself.
    const summary = (name: string, q: readonly number[]) => registry.summary(name, name, q);
    this.readLatency = summary("readlatency", QUANTILES_ADVANCED);
    this.updateLatency = summary("updatelatency", QUANTILES_ADVANCED);
    this.fsyncTime = summary("fsynctime", QUANTILES_BASIC);
    this.snapshotTime = summary("snapshottime", QUANTILES_BASIC);
    this.electionTime = summary("election_time", QUANTILES_BASIC);
    this.dbInitTime = summary("dbinittime", QUANTILES_BASIC);
    this.lookingCount = registry.counter("looking_count", "looking_count");
    this.proposalCount = registry.counter("proposal_count", "proposal_count");
    this.connectionRejected = registry.counter("connection_rejected", "connection_rejected");
  }

  /** A request was answered after `latencyMs` (ZooKeeper's ServerStats.updateLatency, in ms). */
  answered(op: string, latencyMs: number): void {
    (UPDATE_OPS.has(op) ? this.updateLatency : this.readLatency).observe(Math.round(latencyMs));
  }
}

/**
 * looking_count and election_time as ZooKeeper's QuorumPeer keeps them: a count each time the
 * server starts looking for a leader, and the milliseconds from then until it leads or follows.
 */
export class ElectionClock {
  private lookingSinceMs: number | undefined;
  constructor(
    private readonly metrics: ZooKeeperMetrics,
    startedMs: number,
  ) {
    this.lookingSinceMs = startedMs;
    metrics.lookingCount.inc();
  }
  statusChanged(status: Status, nowMs: number): void {
    const settled = status.leaderId !== null && (status.role !== "leader" || status.established);
    if (settled && this.lookingSinceMs !== undefined) {
      this.metrics.electionTime.observe(nowMs - this.lookingSinceMs);
      this.lookingSinceMs = undefined;
    } else if (status.leaderId === null && this.lookingSinceMs === undefined) {
      this.lookingSinceMs = nowMs;
      this.metrics.lookingCount.inc();
    }
  }
}

/** ZooKeeper's gauges, read from the server snapshot at scrape time. */
export function registerZooKeeperGauges(registry: MetricsRegistry, snapshot: () => ServerSnapshot): void {
  const gauge = (name: string, read: (s: ServerSnapshot) => number | undefined) =>
    registry.gauge(name, name, () => {
      const v = read(snapshot());
      return v === undefined ? [] : v;
    });
  const leader = (read: (s: ServerSnapshot) => number) => (s: ServerSnapshot) => (s.mode === "leader" ? read(s) : undefined);
  gauge("avg_latency", (s) => s.latencyMs.avg);
  gauge("max_latency", (s) => s.latencyMs.max);
  gauge("min_latency", (s) => s.latencyMs.min);
  gauge("packets_received", (s) => s.packetsReceived);
  gauge("packets_sent", (s) => s.packetsSent);
  gauge("num_alive_connections", (s) => s.connections.length);
  gauge("outstanding_requests", (s) => s.outstanding);
  gauge("uptime", (s) => s.uptimeMs);
  gauge("znode_count", (s) => s.nodeCount);
  gauge("watch_count", (s) => s.watchCount);
  gauge("ephemerals_count", (s) => s.ephemeralsCount);
  gauge("approximate_data_size", (s) => s.approximateDataSize);
  gauge("global_sessions", (s) => s.sessions);
  gauge("local_sessions", () => 0);
  gauge("open_file_descriptor_count", (s) => s.fileDescriptors?.open);
  gauge("max_file_descriptor_count", (s) => s.fileDescriptors?.max);
  gauge("outstanding_tls_handshake", () => 0);
  gauge("quorum_size", (s) => (s.mode === "standalone" ? undefined : s.quorumSize));
  gauge(
    "learners",
    leader((s) => s.learners),
  );
  gauge(
    "synced_followers",
    leader((s) => s.syncedFollowers),
  );
  gauge(
    "synced_non_voting_followers",
    leader(() => 0),
  );
  gauge(
    "synced_observers",
    leader((s) => s.syncedObservers),
  );
  gauge(
    "pending_syncs",
    leader((s) => s.pendingSyncs),
  );
  gauge(
    "leader_uptime",
    leader((s) => s.leaderUptimeMs),
  );
  gauge(
    "last_proposal_size",
    leader((s) => s.proposalSizes.last),
  );
  gauge(
    "max_proposal_size",
    leader((s) => s.proposalSizes.max),
  );
  gauge(
    "min_proposal_size",
    leader((s) => s.proposalSizes.min),
  );
}
