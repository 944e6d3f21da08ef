// ZooKeeper's admin commands (org.apache.zookeeper.server.admin.Commands), from one snapshot of
// the server's state: each under its names and aliases, with ZooKeeper 3.8's JSON field names
// (test/compat/fixtures/zk-admin holds a real 3.8 server's answers; the tests compare shapes).
// The text forms of the four-letter words are in command-text.ts, mntr's pairs in monitor.ts.
import { EOL, hostname, cpus, totalmem, freemem } from "node:os";
import { delimiter, sep } from "node:path";
import { formatZxid } from "@warden/protocol";
import { monitorPairs } from "./monitor.js";

export const WARDEN_VERSION = "0.1.0";
/** What `srvr` reports as the version; tools parse the ZooKeeper prefix. */
export const VERSION_LINE = `3.8.0-warden-${WARDEN_VERSION}, built on 2026-11-25`;

export interface ConnectionInfo {
  remote: string;
  protocol: "native" | "zookeeper";
  sessionId: bigint;
  timeoutMs: number;
  /** 1 while its requests are read, 0 while reading is paused (ZooKeeper's interest ops). */
  interestOps: number;
  queued: number;
  received: number;
  sent: number;
  lastOp: string;
  establishedMs: number;
  lastCxid: number;
  lastZxid: bigint;
  lastResponseMs: number;
  lastLatencyMs: number;
  latencyMsMin: number;
  latencyMsAvg: number;
  latencyMsMax: number;
}

export interface ObserverInfo {
  id: number;
  remoteAddress: string;
  establishedMs: number;
  queuedFrames: number;
  queuedBytes: number;
  framesReceived: number;
  framesSent: number;
  requests: number;
  lastZxid: bigint;
}

export interface PeerInfo {
  id: number;
  host: string;
  peerPort: number;
  electionPort: number;
  observer: boolean;
}

/** Sizes in bytes of the last, smallest and largest proposal (-1 before the first), as ZooKeeper's BufferStats. */
export interface SizeStats {
  last: number;
  min: number;
  max: number;
}

export interface ServerSnapshot {
  mode: "standalone" | "leader" | "follower" | "observer" | "looking" | "read-only";
  serverId: number;
  epoch: number;
  zxid: bigint;
  nodeCount: number;
  latencyMs: { min: number; avg: number; max: number };
  packetsReceived: number;
  packetsSent: number;
  outstanding: number;
  connections: ConnectionInfo[];
  sessions: number;
  watchCount: number;
  watchesBySession: Map<bigint, string[]>;
  watchesByPath: Map<string, bigint[]>;
  ephemeralsCount: number;
  /** Each session's ephemeral paths (sessions without any left out). */
  ephemerals: Map<bigint, string[]>;
  /** Leader and standalone: session deadlines (ms since the epoch, rounded to a tick) and their sessions. */
  sessionExpiry: Map<number, bigint[]>;
  /** Every session of the ensemble with its timeout. */
  sessionTimeouts: Map<bigint, number>;
  approximateDataSize: number;
  followers: Array<{ id: number; lastZxid: bigint; lag: number }>;
  syncedFollowers: number;
  syncedObservers: number;
  /** Leader: each observer in contact (ZooKeeper's LearnerHandler.getLearnerHandlerInfo). */
  observers: ObserverInfo[];
  learners: number;
  pendingSyncs: number;
  quorumSize: number;
  leaderId: number | null;
  leaderUptimeMs: number;
  proposalSizes: SizeStats;
  electionCount: number;
  fsyncP50Ms: number;
  readOnly: boolean;
  /** Serving clients (node.serving): a leader once established, a follower once synced with its leader. */
  serving: boolean;
  uptimeMs: number;
  fileDescriptors: { open: number; max: number } | undefined;
  /** dirs' datadir_size and logdir_size, as ZooKeeper computes them (snapshot.ts directorySizes). */
  dataDirBytes: number;
  logDirBytes: number;
  lastSnapshot: { zxid: bigint; timestampS: number } | undefined;
  servers: PeerInfo[];
  clientAddress: string;
  /** What the configuration file or the command line said, key=value lines (initial_configuration). */
  initialConfiguration: string;
  settings: Settings;
}

