// One consistent picture of the server for the four-letter words and the gauges of /metrics.
import type { ServerConfig } from "../config/index.js";
import type { WardenNode } from "../core/node.js";
import type { ReplicationDriver } from "../core/replication.js";
import type { ClientHandler } from "../core/client-handler.js";
import type { RequestMetrics } from "./request-metrics.js";
import type { MetricsRegistry } from "./metrics.js";
import type { ServerSnapshot } from "./commands.js";

export function serverSnapshot(config: ServerConfig, node: WardenNode, driver: ReplicationDriver, metrics: RequestMetrics, local: Map<bigint, ClientHandler>): ServerSnapshot {
  const status = driver.replica.status();
  const standalone = config.servers.length <= 1;
  const mode = standalone ? "standalone" : status.role === "leader" ? "leader" : status.role === "observer" ? "observer" : status.leaderId !== null ? "follower" : "looking";
  const watches = node.tree.watches;
  const lags = status.role === "leader" ? driver.replica.peerLags() : [];
  let ephemerals = 0;
  for (const id of node.tree.sessions.keys()) ephemerals += node.tree.ephemeralsOf(id).size;
  return {
    mode: mode === "leader" && !status.established ? "looking" : mode,
    serverId: config.myId,
    epoch: status.epoch,
    zxid: node.lastZxid,
    nodeCount: node.tree.nodeCount,
    latencyMs: metrics.latencyMs(),
    packetsReceived: metrics.packetsReceived,
    packetsSent: metrics.packetsSent,
    outstanding: [...local.values()].reduce((n, h) => n + (h.session?.order.outstanding ?? 0), 0),
    connections: [...local.values()].map((h) => ({
      remote: h.connection.remote,
      protocol: h.connection.protocol,
      sessionId: h.session?.sessionId ?? 0n,
      timeoutMs: h.session?.timeoutMs ?? 0,
      queued: h.session?.order.outstanding ?? 0,
      received: h.connection.stats.received,
      sent: h.connection.stats.sent,
      lastZxid: node.lastZxid,
    })),
    sessions: node.tree.sessions.size,
    watchCount: watches.counts.watches,
    watchesBySession: watches.pathsBySession(),
    watchesByPath: watches.sessionsByPath(),
    ephemeralsCount: ephemerals,
    approximateDataSize: 0,
    followers: lags.map((l) => ({ id: l.id, lastZxid: l.matchZxid, lag: l.lagEntries })),
    syncedFollowers: lags.filter((l) => l.voter && l.state === "replicate").length,
    electionCount: status.electionCount,
    fsyncP50Ms: driver.fsyncP50Ms(),
    readOnly: false,
    config: {
      serverId: config.myId,
      tickTime: config.tickTimeMs,
      initLimit: config.initLimitTicks,
      syncLimit: config.syncLimitTicks,
      dataDir: config.dataDir,
      dataLogDir: config.dataLogDir,
      clientPort: config.clientPort,
      nativePort: config.nativePort,
      adminPort: config.adminPort,
      minSessionTimeout: config.minSessionTimeoutMs,
      maxSessionTimeout: config.maxSessionTimeoutMs,
      maxClientCnxns: config.maxClientCnxns,
      "jute.maxbuffer": config.frameBytesMax,
      ...Object.fromEntries(config.servers.map((s) => [`server.${s.id}`, `${s.host}:${s.peerPort}:${s.electionPort}:${s.observer ? "observer" : "participant"}`])),
    },
  };
}

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
  registry.gauge("warden_follower_lag_entries", "Entries each follower is behind the leader", () => snapshot().followers.map((f) => [{ follower: String(f.id) }, f.lag]));
}
