// Reconfiguration wiring: the membership and /zookeeper/config, the gate that decides reconfig
// requests, and the integration that plugs them into consensus. The logic lives in reconfig/;
// this file only connects it to the server's parts, in two steps of the start-up: the
// membership and gate before the client context (which hands requests to the gate), the
// integration once the replication driver exists (it reads the replica's configuration).
import type { ServerConfig } from "../config/index.js";
import { isDistributed, specOf } from "../config/dynamic.js";
import type { WardenNode } from "../core/node.js";
import type { ClientHandler } from "../core/client-handler.js";
import type { Recovered } from "../core/replication.js";
import { Membership } from "../reconfig/membership.js";
import { ReconfigIntegration, dynamicOf } from "../reconfig/integration.js";
import { ReconfigGate } from "../reconfig/gate.js";
import type { ServerBatcher } from "../peer/server-batches.js";
import type { LateParts } from "./late.js";

export interface MembershipInput {
  config: ServerConfig;
  /** ServerOptions.joining: this server is not a member yet. */
  joining: boolean | undefined;
  recovered: Recovered;
  node: WardenNode;
  local: Map<bigint, ClientHandler>;
  late: Pick<LateParts, "driver" | "integration">;
  log: (line: string) => void;
}

/** Builds the membership (and writes /zookeeper/config) and the reconfig gate. */
export function buildMembership({ config, joining, recovered, node, local, late, log }: MembershipInput): {
  membership: Membership;
  reconfig: ReconfigGate;
} {
  // /zookeeper/config holds the membership, as ZooKeeper's initConfigInZKDatabase writes it on every server.
  // A joiner is not a member yet; a restart from a snapshot starts from the configuration stored with it.
  const configured = {
    servers: config.servers.filter((s) => !joining || s.id !== config.myId).map(specOf),
    version: config.configVersion,
  };
  const membership = new Membership(
    { tree: () => node.tree, deliver: (id, event, acl) => local.get(id)?.deliver(event, acl), nowMs: () => Date.now() },
    recovered.membership && recovered.membership.version > 0n ? dynamicOf(recovered.membership, configured) : configured,
    isDistributed(config.servers, config.standaloneEnabled),
  );
  membership.rewrite();
  const reconfig = new ReconfigGate({
    reconfigEnabled: config.reconfigEnabled,
    standaloneEnabled: config.standaloneEnabled,
    skipACL: config.skipACL,
    membership,
    configNode: () => node.tree.getACL("/zookeeper/config"),
    syncedIds: () =>
      node.isLeader && late.driver.maybe
        ? new Set([
            config.myId,
            ...late.driver.maybe.replica
              .peerLags()
              .filter((p) => p.state === "replicate")
              .map((p) => p.id),
          ])
        : undefined,
    lastSeenVersion: () => late.integration.get().lastSeenVersion(),
    apply: (plan, done, proposed) => late.integration.get().apply(plan, done, proposed),
    forward: (request, who, done) => late.integration.get().forward(request, who, done),
    nextZxid: () => (late.driver.maybe ? late.driver.maybe.nextZxid() : node.lastZxid + 1n),
    log,
  });
  return { membership, reconfig };
}

export interface IntegrationInput {
  config: ServerConfig;
  node: WardenNode;
  membership: Membership;
  reconfig: ReconfigGate;
  peerBatches: ServerBatcher;
  /** late.integration is set here. */
  late: LateParts;
  log: (line: string) => void;
}

export interface ReconfigWiring {
  readonly integration: ReconfigIntegration;
  /** The ids whose messages the peer port lets in: the integration updates this array in place when the members change. */
  readonly peerIds: number[];
}

/** Builds the reconfig integration and sets it in `late` (once the driver is built: it reads the replica's configuration). */
export function wireReconfig({ config, node, membership, reconfig, peerBatches, late, log }: IntegrationInput): ReconfigWiring {
  const peerIds = config.servers.map((s) => s.id);
  const integration = new ReconfigIntegration({
    myId: config.myId,
    replica: () => late.driver.get().replica,
    kick: () => late.driver.get().kick(),
    membership,
    gate: () => reconfig,
    configStat: () => node.tree.getACL("/zookeeper/config").stat,
    sendToPeer: (to, m) => peerBatches.add(to, m),
    setPeers: (peers) =>
      void late.transport.maybe?.setPeers(peers).catch((e: unknown) => log(`peer addresses not updated: ${(e as Error).message}`)),
    ids: peerIds,
    dynamicConfigFile: config.dynamicConfigFile,
    configFile: config.configFile,
    answerWithinMs: 2 * (config.initLimitTicks + config.syncLimitTicks) * config.tickTimeMs,
    log,
  });
  late.integration.set(integration);
  return { integration, peerIds };
}
