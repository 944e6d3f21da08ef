// mntr / monitor: ZooKeeper 3.8's keys, in its order, each with a real figure of this server.
// Keys ZooKeeper has and Warden cannot measure honestly are left out, not filled with zeros
// (the list is in packages/server/README.md); Warden's own keys come last.
import { formatZxid } from "@warden/protocol";
import { VERSION_LINE } from "./environment.js";
import type { ServerSnapshot } from "./snapshot-types.js";

export type MonitorPair = [string, string | number];

export function monitorPairs(s: ServerSnapshot): MonitorPair[] {
  const pairs: MonitorPair[] = [
    ["zk_version", VERSION_LINE],
    ["zk_server_state", s.mode],
    ["zk_ephemerals_count", s.ephemeralsCount],
    ["zk_num_alive_connections", s.connections.length],
    ["zk_avg_latency", javaDouble(s.latencyMs.avg)],
    ["zk_outstanding_requests", s.outstanding],
    ["zk_znode_count", s.nodeCount],
    ["zk_global_sessions", s.sessions],
    ["zk_packets_sent", s.packetsSent],
    ["zk_packets_received", s.packetsReceived],
    ["zk_watch_count", s.watchCount],
    ["zk_min_latency", s.latencyMs.min],
  ];
  if (s.fileDescriptors) pairs.push(["zk_max_file_descriptor_count", s.fileDescriptors.max]);
  pairs.push(["zk_approximate_data_size", s.approximateDataSize]);
  if (s.fileDescriptors) pairs.push(["zk_open_file_descriptor_count", s.fileDescriptors.open]);
  // Warden has no local sessions (every session is global) and no TLS port.
  pairs.push(["zk_local_sessions", 0], ["zk_uptime", s.uptimeMs], ["zk_max_latency", s.latencyMs.max], ["zk_outstanding_tls_handshake", 0]);
  if (s.mode !== "standalone") pairs.push(["zk_peer_state", peerState(s)], ["zk_quorum_size", s.quorumSize]);
  if (s.mode === "leader") {
    pairs.push(
      ["zk_learners", s.learners],
      ["zk_synced_followers", s.syncedFollowers],
      ["zk_synced_non_voting_followers", 0],
      ["zk_synced_observers", s.syncedObservers],
      ["zk_pending_syncs", s.pendingSyncs],
      ["zk_leader_uptime", s.leaderUptimeMs],
      ["zk_last_proposal_size", s.proposalSizes.last],
      ["zk_max_proposal_size", s.proposalSizes.max],
      ["zk_min_proposal_size", s.proposalSizes.min],
    );
  }
  // Warden's own, beside ZooKeeper's.
  pairs.push(
    ["zk_zxid", formatZxid(s.zxid)],
    ["zk_epoch", s.epoch],
    ["zk_election_count", s.electionCount],
    ["zk_fsync_p50_ms", s.fsyncP50Ms],
  );
  if (s.mode === "leader") {
    // ZooKeeper 3.4's key, which older dashboards still read: the learners connected.
    pairs.push(["zk_followers", s.learners]);
    for (const f of s.followers) pairs.push([`zk_follower_${f.id}_lag`, f.lag]);
  }
  return pairs;
}

/** ZooKeeper's peer state: the quorum state and the Zab phase. */
export function peerState(s: ServerSnapshot): string {
  return {
    leader: "leading - broadcast",
    follower: "following - broadcast",
    observer: "observing - broadcast",
    looking: "looking - election",
    "read-only": "looking - election",
    standalone: "",
  }[s.mode];
}

/** A double as Java prints it: 0.0, 5.125 (mntr's and srvr's average latency are doubles). */
export function javaDouble(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}
