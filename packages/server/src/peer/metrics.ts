// The peer transport's and snapshot transfer's counters in /metrics (gauges read at scrape
// time, as the other peer counters are).
import type { TransferStats } from "@warden/consensus";
import type { MetricsRegistry } from "../admin/metrics.js";
import type { PeerCloseReason } from "./peer-stats.js";
import type { PeerTransport } from "./transport.js";

const CLOSE_REASONS: readonly PeerCloseReason[] = [
  "frame-too-large",
  "undecodable",
  "invalid-message",
  "refused",
  "handler-error",
  "handshake-failed",
  "bad-mac",
  "write-buffer-full",
  "tls-handshake",
  "tls-hostname",
];

export function registerPeerGauges(
  registry: MetricsRegistry,
  transport: () => PeerTransport | undefined,
  transfer: () => Readonly<TransferStats>,
  serverOversize: () => number,
): void {
  const stats = () => transport()?.stats;
  registry.gauge("warden_peer_messages_sent", "Messages sent to peers since start", () => stats()?.messagesSent ?? 0);
  registry.gauge("warden_peer_bytes_sent", "Bytes sent to peers since start", () => stats()?.bytesSent ?? 0);
  registry.gauge("warden_peer_messages_received", "Messages received from peers since start", () => stats()?.messagesReceived ?? 0);
  registry.gauge("warden_peer_connections_closed", "Peer connections this server closed since start, by reason", () =>
    CLOSE_REASONS.map((reason) => [{ reason }, stats()?.closedCount(reason) ?? 0]),
  );
  registry.gauge(
    "warden_peer_messages_oversize",
    "Messages to peers not sent because they exceed the frame limit (a bug if not 0)",
    () => (stats()?.oversizeDropped ?? 0) + serverOversize(),
  );
  registry.gauge(
    "warden_peer_messages_queue_dropped",
    "Messages to an unreachable peer dropped from a full queue",
    () => stats()?.queueDropped ?? 0,
  );
  registry.gauge("warden_snapshot_chunks_sent", "Snapshot chunks sent to followers since start", () => transfer().chunksSent);
  registry.gauge("warden_snapshot_chunks_received", "Snapshot chunks received from leaders since start", () => transfer().chunksReceived);
  registry.gauge(
    "warden_snapshots_installed",
    "Snapshots received from a leader and installed since start",
    () => transfer().snapshotsInstalled,
  );
  registry.gauge(
    "warden_snapshot_checksum_failures",
    "Snapshots received whole whose checksum did not match (discarded, sent again)",
    () => transfer().checksumFailures,
  );
}
