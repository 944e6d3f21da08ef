// The gauges of /metrics read from the server snapshot at scrape time.
import type { MetricsRegistry } from "./metrics.js";
import type { ServerSnapshot } from "./snapshot-types.js";

export function registerGauges(registry: MetricsRegistry, snapshot: () => ServerSnapshot): void {
  registry.gauge("warden_znodes", "Znodes in the tree", () => snapshot().nodeCount);
  registry.gauge("warden_watches", "Watches registered", () => snapshot().watchCount);
  registry.gauge("warden_sessions", "Sessions in the ensemble", () => snapshot().sessions);
  registry.gauge("warden_connections", "Client connections to this server", () => snapshot().connections.length);
  registry.gauge("warden_outstanding_requests", "Requests received and not yet answered", () => snapshot().outstanding);
  registry.gauge("warden_fsync_p50_seconds", "Median time for a log append to become durable", () => snapshot().fsyncP50Ms / 1000);
  registry.gauge("warden_last_zxid", "The last applied zxid", () => Number(snapshot().zxid));
  registry.gauge("warden_epoch", "The current epoch", () => snapshot().epoch);
  registry.gauge("warden_election_count", "Elections this server has started", () => snapshot().electionCount);
  registry.gauge("warden_role", "1 for this server's role", () => [[{ role: snapshot().mode }, 1]]);
  registry.gauge("warden_follower_lag_entries", "Entries each follower is behind the leader", () =>
    snapshot().followers.map((f) => [{ follower: String(f.id) }, f.lag]),
  );
}
