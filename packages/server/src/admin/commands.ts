// The four-letter words, from one snapshot of the server's state: JSON for the admin
// port (/commands/<name>, as ZooKeeper's AdminServer) and ZooKeeper's text for the
// client port. Both forms are derived from the same values.
import { formatZxid } from "@warden/protocol";
import { hostname, cpus, totalmem } from "node:os";

export const WARDEN_VERSION = "0.1.0";
/** What `srvr` reports as the version; tools parse the ZooKeeper prefix. */
export const VERSION_LINE = `3.8.0-warden-${WARDEN_VERSION}, built on 2026-11-25`;

export interface ConnectionInfo {
  remote: string;
  protocol: "native" | "zookeeper";
  sessionId: bigint;
  timeoutMs: number;
  queued: number;
  received: number;
  sent: number;
  lastZxid: bigint;
}

export interface ServerSnapshot {
  mode: "standalone" | "leader" | "follower" | "observer" | "looking";
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
  approximateDataSize: number;
  followers: Array<{ id: number; lastZxid: bigint; lag: number }>;
  syncedFollowers: number;
  electionCount: number;
  fsyncP50Ms: number;
  readOnly: boolean;
  config: Record<string, string | number>;
}

const hex = (n: bigint) => "0x" + n.toString(16);

export function commandJson(name: string, s: ServerSnapshot): unknown {
  switch (name) {
    case "ruok":
      return { error: null };
    case "srvr":
    case "stat":
      return {
        version: VERSION_LINE,
        read_only: s.readOnly,
        server_stats: {
          packets_sent: s.packetsSent,
          packets_received: s.packetsReceived,
          min_latency: s.latencyMs.min,
          avg_latency: s.latencyMs.avg,
          max_latency: s.latencyMs.max,
          num_alive_client_connections: s.connections.length,
          outstanding_requests: s.outstanding,
          server_state: s.mode,
          node_count: s.nodeCount,
        },
        zxid: formatZxid(s.zxid),
        epoch: s.epoch,
        server_id: s.serverId,
        ...(name === "stat" ? { connections: s.connections.map(connJson) } : {}),
      };
    case "mntr":
      return Object.fromEntries(mntrPairs(s));
    case "conf":
      return s.config;
    case "cons":
      return { connections: s.connections.map(connJson) };
    case "wchs":
      return { num_connections: s.watchesBySession.size, num_paths: s.watchesByPath.size, num_total_watches: s.watchCount };
    case "wchc":
      return { session_id_to_watched_paths: Object.fromEntries([...s.watchesBySession].map(([k, v]) => [hex(k), v])) };
    case "wchp":
      return { path_to_session_ids: Object.fromEntries([...s.watchesByPath].map(([k, v]) => [k, v.map(hex)])) };
    case "dump":
      return { sessions: s.connections.map((c) => ({ id: hex(c.sessionId), timeout: c.timeoutMs })), ephemerals_count: s.ephemeralsCount };
    case "envi":
      return Object.fromEntries(environment());
    case "isro":
      return { read_only: s.readOnly };
    default:
      throw new Error(`unknown command ${name}`);
  }
}

export const COMMAND_NAMES = ["ruok", "srvr", "stat", "mntr", "conf", "cons", "wchs", "wchc", "wchp", "dump", "envi", "isro"] as const;

function connJson(c: ConnectionInfo) {
  return {
    remote_socket_address: c.remote,
    protocol: c.protocol,
    session_id: hex(c.sessionId),
    session_timeout: c.timeoutMs,
    outstanding_requests: c.queued,
    packets_received: c.received,
    packets_sent: c.sent,
    last_zxid: hex(c.lastZxid),
  };
}

function mntrPairs(s: ServerSnapshot): Array<[string, string | number]> {
  const pairs: Array<[string, string | number]> = [
    ["zk_version", VERSION_LINE],
    ["zk_server_state", s.mode],
    ["zk_avg_latency", s.latencyMs.avg],
    ["zk_max_latency", s.latencyMs.max],
    ["zk_min_latency", s.latencyMs.min],
    ["zk_packets_received", s.packetsReceived],
    ["zk_packets_sent", s.packetsSent],
    ["zk_num_alive_connections", s.connections.length],
    ["zk_outstanding_requests", s.outstanding],
    ["zk_znode_count", s.nodeCount],
    ["zk_watch_count", s.watchCount],
    ["zk_ephemerals_count", s.ephemeralsCount],
    ["zk_approximate_data_size", s.approximateDataSize],
    ["zk_global_sessions", s.sessions],
    ["zk_zxid", formatZxid(s.zxid)],
    ["zk_epoch", s.epoch],
    ["zk_election_count", s.electionCount],
    ["zk_fsync_p50_ms", s.fsyncP50Ms],
  ];
  if (s.mode === "leader") {
    pairs.push(["zk_followers", s.followers.length], ["zk_synced_followers", s.syncedFollowers]);
    for (const f of s.followers) pairs.push([`zk_follower_${f.id}_lag`, f.lag]);
  }
  return pairs;
}

function environment(): Array<[string, string]> {
  return [
    ["zookeeper.version", VERSION_LINE],
    ["host.name", hostname()],
    ["node.version", process.version],
    ["os.name", process.platform],
    ["os.arch", process.arch],
    ["os.cpus", String(cpus().length)],
    ["os.memory.total", String(totalmem())],
    ["user.dir", process.cwd()],
    ["process.pid", String(process.pid)],
    ["process.memory.rss", String(process.memoryUsage().rss)],
  ];
}

/** ZooKeeper's text answer to a four-letter word on the client port. */
export function commandText(name: string, s: ServerSnapshot): string {
  switch (name) {
    case "ruok":
      return "imok";
    case "srvr":
    case "stat":
      return statText(name, s);
    case "mntr":
      return mntrPairs(s).map(([k, v]) => `${k}\t${v}\n`).join("");
    case "conf":
      return Object.entries(s.config).map(([k, v]) => `${k}=${v}\n`).join("");
    case "cons":
      return s.connections.map(consLine).join("") + "\n";
    case "envi":
      return "Environment:\n" + environment().map(([k, v]) => `${k}=${v}\n`).join("");
    case "wchs":
      return `${s.watchesBySession.size} connections watching ${s.watchesByPath.size} paths\nTotal watches:${s.watchCount}\n`;
    case "isro":
      return s.readOnly ? "ro" : "rw";
    default:
      return `${name} is not executed because it is not in the whitelist.\n`;
  }
}

function consLine(c: ConnectionInfo): string {
  return ` /${c.remote}[1](queued=${c.queued},recved=${c.received},sent=${c.sent},sid=${hex(c.sessionId)},lzxid=${hex(c.lastZxid)},to=${c.timeoutMs})\n`;
}

function statText(name: string, s: ServerSnapshot): string {
  let out = `Zookeeper version: ${VERSION_LINE}\n`;
  if (name === "stat") out += "Clients:\n" + s.connections.map(consLine).join("") + "\n";
  out += `Latency min/avg/max: ${s.latencyMs.min}/${s.latencyMs.avg.toFixed(4)}/${s.latencyMs.max}\n`;
  out += `Received: ${s.packetsReceived}\nSent: ${s.packetsSent}\nConnections: ${s.connections.length}\n`;
  out += `Outstanding: ${s.outstanding}\nZxid: ${hex(s.zxid)}\nMode: ${s.mode}\nNode count: ${s.nodeCount}\n`;
  if (s.mode === "leader") out += `Proposal sizes last/min/max: -1/-1/-1\n`;
  return out;
}
