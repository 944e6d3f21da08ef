// The peer transport: the connections to the other servers of an ensemble (none for a
// standalone server), with inbound messages routed to consensus, the reconfig integration and
// the node.
import type { ServerConfig } from "../config/index.js";
import type { WardenNode } from "../core/node.js";
import type { ReplicationDriver } from "../core/replication.js";
import type { FastFailover } from "../core/failover.js";
import type { SnapshotSources } from "../admin/snapshot.js";
import type { ReconfigIntegration } from "../reconfig/integration.js";
import { PeerTransport } from "../peer/transport.js";
import type { PeerTls } from "../peer/peer-tls.js";
import type { PeerLimits } from "../peer/limits.js";
import { peerInbound } from "../peer/inbound.js";
import type { LateParts } from "./late.js";

export interface PeersInput {
  config: ServerConfig;
  /** The session-password key: with ensembleSecretFile it also proves who a peer is. */
  secret: Uint8Array | undefined;
  tls: PeerTls | undefined;
  peerFrames: PeerLimits;
  node: WardenNode;
  driver: ReplicationDriver;
  failover: FastFailover;
  integration: ReconfigIntegration;
  /** The ids whose messages are let in (ReconfigWiring.peerIds: the integration updates them in place). */
  peerIds: readonly number[];
  /** Counts forwarded requests by peer (requestsFrom). */
  sources: SnapshotSources;
  /** True once the server is stopping: a peer lost then is no failover. */
  stopping: () => boolean;
  fatal: (e: unknown) => void;
  log: (line: string) => void;
  /** late.transport is set here (before it starts listening) for the parts that send through it. */
  late: Pick<LateParts, "transport">;
}

/**
 * Starts the peer transport of an ensemble (and its TLS stores' reloader); undefined for a
 * standalone server. The transport is set in `input.late` before it starts.
 */
export async function startPeers(input: PeersInput): Promise<PeerTransport | undefined> {
  const { config, node, driver, failover, integration, sources } = input;
  if (config.servers.length <= 1) return undefined;
  const me = config.servers.find((s) => s.id === config.myId)!;
  const transport = new PeerTransport({
    myId: config.myId,
    listenHost: config.quorumListenOnAllIPs ? undefined : me.host,
    listenPort: me.peerPort,
    peers: config.servers.map((s) => ({ id: s.id, host: s.host, port: s.peerPort })),
    secret: config.ensembleSecretFile ? input.secret : undefined,
    tls: input.tls,
    frameBytesMax: input.peerFrames.frameBytesMax,
    queueMessagesMax: 10_000,
    onMessage: peerInbound(input.peerFrames, input.peerIds, {
      step: (m) => driver.step(m),
      onServerMessage: (from, m) => {
        if (m.type === "reconfig" || m.type === "reconfig-result") return integration.onMessage(from, m);
        if (m.type === "forward") sources.requestsFrom.set(from, (sources.requestsFrom.get(from) ?? 0) + 1);
        node.onServerMessage(from, m);
      },
      invariantBroken: input.fatal,
    }),
    tcpKeepAlive: config.tcpKeepAlive,
    onPeerLost: (id) => {
      if (!input.stopping()) failover.peerLost(id, node.leaderId);
    },
    log: input.log,
  });
  input.late.transport.set(transport);
  await transport.start();
  input.tls?.reloader?.start();
  // A restart may know members its configuration file does not (a reconfig committed since).
  integration.changed(driver.replica.membership());
  return transport;
}