export interface Settings {
  clientPort: number;
  /** The TLS ZooKeeper port; 0: off. */
  secureClientPort: number;
  dataDir: string;
  dataLogDir: string;
  tickTimeMs: number;
  connectionsPerAddressMax: number;
  sessionTimeoutMsMin: number;
  sessionTimeoutMsMax: number;
  initLimitTicks: number;
  syncLimitTicks: number;
  nativePort: number;
  adminPort: number;
  frameBytesMax: number;
}

/** What the commands that change state do (stat_reset, connection_stat_reset). */
export interface AdminActions {
  resetServerStats(): void;
  resetConnectionStats(): void;
  /** Zeroes the observers' packet and request counts (observer_connection_stat_reset). */
  resetObserverStats(): void;
}

interface Command {
  /** The primary name first, then the aliases (ZooKeeper's order). */
  names: readonly string[];
  json(s: ServerSnapshot, actions: AdminActions): Record<string, unknown>;
}

function serverStats(s: ServerSnapshot) {
  return {
    packets_sent: s.packetsSent,
    packets_received: s.packetsReceived,
    fsync_threshold_exceed_count: 0,
    client_response_stats: { last_buffer_size: -1, min_buffer_size: -1, max_buffer_size: -1 },
    data_dir_size: s.dataDirBytes,
    log_dir_size: s.logDirBytes,
    provider_null: false,
    server_state: s.mode,
    last_processed_zxid: s.zxid,
    outstanding_requests: s.outstanding,
    avg_latency: s.latencyMs.avg,
    max_latency: s.latencyMs.max,
    min_latency: s.latencyMs.min,
    num_alive_client_connections: s.connections.length,
    uptime: s.uptimeMs,
    auth_failed_count: 0,
    non_mtlsremote_conn_count: 0,
    non_mtlslocal_conn_count: 0,
  };
}

function srvrJson(s: ServerSnapshot): Record<string, unknown> {
  const stats = serverStats(s);
  return {
    version: VERSION_LINE,
    read_only: s.readOnly,
    server_stats: stats,
    client_response: stats.client_response_stats,
    ...(s.mode === "leader"
      ? {
          proposal_stats: {
            last_buffer_size: s.proposalSizes.last,
            min_buffer_size: s.proposalSizes.min,
            max_buffer_size: s.proposalSizes.max,
          },
        }
      : {}),
    node_count: s.nodeCount,
    // Warden's own, beside ZooKeeper's (the test harnesses read them to find the leader and compare zxids).
    zxid: formatZxid(s.zxid),
    epoch: s.epoch,
    server_id: s.serverId,
  };
}

function connectionJson(c: ConnectionInfo, brief: boolean): Record<string, unknown> {
  const info: Record<string, unknown> = {
    remote_socket_address: c.remote,
    interest_ops: c.interestOps,
    outstanding_requests: c.queued,
    packets_received: c.received,
    packets_sent: c.sent,
  };
  if (brief) return info;
  return {
    ...info,
    session_id: c.sessionId,
    last_operation: c.lastOp,
    established: c.establishedMs,
    session_timeout: c.timeoutMs,
    last_cxid: c.lastCxid,
    last_zxid: c.lastZxid,
    last_response_time: c.lastResponseMs,
    last_latency: c.lastLatencyMs,
    min_latency: c.latencyMsMin,
    avg_latency: c.latencyMsAvg,
    max_latency: c.latencyMsMax,
  };
}

const byId = <V>(m: Map<bigint, V>) => Object.fromEntries([...m].map(([k, v]) => [k.toString(), v]));

