// startServer: composes storage, the replicated node, consensus, the peer transport, the
// client listeners and the admin port for one server, from its configuration. Each step is a
// builder in start/ (README "Start-up" lists them); this file is their order.
import { isStorageError } from "@warden/storage";
import { stopServerProcess } from "./fatal.js";
import type { ServerConfig } from "./config/index.js";
import type { WardenNode } from "./core/node.js";
import type { Membership } from "./reconfig/membership.js";
import type { ReconfigGate } from "./reconfig/gate.js";
import { RequestMetrics } from "./admin/request-metrics.js";
import { AdminSurface } from "./admin/surface.js";
import { registerProcessMetrics } from "./admin/process-metrics.js";
import type { AdminListener, AdminTls } from "./admin/listener.js";
import { ElectionClock } from "./admin/zk-metrics.js";
import { registerPeerGauges } from "./peer/metrics.js";
import { startPurgeTask, type PurgeClock } from "./purge-task.js";
import { lateParts } from "./start/late.js";
import { readTlsStores, saslUsers } from "./start/credentials.js";
import { recoverState } from "./start/state.js";
import { StartingGate } from "./start/starting-gate.js";
import { ClientHandler } from "./core/client-handler.js";
import type { ClientConnection } from "./net/connection.js";
import { buildNode } from "./start/node.js";
import { buildMembership, wireReconfig } from "./start/reconfig.js";
import { buildClientContext, closeAllClients } from "./start/context.js";
import { buildReplica, startReplica, startTicks } from "./start/replica.js";
import { startPeers } from "./start/peers.js";
import { type ClientListeners, closeClientListeners, listenerReporter, startClientListeners } from "./start/client-listeners.js";
import { snapshotSources, startAdminListener } from "./start/admin.js";
import { stateCounts, type ServerStateCounts } from "./start/state-counts.js";
import { OpenedSoFar, stopInOrder } from "./start/shutdown.js";

export { storageOptions } from "./start/state.js";
export { CONSENSUS_TICK_MS } from "./start/replica.js";
export type { ServerStateCounts } from "./start/state-counts.js";

export interface ServerOptions {
  log?: (line: string) => void;
  /** Overrides the container/TTL cleanup interval of the configuration (znode.container.checkIntervalMs). */
  containerCheckMs?: number;
  /** The clock of the autopurge task (tests pass a simulated one; default: real time). */
  purgeClock?: PurgeClock;
  /**
   * Start outside the configuration, empty, to be added by a reconfig (ZooKeeper's joining
   * server): the server.N lines name the current members and this server; it follows the
   * leader that replicates to it once a reconfig adds it.
   */
  joining?: boolean;
}

export interface WardenServer {
  readonly config: ServerConfig;
  /** Listening ports (0: off); secureClient and secureNative are the TLS ones. */
  readonly ports: { native: number; client: number; admin: number; secureClient: number; secureNative: number };
  readonly node: WardenNode;
  /** The membership and /zookeeper/config (replace() adopts a new configuration). */
  readonly membership: Membership;
  /** Decides reconfig requests; its hooks' `apply` is where consensus plugs in. */
  readonly reconfig: ReconfigGate;
  /**
   * The sizes of every per-connection and per-session structure the server keeps: after
   * every client has gone and its sessions have ended, each is back where it started.
   */
  stateCounts(): ServerStateCounts;
  /** A diagnostic dump for operators (what `stat` and `mntr` say, and memory use). */
  diagnostics(): string;
  stop(): Promise<void>;
}

