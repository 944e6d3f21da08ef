// One consistent picture of the server for the admin commands, the four-letter words and the
// gauges of /metrics.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { PeerLag } from "@warden/consensus";
import type { ServerConfig } from "../config/index.js";
import type { WardenNode } from "../core/node.js";
import type { ReplicationDriver } from "../core/replication.js";
import type { ClientHandler } from "../core/client-handler.js";
import type { RequestMetrics } from "./request-metrics.js";
import type { ObserverInfo, ServerSnapshot } from "./snapshot-types.js";
import type { PeerLink } from "../peer/transport.js";

/** What the snapshot reads besides the node, the driver and the connections. */
export interface SnapshotSources {
  startedMs: number;
  pendingSyncs(): number;
  /** The other servers as the peer transport sees them (none when standalone). */
  links(): PeerLink[];
  /** Requests (forwarded writes, session creations and revalidations) received from each server. */
  requestsFrom: Map<number, number>;
  lastSnapshot: { zxid: bigint; timestampS: number } | undefined;
  /** Serving read-only clients without a quorum (readonlymode.enabled). */
  readOnly?: () => boolean;
}

export function serverSnapshot(
  config: ServerConfig,
  node: WardenNode,
  driver: ReplicationDriver,
  metrics: RequestMetrics,
  local: Map<bigint, ClientHandler>,
  sources: SnapshotSources,
): ServerSnapshot {
  const status = driver.replica.status();
  const standalone = config.servers.length <= 1;
  const role = standalone
    ? "standalone"
    : status.role === "leader"
      ? "leader"
      : status.role === "observer"
        ? "observer"
        : status.leaderId !== null
          ? "follower"
          : "looking";
  const readOnly = sources.readOnly?.() ?? false;
  const mode = readOnly ? "read-only" : role === "leader" && !status.established ? "looking" : role;
  const watches = node.tree.watches;
  const lags = mode === "leader" ? driver.replica.peerLags() : [];
  const inContact = lags.filter((l) => l.state !== "probe");
  const ephemerals = new Map<bigint, string[]>();
  let ephemeralsCount = 0;
  const sessionTimeouts = new Map<bigint, number>();
  for (const [id, info] of node.tree.sessions) {
    sessionTimeouts.set(id, info.timeoutMs);
    const paths = node.tree.ephemeralsOf(id);
    ephemeralsCount += paths.size;
    if (paths.size > 0) ephemerals.set(id, [...paths].sort());
  }
  const sizes = driver.proposalSizes;
  const me = config.servers.find((s) => s.id === config.myId);
  return {
    mode,
    serverId: config.myId,
    epoch: status.epoch,
    zxid: node.lastZxid,
    nodeCount: node.tree.nodeCount,
    latencyMs: metrics.latencyMs(),
    packetsReceived: metrics.packetsReceived,
    packetsSent: metrics.packetsSent,
    outstanding: [...local.values()].reduce((n, h) => n + (h.session?.order.outstanding ?? 0), 0),
    connections: [...local.values()].map((h) => {
      const c = h.connection;
      return {
        remote: c.remote,
        protocol: c.protocol,
        sessionId: h.session?.sessionId ?? 0n,
        timeoutMs: h.session?.timeoutMs ?? 0,
        interestOps: c.readingPaused ? 0 : 1,
        queued: h.session?.order.outstanding ?? 0,
        received: c.stats.received,
        sent: c.stats.sent,
        lastOp: c.stats.lastOp,
        establishedMs: c.stats.establishedMs,
        lastCxid: c.stats.lastCxid,
        lastZxid: c.stats.lastZxid,
        lastResponseMs: c.stats.lastResponseMs,
        lastLatencyMs: c.stats.lastLatencyMs,
        latencyMsMin: c.stats.latencyMsMin,
        latencyMsAvg: c.stats.latencyMsAvg,
        latencyMsMax: c.stats.latencyMsMax,
      };
    }),
    sessions: node.tree.sessions.size,
    watchCount: watches.counts.watches,
    watchesBySession: watches.pathsBySession(),
    watchesByPath: watches.sessionsByPath(),
    ephemeralsCount,
    ephemerals,
    sessionExpiry: mode === "standalone" || mode === "leader" ? node.tracker.deadlines() : new Map(),
    sessionTimeouts,
    approximateDataSize: node.tree.approximateDataSize,
    followers: lags.map((l) => ({ id: l.id, lastZxid: l.matchZxid, lag: l.lagEntries })),
    syncedFollowers: lags.filter((l) => l.voter && l.state === "replicate").length,
    syncedObservers: lags.filter((l) => !l.voter && l.state === "replicate").length,
    observers: observersOf(lags, sources),
    learners: inContact.length,
    pendingSyncs: sources.pendingSyncs(),
    quorumSize: config.servers.filter((s) => !s.observer).length || 1,
    leaderId: standalone ? null : status.leaderId,
    leaderUptimeMs: node.isLeader ? Date.now() - node.leadingSinceMs : 0,
    proposalSizes: { last: sizes.last, min: sizes.min, max: sizes.max },
    electionCount: status.electionCount,
    fsyncP50Ms: driver.fsyncP50Ms(),
    readOnly,
    serving: node.serving,
    uptimeMs: Date.now() - sources.startedMs,
    fileDescriptors: fileDescriptors(),
    ...directorySizes(config),
    lastSnapshot: sources.lastSnapshot,
    servers: config.servers.map((s) => ({
      id: s.id,
      host: s.host,
      peerPort: s.peerPort,
      electionPort: s.electionPort,
      observer: s.observer,
    })),
    clientAddress: `${config.clientPortAddress ?? me?.host ?? "0.0.0.0"}:${config.clientPort}`,
    initialConfiguration: initialConfiguration(config),
    settings: {
      clientPort: config.clientPort,
      secureClientPort: config.secureClientPort,
      dataDir: config.dataDir,
      dataLogDir: config.dataLogDir,
      tickTimeMs: config.tickTimeMs,
      connectionsPerAddressMax: config.connectionsPerAddressMax,
      sessionTimeoutMsMin: config.sessionTimeoutMsMin,
      sessionTimeoutMsMax: config.sessionTimeoutMsMax,
      initLimitTicks: config.initLimitTicks,
      syncLimitTicks: config.syncLimitTicks,
      nativePort: config.nativePort,
      adminPort: config.adminPort,
      frameBytesMax: config.frameBytesMax,
    },
  };
}