/** ZooKeeper's environment answer: Warden's process in the places of the JVM's. */
export function environment(): Array<[string, string]> {
  const mb = (n: number) => `${Math.round(n / (1024 * 1024))}MB`;
  const mem = process.memoryUsage();
  return [
    ["zookeeper.version", VERSION_LINE],
    ["host.name", hostname()],
    ["node.version", process.version],
    ["os.name", process.platform],
    ["os.arch", process.arch],
    ["os.cpus", String(cpus().length)],
    ["user.dir", process.cwd()],
    ["process.pid", String(process.pid)],
    ["os.memory.free", mb(freemem())],
    ["os.memory.max", mb(totalmem())],
    ["os.memory.total", mb(mem.rss)],
  ];
}

/** The runtime's properties, as ZooKeeper lists the JVM's system properties. */
function systemProperties(): Array<[string, string]> {
  return [
    ["file.separator", sep],
    ["line.separator", EOL],
    ["os.arch", process.arch],
    ["os.name", process.platform],
    ["path.separator", delimiter],
    ["user.dir", process.cwd()],
    ...Object.entries(process.versions).map(([k, v]): [string, string] => [`node.versions.${k}`, String(v)]),
  ].sort(([a], [b]) => (a < b ? -1 : 1)) as Array<[string, string]>;
}

const COMMANDS: readonly Command[] = [
  { names: ["connection_stat_reset", "crst"], json: (_s, a) => (a.resetConnectionStats(), {}) },
  { names: ["observer_connection_stat_reset", "orst"], json: (_s, a) => (a.resetObserverStats(), {}) },
  {
    names: ["configuration", "conf", "config"],
    json: ({ settings: c, serverId }) => ({
      client_port: c.clientPort,
      data_dir: c.dataDir,
      data_log_dir: c.dataLogDir,
      tick_time: c.tickTimeMs,
      max_client_cnxns: c.connectionsPerAddressMax,
      min_session_timeout: c.sessionTimeoutMsMin,
      max_session_timeout: c.sessionTimeoutMsMax,
      server_id: serverId,
      client_port_listen_backlog: -1,
    }),
  },
  {
    names: ["connections", "cons"],
    json: (s) => ({ connections: s.connections.map((c) => connectionJson(c, false)), secure_connections: [] }),
  },
  { names: ["dirs"], json: (s) => ({ datadir_size: s.dataDirBytes, logdir_size: s.dataDirBytes }) },
  {
    names: ["dump"],
    json: (s) => ({
      expiry_time_to_session_ids: Object.fromEntries([...s.sessionExpiry].map(([t, ids]) => [String(t), ids])),
      session_id_to_ephemeral_paths: byId(s.ephemerals),
    }),
  },
  { names: ["environment", "env", "envi"], json: () => Object.fromEntries(environment()) },
  { names: ["initial_configuration", "icfg"], json: (s) => ({ initial_configuration: s.initialConfiguration }) },
  { names: ["is_read_only", "isro"], json: (s) => ({ read_only: s.readOnly }) },
  {
    names: ["last_snapshot", "lsnp"],
    // Java's Long.toHexString: no 0x, and -1 (no snapshot yet) as ffffffffffffffff.
    json: (s) => ({
      zxid: s.lastSnapshot ? s.lastSnapshot.zxid.toString(16) : "ffffffffffffffff",
      timestamp: s.lastSnapshot?.timestampS ?? -1,
    }),
  },
  {
    names: ["leader", "lead"],
    json: (s) => {
      if (s.mode === "standalone") return { error: "server is not initialized" };
      const leader = s.servers.find((p) => p.id === s.leaderId);
      return { is_leader: s.mode === "leader", leader_id: s.leaderId ?? -1, leader_ip: leader?.host ?? "" };
    },
  },
  // The JSON form drops the zk_ prefix and keeps numbers numbers (mntr's text prints 0.0 for a double).
  {
    names: ["monitor", "mntr"],
    json: (s) => Object.fromEntries(monitorPairs(s).map(([k, v]) => [k.slice(3), k === "zk_avg_latency" ? s.latencyMs.avg : v])),
  },
  {
    names: ["observers", "obsr"],
    json: (s) => ({
      synced_observers: s.mode === "leader" ? s.syncedObservers : 0,
      observers: s.observers.map((o) => ({
        remote_socket_address: o.remoteAddress,
        sid: o.id,
        established: o.establishedMs,
        queued_packets: o.queuedFrames,
        queued_packets_size: o.queuedBytes,
        packets_received: o.framesReceived,
        packets_sent: o.framesSent,
        requests: o.requests,
        last_zxid: o.lastZxid,
      })),
    }),
  },
  { names: ["ruok"], json: () => ({}) },
  { names: ["server_stats", "srvr"], json: srvrJson },
  {
    names: ["stats", "stat"],
    json: (s) => ({ ...srvrJson(s), connections: s.connections.map((c) => connectionJson(c, true)), secure_connections: [] }),
  },
  { names: ["stat_reset", "srst"], json: (_s, a) => (a.resetServerStats(), {}) },
  { names: ["system_properties", "sysp"], json: () => Object.fromEntries(systemProperties()) },
  {
    names: ["voting_view"],
    json: (s) => ({
      current_config:
        s.mode === "standalone"
          ? {}
          : Object.fromEntries(
              s.servers.map((p) => [
                String(p.id),
                {
                  server_addresses: [`${p.host}:${p.peerPort}`],
                  election_addresses: [`${p.host}:${p.electionPort}`],
                  client_address: p.id === s.serverId ? s.clientAddress : "",
                  learner_type: p.observer ? "observer" : "participant",
                },
              ]),
            ),
    }),
  },
  { names: ["watches", "wchc"], json: (s) => ({ session_id_to_watched_paths: byId(s.watchesBySession) }) },
  { names: ["watches_by_path", "wchp"], json: (s) => ({ path_to_session_ids: Object.fromEntries(s.watchesByPath) }) },
  {
    names: ["watch_summary", "wchs"],
    json: (s) => ({ num_connections: s.watchesBySession.size, num_paths: s.watchesByPath.size, num_total_watches: s.watchCount }),
  },
  {
    names: ["zabstate"],
    json: (s) => {
      if (s.mode === "standalone") return { voting: false, zabstate: "" };
      const me = s.servers.find((p) => p.id === s.serverId);
      return {
        myid: s.serverId,
        is_leader: s.mode === "leader",
        quorum_address: me ? addresses(me.host, me.peerPort) : null,
        election_address: me ? addresses(me.host, me.electionPort) : null,
        client_address: s.clientAddress,
        voting: me !== undefined && !me.observer,
        last_zxid: `0x${s.zxid.toString(16)}`,
        zab_epoch: Number(s.zxid >> 32n),
        zab_counter: Number(s.zxid & 0xffffffffn),
        zabstate: s.mode === "looking" || s.mode === "read-only" ? "election" : "broadcast",
      };
    },
  },
];