async function until(cond: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function startServer(config: ServerConfig, options: ServerOptions = {}): Promise<WardenServer> {
  const log = options.log ?? ((l: string) => console.log(`${new Date().toISOString()} [${config.myId}] ${l}`));
  const opened = new OpenedSoFar();
  try {
    return await startSteps(config, options, log, opened);
  } catch (e) {
    await opened.closeAll(log);
    throw e;
  }
}

/** The steps of a start, in order; each part that holds something open is added to `opened`. */
async function startSteps(
  config: ServerConfig,
  options: ServerOptions,
  log: (line: string) => void,
  opened: OpenedSoFar,
): Promise<WardenServer> {
  for (const line of config.ignored) log(`ignored: ${line}`);
  for (const line of config.warnings) log(line);
  const sasl = saslUsers(config, log);
  const startedMs = Date.now();
  // The TLS stores are read first: a bad one stops the start before anything is opened.
  const tls = readTlsStores(config, log);
  const metrics = new RequestMetrics();
  // The client ports listen before the state is recovered; until the gate opens, a standalone
  // server holds each handshake and a member of an ensemble refuses it (starting-gate.ts).
  const gate = new StartingGate(config, config.servers.filter((s) => !s.observer).length <= 1);
  const reporter = listenerReporter(metrics, log);
  tls.countReloads(metrics.registry);
  const clients = await startClientListeners({
    config,
    handlers: gate.handlers,
    reporter,
    tls: tls.client,
    adminTls: tls.admin,
    fourLetterWord: gate.fourLetterWord,
  });
  opened.add("the client ports", () => closeClientListeners(clients, tls.client));
  const state = await recoverState(config, log, startedMs);
  opened.add("storage", () => state.storage.close());
  metrics.zk.dbInitTime.observe(state.dbInitMs);
  const elections = new ElectionClock(metrics.zk, startedMs);
  let stopping = false;
  // The one path by which a server stops itself (fatal.ts says when).
  const fatal = (e: unknown) => stopServerProcess(log, isStorageError(e) ? "storage" : "invariant", e);
  // What every builder may take; `late` holds the parts built after the parts that call them.
  const late = lateParts();
  const base = { config, log, metrics, fatal, late, joining: options.joining, stopping: () => stopping };

  // The node and its pipeline, the membership and reconfig gate, the clients' context: nothing runs yet.
  const pipeline = buildNode({ ...base, tree: state.tree, secret: state.secret });
  const { node, local, peerBatches, readOnly } = pipeline;
  opened.add("the audit log", () => pipeline.audit?.close());
  const { membership, reconfig } = buildMembership({ ...base, ...pipeline, recovered: state.recovered });
  const { ctx, syncs } = buildClientContext({ ...base, ...pipeline, reconfig, sasl, secret: state.secret });
  const closeClients = (reason: string) => closeAllClients(ctx, local, reason);
  const sources = snapshotSources({ ...base, startedMs, syncs, snapshotZxid: state.snapshotZxid, readOnly });
  // Consensus, the reconfig integration and the peers; then consensus starts, and the node ticks.
  const replica = buildReplica({ ...base, ...pipeline, state, elections, membership, sources, syncs, closeAllClients: closeClients });
  const { driver, failover } = replica;
  const wiring = wireReconfig({ ...base, ...pipeline, membership, reconfig });
  const transport = await startPeers({ ...base, ...pipeline, ...wiring, driver, failover, sources, secret: state.secret, tls: tls.peer });
  opened.add("the peer transport", async () => {
    tls.peer?.reloader?.stop();
    await transport?.stop();
  });
  startReplica(replica, metrics);
  opened.add("consensus", async () => {
    failover.stop();
    await driver.stop();
  });
  const nodeTimer = startTicks(node, readOnly, options.containerCheckMs ?? config.containerCheckIntervalMs);
  opened.add("the tick timer", () => clearInterval(nodeTimer));

  // The client ports serve from here (a standalone server's once it serves); the admin port starts after recovery.
  const surface = new AdminSurface({ config, node, driver, metrics, local, sources, transport: () => late.transport.maybe });
  opened.add("the process metrics", registerProcessMetrics(metrics.registry));
  const serving = {
    handlers: (c: ClientConnection) => new ClientHandler(ctx, c),
    fourLetterWord: (w: string) => surface.fourLetterWord(w),
  };
  if (!gate.holdsHandshakes) gate.open(serving);
  registerPeerGauges(
    metrics.registry,
    () => late.transport.maybe,
    () => driver.replica.transferStats(),
    () => peerBatches.oversizeDropped,
  );
  const admin = await startAdminListener(surface, reporter, tls.admin, clients);
  opened.add("the admin port", () => admin?.close());
  // A standalone server elects itself at once: return when it serves, so its first clients are not refused.
  if (replica.voters.length <= 1) await until(() => node.serving, 10_000, "the standalone server did not become ready");
  if (gate.holdsHandshakes) gate.open(serving);
  const purgeTask = startPurgeTask({
    purgeIntervalHours: config.purgeIntervalHours,
    snapRetainCount: config.snapRetainCount,
    purge: (retainCount) => state.storage.purge(retainCount),
    log,
    clock: options.purgeClock,
  });
  log(servingLine(config, clients, admin, tls.admin));

  const running = {
    nodeTimer,
    purgeTask,
    local,
    tls,
    clients,
    admin,
    driver,
    failover,
    transport,
    storage: state.storage,
    audit: pipeline.audit,
    log,
  };
  return {
    config,
    node,
    membership,
    reconfig,
    ports: {
      native: clients.native?.port ?? 0,
      client: clients.zk?.port ?? 0,
      admin: admin?.port ?? 0,
      secureClient: clients.secureZk?.port ?? 0,
      secureNative: clients.secureNative?.port ?? 0,
    },
    stateCounts: () => stateCounts({ clients, local, ctx, node, syncs }),
    diagnostics: () => {
      const snap = surface.snapshot();
      const mem = process.memoryUsage();
      return `${surface.text("stat", snap)}\n${surface.text("mntr", snap)}rss_bytes\t${mem.rss}\nheap_used_bytes\t${mem.heapUsed}\n`;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      await stopInOrder(running);
    },
  };
}

/** The line that says the server serves, and on which ports. */
function servingLine(
  config: ServerConfig,
  clients: ClientListeners,
  admin: AdminListener | undefined,
  adminTls: AdminTls | undefined,
): string {
  const { native, zk, secureZk, secureNative } = clients;
  return `serving: native ${native?.port ?? "off"}, zookeeper ${zk?.port ?? "off"}${secureZk ? `, zookeeper over TLS ${secureZk.port}` : ""}${secureNative ? `, native over TLS ${secureNative.port}` : ""}, admin ${admin?.port ?? "off"}${adminTls ? (adminTls.mode === "https" ? " (HTTPS)" : " (HTTP and HTTPS)") : ""}, data ${config.dataDir}${config.dataLogDir !== config.dataDir ? `, log ${config.dataLogDir}` : ""}`;
}
