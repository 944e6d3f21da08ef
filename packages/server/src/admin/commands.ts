// ZooKeeper's admin commands (org.apache.zookeeper.server.admin.Commands), from one snapshot of
// the server's state: each under its names and aliases, with ZooKeeper 3.8's JSON field names
// (test/compat/fixtures/zk-admin holds a real 3.8 server's answers; the tests compare shapes).
// The text forms of the four-letter words are in command-text.ts, mntr's pairs in monitor.ts.
import { formatZxid } from "@warden/protocol";
import { monitorPairs } from "./monitor.js";
import { environment, systemProperties, VERSION_LINE } from "./environment.js";
import type { AdminActions, ConnectionInfo, ServerSnapshot } from "./snapshot-types.js";

type Fields = Record<string, unknown>;

type Command = {
  /** The primary name first, then the aliases (ZooKeeper's order). */
  names: readonly string[];
  /** false: answered while the server does not serve too (ZooKeeper's CommandBase serverRequired). */
  serverRequired?: false;
} & (
  | { json(s: ServerSnapshot, actions: AdminActions): Fields }
  /** Answered from nothing the server's snapshot holds: a probe's `ruok` does not build one. */
  | { plain(): Fields }
);

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
  { names: ["environment", "env", "envi"], plain: () => Object.fromEntries(environment()), serverRequired: false },
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
    serverRequired: false,
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
  { names: ["ruok"], plain: () => ({}) },
  { names: ["server_stats", "srvr"], json: srvrJson },
  {
    names: ["stats", "stat"],
    json: (s) => ({ ...srvrJson(s), connections: s.connections.map((c) => connectionJson(c, true)), secure_connections: [] }),
  },
  { names: ["stat_reset", "srst"], json: (_s, a) => (a.resetServerStats(), {}) },
  { names: ["system_properties", "sysp"], plain: () => Object.fromEntries(systemProperties()), serverRequired: false },
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
    serverRequired: false,
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
        // ZooKeeper's phases: a follower or observer that has not synced with its leader yet is in synchronization.
        zabstate: s.mode === "looking" || s.mode === "read-only" ? "election" : s.serving ? "broadcast" : "synchronization",
        // Warden's own, as srvr's: what tools read while srvr answers only that the server does not serve.
        server_state: s.mode,
        epoch: s.epoch,
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

/** ZooKeeper's error for a command that needs a running server (Commands.runCommand). */
export const NOT_SERVING_ERROR = "This ZooKeeper instance is not currently serving requests";

/**
 * The JSON answer of a command under any of its names: its fields, then `command` (the name
 * asked for) and `error` (null unless the command failed), as ZooKeeper's CommandResponse.
 * While the server does not serve (and is not read-only), every command but environment,
 * monitor, system_properties and zabstate answers only ZooKeeper's not-serving error, `ruok`
 * included, so that a readiness probe on /commands/ruok sees a syncing follower as not ready.
 */
export function commandJson(name: string, s: ServerSnapshot, actions: AdminActions): Fields {
  const quick = jsonWithoutSnapshot(name, s.serving, s.readOnly);
  if (quick !== undefined) return quick;
  const cmd = commandNamed(name);
  return answer(name, "json" in cmd ? cmd.json(s, actions) : cmd.plain());
}

/**
 * The JSON answer of a command that needs no snapshot of the server (ruok, environment,
 * system_properties, and the not-serving error), as commandJson gives it; undefined for the others.
 */
export function jsonWithoutSnapshot(name: string, serving: boolean, readOnly: boolean): Fields | undefined {
  const cmd = commandNamed(name);
  if (cmd.serverRequired !== false && !serving && !readOnly) return { command: name, error: NOT_SERVING_ERROR };
  return "plain" in cmd ? answer(name, cmd.plain()) : undefined;
}

function commandNamed(name: string): Command {
  const cmd = BY_NAME.get(name);
  if (!cmd) throw new Error(`unknown command ${name}`);
  return cmd;
}

function answer(name: string, fields: Fields): Fields {
  return { ...fields, command: name, error: fields.error ?? null };
}