/** A peer address as Jackson writes ZooKeeper's MultipleAddresses (zabstate). */
function addresses(host: string, port: number) {
  const a = `${host}:${port}`;
  return {
    empty: false,
    all_addresses: [a],
    all_reachable_addresses: [a],
    one: a,
    reachable_address: a,
    wildcard_addresses: [`0.0.0.0:${port}`],
    all_ports: [port],
    all_host_strings: [host],
    all_reachable_addresses_or_all: [a],
    reachable_or_one: a,
  };
}

const BY_NAME = new Map(COMMANDS.flatMap((c) => c.names.map((n) => [n, c] as const)));

/** Every name and alias the admin port answers under /commands/<name>. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.flatMap((c) => c.names);

/** The primary name of a command given any of its names (as /commands lists them). */
export function primaryName(name: string): string | undefined {
  return BY_NAME.get(name)?.names[0];
}

/**
 * The JSON answer of a command under any of its names: its fields, then `command` (the name
 * asked for) and `error` (null unless the command failed), as ZooKeeper's CommandResponse.
 */
export function commandJson(name: string, s: ServerSnapshot, actions: AdminActions): Record<string, unknown> {
  const cmd = BY_NAME.get(name);
  if (!cmd) throw new Error(`unknown command ${name}`);
  const fields = cmd.json(s, actions);
  return { ...fields, command: name, error: fields.error ?? null };
}