/** The leader's observers in contact, with ZooKeeper's LearnerHandler figures (the observers command). */
function observersOf(lags: readonly PeerLag[], sources: SnapshotSources): ObserverInfo[] {
  const links = new Map(sources.links().map((l) => [l.id, l]));
  return lags
    .filter((l) => !l.voter && l.state !== "probe")
    .map((l) => {
      const link = links.get(l.id);
      return {
        id: l.id,
        remoteAddress: link?.remoteAddress ?? "",
        establishedMs: link?.establishedMs ?? 0,
        queuedFrames: link?.queuedFrames ?? 0,
        queuedBytes: link?.queuedBytes ?? 0,
        framesReceived: link?.framesReceived ?? 0,
        framesSent: link?.framesSent ?? 0,
        requests: sources.requestsFrom.get(l.id) ?? 0,
        lastZxid: l.matchZxid,
      };
    });
}

/** The configuration the server runs with, as zoo.cfg lines (initial_configuration). */
function initialConfiguration(config: ServerConfig): string {
  const lines: Array<[string, string | number | undefined]> = [
    ["tickTime", config.tickTimeMs],
    ["initLimit", config.initLimitTicks],
    ["syncLimit", config.syncLimitTicks],
    ["dataDir", config.dataDir],
    ["dataLogDir", config.dataLogDir !== config.dataDir ? config.dataLogDir : undefined],
    ["clientPort", config.clientPort],
    ["clientPortAddress", config.clientPortAddress],
    ["nativePort", config.nativePort],
    ["admin.serverAddress", config.adminAddress],
    ["admin.serverPort", config.adminPort],
    ["minSessionTimeout", config.sessionTimeoutMsMin],
    ["maxSessionTimeout", config.sessionTimeoutMsMax],
    ["maxClientCnxns", config.connectionsPerAddressMax],
    ["4lw.commands.whitelist", config.fourLetterWords === "*" ? "*" : [...config.fourLetterWords].join(",")],
    ...config.servers.map((s): [string, string] => [
      `server.${s.id}`,
      `${s.host}:${s.peerPort}:${s.electionPort}${s.observer ? ":observer" : ""}`,
    ]),
  ];
  return lines
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}\n`)
    .join("");
}

/**
 * dirs' two figures as ZooKeeper computes them: datadir_size is its FileTxnSnapLog's "data dir",
 * which is the transaction log's directory, and logdir_size its "snap dir" (the names are
 * swapped in ZooKeeper itself); without a separate dataLogDir both are one directory.
 */
function directorySizes(config: ServerConfig): { dataDirBytes: number; logDirBytes: number } {
  if (config.dataLogDir === config.dataDir) {
    const both = directoryBytes(join(config.dataDir, "warden"));
    return { dataDirBytes: both, logDirBytes: both };
  }
  return {
    dataDirBytes: directoryBytes(join(config.dataLogDir, "warden", "db")),
    logDirBytes: directoryBytes(join(config.dataDir, "warden", "snapshots")),
  };
}

/** Open and allowed file descriptors of this process (Linux' /proc), as ZooKeeper reports on Unix; undefined elsewhere. */
export function fileDescriptors(): { open: number; max: number } | undefined {
  try {
    const open = readdirSync("/proc/self/fd").length;
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return { open, max: m && m[1] !== "unlimited" ? Number(m[1]) : -1 };
  } catch {
    return undefined;
  }
}

/** Bytes of the files under `dir` (dirs' datadir_size), at most DIR_ENTRIES_MAX entries looked at. */
const DIR_ENTRIES_MAX = 100_000;
export function directoryBytes(dir: string): number {
  let total = 0;
  let seen = 0;
  const stack = [dir];
  while (stack.length > 0 && seen < DIR_ENTRIES_MAX) {
    const d = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (++seen > DIR_ENTRIES_MAX) break;
      const path = join(d, e.name);
      if (e.isDirectory()) stack.push(path);
      else if (e.isFile()) {
        try {
          total += statSync(path).size;
        } catch {
          // removed meanwhile (a compaction or a purge)
        }
      }
    }
  }
  return total;
}
