// startServer: composes storage, the replicated node, consensus, the peer transport, the
// client listeners and the admin port for one server, from its configuration.
import { RateLimitedLog } from "./core/rate-log.js";
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { CloseReason, ErrorCode } from "@warden/protocol";
import { DataTree, SESSION_SECRET_BYTES, loadSnapshot, serializeSnapshot } from "@warden/tree";
import { Storage, StorageErrorReason, crc32, isStorageError } from "@warden/storage";
import { stopServerProcess } from "./fatal.js";
import type { Message } from "@warden/consensus";
import { loadSaslUsers, type SaslUsers } from "./auth/sasl-users.js";
import { ConfigError, type ServerConfig } from "./config/index.js";
import { WardenNode } from "./core/node.js";
import { Membership } from "./reconfig/membership.js";
import { ConfigStore } from "./reconfig/store.js";
import { ReconfigIntegration, dynamicOf } from "./reconfig/integration.js";
import { ReconfigGate } from "./reconfig/gate.js";
import { isDistributed, specOf } from "./config/dynamic.js";
import { ClientHandler } from "./core/client-handler.js";
import { SessionIdSource, sessionPassword } from "./core/session-ids.js";
import { ReplicationDriver, recoverReplicaState } from "./core/replication.js";
import { OutstandingLimit, type ServerContext, type SyncResult } from "./core/context.js";
import { FastFailover } from "./core/failover.js";
import { READ_ONLY_GRACE_MS_MIN, ReadOnlyMode, lookingForLeader } from "./core/read-only.js";
import { RequestMetrics } from "./admin/request-metrics.js";
import { PeerTransport } from "./peer/transport.js";
import { PeerTls } from "./peer/peer-tls.js";
import { peerLimits } from "./peer/limits.js";
import { ServerBatcher } from "./peer/server-batches.js";
import { peerInbound } from "./peer/inbound.js";
import { registerPeerGauges } from "./peer/metrics.js";
import { ConnectionLimiter, type CloseCause, type ConnectionBounds, type ListenerReporter } from "./net/connection.js";
import { startNativeListener } from "./net/native-listener.js";
import { nativeOrigins } from "./net/origins.js";
import { startZkListener } from "./net/zk-listener.js";
import { TlsReloader, tlsServerOptions } from "./net/tls-context.js";
import type { ListenerTls } from "./net/tls-listener.js";
import { AdminSurface } from "./admin/surface.js";
import { adminListenerTls } from "./admin/listener.js";
import type { SnapshotSources } from "./admin/snapshot.js";
import { ElectionClock } from "./admin/zk-metrics.js";
import { startPurgeTask, type PurgeClock } from "./purge-task.js";
import { AuditLog } from "./audit/audit-log.js";
import { AuditFile } from "./audit/audit-file.js";

/** What a reply may carry beyond jute.maxbuffer bytes of data: path, Stat and framing. */
const REPLY_SLACK_BYTES = 64 * 1024;
/** The largest first frame of a client connection (a ConnectRequest is under 100 bytes). */
const HANDSHAKE_BYTES_MAX = 4096;
/** A TLS handshake on the peer port must finish within this, as the peer handshake after it (transport.ts). */
const PEER_TLS_HANDSHAKE_TIMEOUT_MS = 5_000;

export interface ServerStateCounts {
  /** Open client connections, on both ports, and those of them still in their handshake. */
  connections: number;
  handshaking: number;
  /** Sessions attached to a connection here, and connections waiting for their session's creation. */
  attached: number;
  connecting: number;
  /** Writes of local sessions waiting for their commit, and syncs waiting for theirs. */
  pendingWrites: number;
  pendingSyncs: number;
  /** Requests received and not answered. */
  outstanding: number;
  /**
   * The most requests ever outstanding at once (a high-water mark): reading stops at
   * maxOutstandingPerSession per session, so one session never takes it past that bound.
   */
  outstandingPeak: number;
  /** Reply bytes queued and not yet flushed, over every attached connection, and the most for one. */
  queuedOutputBytes: number;
  queuedOutputBytesMax: number;
  /** Sessions watching something, and watches. */
  watchingSessions: number;
  watches: number;
  /** Sessions in the replicated tree, and those the leader tracks for expiry. */
  sessions: number;
  trackedSessions: number;
}

/** Consensus ticks are finer than ZooKeeper's tickTime so that failover takes well under a second. */
export const CONSENSUS_TICK_MS = 50;

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

/** The SASL DIGEST-MD5 users of jaasLoginConfig, read once at start (ConfigError when the file is wrong). */
function saslUsers(config: ServerConfig, log: (l: string) => void): SaslUsers | undefined {
  if (config.jaasLoginConfig === undefined) return undefined;
  const users = loadSaslUsers(config.jaasLoginConfig, config.saslServerSection, config.saslSuperPassword);
  log(
    `SASL DIGEST-MD5 on the ZooKeeper port: ${users.passwords.size} users from ${users.source}${users.passwords.size === 0 ? " (WARNING: none, every SASL client will fail)" : ""}`,
  );
  if (config.saslSuperPassword !== undefined && !users.passwords.has("super"))
    log("WARNING: SASLAuthenticationProvider.superPassword has no effect: the JAAS file has no user super (as in ZooKeeper)");
  if (config.enforceAuthSchemes.length > 0)
    log(`authentication enforced: every session needs an identity of scheme ${config.enforceAuthSchemes.join(" or ")}`);
  return users;
}

/**
 * The key session passwords are derived from: the ensembleSecretFile's; a standalone server's
 * own random one in dataDir; or, for an ensemble without a secret file, undefined: the
 * ensemble's first leader commits a random one through the log (tree.sessionSecret).
 */
function readSecret(config: ServerConfig): Uint8Array | undefined {
  if (config.ensembleSecretFile) return new Uint8Array(readFileSync(config.ensembleSecretFile));
  if (config.servers.length > 1) return undefined;
  const file = join(config.dataDir, "session-secret");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32), { mode: 0o600 });
  return new Uint8Array(readFileSync(file));
}

/**
 * A log entry must hold the largest txn record the peers may carry (peer/limits.ts derives it
 * from jute.maxbuffer; the node refuses a write whose record would be larger), at least 8 MiB.
 */
export function storageOptions(
  config: Pick<ServerConfig, "frameBytesMax" | "forceSync" | "fsyncWarningThresholdMs">,
  log: (line: string) => void = () => {},
) {
  const MiB = 1024 * 1024;
  const entryBytesMax = Math.max(8 * MiB, peerLimits(config.frameBytesMax).entryBytesMax);
  const writeBytesMax = Math.max(16 * MiB, entryBytesMax);
  return {
    entryBytesMax,
    writeBytesMax,
    queueBytesMax: Math.max(64 * MiB, 4 * writeBytesMax),
    forceSync: config.forceSync,
    fsyncWarningThresholdMs: config.fsyncWarningThresholdMs,
    onSlowFsync: (ms: number) =>
      log(
        `WARNING: fsync of the transaction log took ${ms.toFixed(1)} ms (fsync.warningthresholdms=${config.fsyncWarningThresholdMs}): every write waits for it; look at the load of the log's disk`,
      ),
  };
}

/** A generator whose first item is computed now rather than at the first pull. */
function startedNow<T>(items: Generator<T>): Generator<T> {
  const first = items.next();
  return (function* () {
    if (first.done) return;
    yield first.value;
    yield* items;
  })();
}

async function openState(config: ServerConfig, log: (l: string) => void) {
  mkdirSync(config.dataDir, { recursive: true });
  const storage = await Storage.open(join(config.dataDir, "warden"), storageOptions(config, log), join(config.dataLogDir, "warden")).catch(
    (e: unknown) => {
      // dataDir and dataLogDir disagree with the data on disk: a configuration problem, not a disk failure.
      throw isStorageError(e) && e.reason === StorageErrorReason.MISPLACED_DATA ? new ConfigError(e.message) : e;
    },
  );
  const loaded = await storage.loadNewestSnapshot((reader) => loadSnapshot(reader.chunks));
  for (const s of loaded.skipped) log(`skipped a damaged snapshot: ${s.message}`);
  const snapshotZxid = loaded.snapshot?.zxid ?? 0n;
  const tree = loaded.snapshot?.value ?? new DataTree();
  const configs = await ConfigStore.open(storage);
  const recovered = await recoverReplicaState(storage, snapshotZxid, configs);
  return { storage, tree, recovered, configs, snapshotZxid: loaded.snapshot ? snapshotZxid : undefined };
}

export async function startServer(config: ServerConfig, options: ServerOptions = {}): Promise<WardenServer> {
  const log = options.log ?? ((l: string) => console.log(`${new Date().toISOString()} [${config.myId}] ${l}`));
  for (const line of config.ignored) log(`ignored: ${line}`);
  for (const line of config.warnings) log(line);
  const sasl = saslUsers(config, log);
  const startedMs = Date.now();
  // The TLS stores are read first: a bad one stops the start before anything is opened.
  let tlsReloaded: (ok: boolean) => void = () => {};
  const tls = clientTls(config, log, (ok) => tlsReloaded(ok));
  let peerTlsReloaded: (ok: boolean) => void = () => {};
  const peerTls = quorumTls(config, log, (ok) => peerTlsReloaded(ok));
  const adminTls = adminListenerTls(config);
  const { storage, tree, recovered, configs, snapshotZxid } = await openState(config, log);
  if (recovered.membership)
    log(
      `configuration 0x${recovered.membership.version.toString(16)} recovered with the snapshot at 0x${(snapshotZxid ?? 0n).toString(16)}: voters ${recovered.membership.voters.join(",")}`,
    );
  const dbInitMs = Date.now() - startedMs;
  const secret = readSecret(config);
  const metrics = new RequestMetrics();
  metrics.zk.dbInitTime.observe(dbInitMs);
  const elections = new ElectionClock(metrics.zk, startedMs);
  const local = new Map<bigint, ClientHandler>();
  const syncs = new Map<number, (result: SyncResult) => void>();
  let nextSyncId = 1;
  let transport: PeerTransport | undefined;
  let driver: ReplicationDriver | undefined;
  let stopping = false;
  // The one path by which a server stops itself (fatal.ts says when).
  const fatal = (e: unknown) => stopServerProcess(log, isStorageError(e) ? "storage" : "invariant", e);

  // A follower forwards many writes per turn of the event loop: as few frames per peer per turn
  // as the frame limit allows. One that cannot fit (a bug: limits.ts sizes them) fails its write.
  const peerFrames = peerLimits(config.frameBytesMax, config.snapshotChunkBytes);
  const peerBatches = new ServerBatcher(peerFrames, {
    sendParts: (to, parts) => transport?.sendParts(to, parts),
    oversize: (to, m, bytes) => {
      log(`BUG: a ${m.type} of ${bytes} bytes to peer ${to} exceeds the peer frame limit; not sent`);
      if (m.type === "forward" && m.origin === config.myId)
        node.onServerMessage(config.myId, {
          type: "forward-failed",
          sessionId: m.sessionId,
          cxid: m.cxid,
          err: ErrorCode.MARSHALLING_ERROR,
        });
    },
  });
  const quotaLog = new RateLimitedLog(log, () => Date.now());
  if (config.enforceQuota) log("enforceQuota: creates and setData past a quota's hard limit fail with QUOTAEXCEEDED");
  const node: WardenNode = new WardenNode(
    {
      preparer: { quota: { enforce: config.enforceQuota, exceeded: (m) => quotaLog.warn(m) } },
      myId: config.myId,
      sendToPeer: (to, m) => peerBatches.add(to, m),
      propose: (payload) => driver!.propose(payload),
      nextZxid: () => driver!.nextZxid(),
      nowMs: () => Date.now(),
      // Each of these reaches one connection's handler, which contains its own faults: they run
      // while a transaction is applied, where anything thrown would stop the server.
      endSession: (id, reason) => local.get(id)?.end(reason),
      deliverEvent: (id, event, acl) => local.get(id)?.deliver(event, acl),
      sessionCreated: (id, timeoutMs) => ctx.connecting.get(id)?.open(id, timeoutMs),
      proposalCommitted: (ms) => metrics.proposal.observe(ms / 1000),
      appliedZxid: () => driver!.replica.status().appliedZxid,
      canPropose: () => driver!.replica.canPropose(),
      recordBytesMax: peerFrames.entryBytesMax,
      drawSessionSecret: secret === undefined ? () => new Uint8Array(randomBytes(SESSION_SECRET_BYTES)) : undefined,
      log,
    },
    config.tickTimeMs,
    tree,
    { changesMax: config.watchHistoryCount, bytesMax: config.watchHistoryBytes },
  );

  const audit = config.audit ? new AuditLog(new AuditFile(config.audit, log)) : undefined;
  audit?.registerGauges(metrics.registry);
  const readOnly = new ReadOnlyMode(config.readOnlyMode && config.servers.length > 1, Math.max(READ_ONLY_GRACE_MS_MIN, config.tickTimeMs), {
    nowMs: () => Date.now(),
    log,
    looking: () => lookingForLeader(node.status),
    ended: (ids) => {
      for (const id of ids)
        local
          .get(id)
          ?.connection.close(CloseReason.NOT_SERVING, "this server rejoined its quorum and ends its read-only sessions; reconnect");
    },
    expired: (id) => local.get(id)?.end("sessionExpired"),
  });
  // /zookeeper/config holds the membership, as ZooKeeper's initConfigInZKDatabase writes it on every server.
  // A joiner is not a member yet; a restart from a snapshot starts from the configuration stored with it.
  const configured = {
    servers: config.servers.filter((s) => !options.joining || s.id !== config.myId).map(specOf),
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
      node.isLeader && driver
        ? new Set([
            config.myId,
            ...driver.replica
              .peerLags()
              .filter((p) => p.state === "replicate")
              .map((p) => p.id),
          ])
        : undefined,
    lastSeenVersion: () => integration.lastSeenVersion(),
    apply: (plan, done, proposed) => integration.apply(plan, done, proposed),
    forward: (request, who, done) => integration.forward(request, who, done),
    nextZxid: () => (driver ? driver.nextZxid() : node.lastZxid + 1n),
    log,
  });
  const ctx: ServerContext = {
    config,
    node,
    audit,
    reconfig,
    readOnly,
    sessionIds: new SessionIdSource(config.myId, Date.now()),
    connecting: new Map(),
    metrics,
    outstanding: new OutstandingLimit(config.outstandingGlobalMax),
    sasl,
    log,
    password: (id) => {
      const key = secret ?? node.tree.sessionSecret;
      return key === undefined ? undefined : sessionPassword(key, id);
    },
    attach(id, handler) {
      const old = local.get(id);
      // ZooKeeper closes the older connection of a session that reconnects to the same server.
      if (old && old !== handler) old.connection.close(CloseReason.SESSION_MOVED, "the session moved to another connection");
      local.set(id, handler);
    },
    detach(id, handler) {
      if (local.get(id) === handler) local.delete(id);
    },
    sync(done) {
      const id = nextSyncId++;
      syncs.set(id, done);
      driver!.sync(id);
    },
  };

  const closeAllClients = (reason: string) => {
    for (const h of [...local.values(), ...ctx.connecting.values()]) h.connection.close(CloseReason.NOT_SERVING, reason);
  };

  // The snapshot loaded at start counts as the last one until this server writes its own (last_snapshot).
  const sources: SnapshotSources = {
    startedMs,
    pendingSyncs: () => syncs.size,
    links: () => transport?.links() ?? [],
    requestsFrom: new Map(),
    lastSnapshot: snapshotZxid === undefined ? undefined : { zxid: snapshotZxid, timestampS: Math.floor(startedMs / 1000) },
    readOnly: () => readOnly.active,
  };
  let snapshotting = false;
  const maybeSnapshot = () => {
    if (snapshotting || !node.snapshotDue(config.snapCount)) return;
    snapshotting = true;
    const zxid = node.tree.lastProcessedZxid;
    const snapshotStartedMs = performance.now();
    // Its header (the tree's zxid) is taken now, before the configuration is stored.
    const chunks = startedNow(serializeSnapshot(node.tree));
    driver!
      .writeSnapshot(zxid, () => storage.writeSnapshot(zxid, chunks))
      .then(() => {
        metrics.zk.snapshotTime.observe(Math.round(performance.now() - snapshotStartedMs));
        sources.lastSnapshot = { zxid, timestampS: Math.floor(Date.now() / 1000) };
      })
      .then(() => log(`snapshot at 0x${zxid.toString(16)} written`))
      .catch((e) => log(`snapshot at 0x${zxid.toString(16)} failed: ${(e as Error).message}`))
      .finally(() => (snapshotting = false));
  };

  const members = config.servers.filter((s) => !options.joining || s.id !== config.myId);
  const voters = members.filter((s) => !s.observer).map((s) => s.id);
  const observers = members.filter((s) => s.observer).map((s) => s.id);
  // ZooKeeper's syncLimit: how long a server may go without hearing from its leader (or a
  // leader from a quorum) before it gives up on it. A dead leader is noticed sooner, when its
  // connection closes (FastFailover).
  const electionTimeoutMs = config.syncLimitTicks * config.tickTimeMs;
  driver = new ReplicationDriver(
    storage,
    {
      applyCommitted: (entries) => {
        // A configuration entry takes effect in log order, between the transactions around it.
        let from = 0;
        entries.forEach((e, i) => {
          if (e.membership === undefined) return;
          if (i > from) node.applyCommitted(entries.slice(from, i));
          integration.applied(e);
          from = i + 1;
        });
        if (from < entries.length) node.applyCommitted(from === 0 ? entries : entries.slice(from));
        maybeSnapshot();
      },
      membershipChanged: (status) => integration.changed(status),
      statusChanged: (status) => {
        const wasServing = node.serving;
        const leaderBefore = node.leaderId;
        node.statusChanged(status);
        readOnly.update();
        elections.statusChanged(status, Date.now());
        log(`role ${status.role}, leader ${status.leaderId ?? "none"}, epoch ${status.epoch}${status.established ? ", established" : ""}`);
        integration.leadershipChanged();
        if (wasServing && !node.serving) closeAllClients("this server lost its leader; reconnect");
        // As ZooKeeper's servers do on a new leader: it knows no session's owner, and learns each
        // one from the reconnecting client's revalidation, never from a stale connection's request.
        else if (wasServing && node.leaderId !== leaderBefore) closeAllClients("the leader changed; reconnect");
      },
      snapshotOfAppliedState: () => node.snapshotOfAppliedState(),
      installSnapshot: async (snapshot) => {
        closeAllClients("this server is installing a snapshot; reconnect");
        await node.installSnapshot(snapshot);
        // The leader's snapshot carries its node: the snapshot's configuration goes back in (ZOOKEEPER-2819).
        if (snapshot.membership) integration.installed(snapshot.membership);
        else membership.rewrite();
        await driver!.writeSnapshot(snapshot.zxid, () => storage.writeSnapshot(snapshot.zxid, snapshot.parts));
      },
      syncDone: (id) => {
        syncs.get(id)?.({ ok: true, zxid: node.lastZxid });
        syncs.delete(id);
      },
      syncFailed: (id) => {
        syncs.get(id)?.({ ok: false, reason: "the leader was lost before the sync completed" });
        syncs.delete(id);
      },
      send: (m: Message) => transport?.send(m.to, { c: m }, m.type !== "snapshot-chunk"),
      fatal,
    },
    {
      tickMs: CONSENSUS_TICK_MS,
      replica: {
        id: config.myId,
        voters: voters.length > 0 ? voters : [config.myId],
        observers,
        ...(options.joining ? { joining: true } : {}),
        // A reconfig may leave an even number of voters, and the dynamic file it wrote names them (version > 0).
        ...(config.configVersion !== 0n ? { evenVoters: true } : {}),
        electionTicks: Math.ceil(electionTimeoutMs / CONSENSUS_TICK_MS),
        // ZooKeeper's initLimit: a quorum must sync with a new leader, and each follower with its
        // leader, within initLimit ticks (see @warden/consensus init-limit.ts).
        initTicks: Math.ceil((config.initLimitTicks * config.tickTimeMs) / CONSENSUS_TICK_MS),
        heartbeatTicks: 2,
        random: Math.random,
        logWindowEntries: config.commitLogCount,
        logWindowBytes: config.commitLogBytes,
        checkSnapshot: (snapshot) => node.checkSnapshot(snapshot),
        maxBatchEntries: peerFrames.appendEntriesMax,
        maxAppendBytes: peerFrames.appendBytesMax,
        // The storage refuses larger entries (and a refused append stops the server).
        maxEntryBytes: peerFrames.entryBytesMax,
        snapshotChunkBytes: peerFrames.snapshotChunkBytes,
        checksum: crc32,
      },
    },
    recovered,
    configs,
  );

  const failover = new FastFailover(driver, Math.random);
  const peerIds = config.servers.map((s) => s.id);
  const integration: ReconfigIntegration = new ReconfigIntegration({
    myId: config.myId,
    replica: () => driver!.replica,
    kick: () => driver!.kick(),
    membership,
    gate: () => reconfig,
    configStat: () => node.tree.getACL("/zookeeper/config").stat,
    sendToPeer: (to, m) => peerBatches.add(to, m),
    setPeers: (peers) => void transport?.setPeers(peers).catch((e: unknown) => log(`peer addresses not updated: ${(e as Error).message}`)),
    ids: peerIds,
    dynamicConfigFile: config.dynamicConfigFile,
    configFile: config.configFile,
    answerWithinMs: 2 * (config.initLimitTicks + config.syncLimitTicks) * config.tickTimeMs,
    log,
  });
  if (config.servers.length > 1) {
    const me = config.servers.find((s) => s.id === config.myId)!;
    transport = new PeerTransport({
      myId: config.myId,
      listenHost: config.quorumListenOnAllIPs ? undefined : me.host,
      listenPort: me.peerPort,
      peers: config.servers.map((s) => ({ id: s.id, host: s.host, port: s.peerPort })),
      secret: config.ensembleSecretFile ? secret : undefined,
      tls: peerTls,
      frameBytesMax: peerFrames.frameBytesMax,
      queueMessagesMax: 10_000,
      onMessage: peerInbound(peerFrames, peerIds, {
        step: (m) => driver!.step(m),
        onServerMessage: (from, m) => {
          if (m.type === "reconfig" || m.type === "reconfig-result") return integration.onMessage(from, m);
          if (m.type === "forward") sources.requestsFrom.set(from, (sources.requestsFrom.get(from) ?? 0) + 1);
          node.onServerMessage(from, m);
        },
        invariantBroken: fatal,
      }),
      tcpKeepAlive: config.tcpKeepAlive,
      onPeerLost: (id) => {
        if (!stopping) failover.peerLost(id, node.leaderId);
      },
      log,
    });
    await transport.start();
    peerTls?.reloader?.start();
    // A restart may know members its configuration file does not (a reconfig committed since).
    integration.changed(driver.replica.membership());
  }
  driver.observer = { fsynced: (ms) => metrics.zk.fsyncTime.observe(Math.round(ms)), proposed: () => metrics.zk.proposalCount.inc() };
  driver.start();
  // A lone voter needs nobody's vote: lead at once instead of waiting out an election timeout.
  if (voters.length <= 1) driver.campaign();
  else failover.startup(4 * CONSENSUS_TICK_MS);

  let ticks = 0;
  const containerEvery = Math.max(1, Math.round((options.containerCheckMs ?? config.containerCheckIntervalMs) / CONSENSUS_TICK_MS));
  const nodeTimer = setInterval(() => {
    node.tick(++ticks % containerEvery === 0);
    readOnly.update();
  }, CONSENSUS_TICK_MS);

  const closes = metrics.registry.counter(
    "warden_connections_closed_total",
    "Connections the server ended because of a fault or a bound, by port and cause",
  );
  const reporter: ListenerReporter = {
    log,
    closed: (port, cause: CloseCause) => {
      closes.inc({ port, cause });
      if (cause === "too_many_connections") metrics.zk.connectionRejected.inc();
    },
  };
  const limiter = new ConnectionLimiter(config.maxClientCnxns, config.maxCnxns);
  const handlers = (conn: import("./net/connection.js").ClientConnection) => new ClientHandler(ctx, conn);
  // Replies may carry a node of jute.maxbuffer bytes with its path, Stat and framing.
  const replyBytesMax = config.frameBytesMax + REPLY_SLACK_BYTES;
  const bounds: ConnectionBounds = {
    outputBytesPause: config.clientOutputBytesSoft,
    outputBytesMax: config.clientOutputBytesMax,
    handshakeBytesMax: HANDSHAKE_BYTES_MAX,
    handshakeTimeoutMs: config.clientHandshakeTimeoutMs,
    replyBytesMax,
  };
  const limits = { dataBytesMax: config.frameBytesMax, frameBytesMax: replyBytesMax };
  const sockets = { listenBacklog: config.clientPortListenBacklog, tcpKeepAlive: config.clientTcpKeepAlive };
  const origins = nativeOrigins(config, !adminTls ? ["http"] : adminTls.mode === "https" ? ["https"] : ["http", "https"]);
  const tlsReloads = metrics.registry.counter(
    "warden_tls_reloads_total",
    "Reloads of the TLS client ports' key and trust stores after their files changed (client.certReload), by result",
  );
  tlsReloaded = (ok) => tlsReloads.inc({ result: ok ? "ok" : "failed" });
  const peerTlsReloads = metrics.registry.counter(
    "warden_peer_tls_reloads_total",
    "Reloads of the peer port's key and trust stores after their files changed (sslQuorumReloadCertFiles), by result",
  );
  peerTlsReloaded = (ok) => peerTlsReloads.inc({ result: ok ? "ok" : "failed" });
  const native =
    config.nativePort > 0
      ? await startNativeListener({
          port: config.nativePort,
          host: config.clientPortAddress,
          limits,
          bounds,
          limiter,
          handlers,
          reporter,
          sockets,
          origins,
        })
      : undefined;
  const surface = new AdminSurface({ config, node, driver, metrics, local, sources, transport: () => transport });
  const zkOptions = {
    frameBytesMax: config.frameBytesMax,
    bounds,
    limiter,
    handlers,
    sockets,
    fourLetterWord: (w: string) => surface.fourLetterWord(w),
    reporter,
  };
  const zk =
    config.clientPort !== 0 ? await startZkListener({ ...zkOptions, port: config.clientPort, host: config.clientPortAddress }) : undefined;
  const secureZk =
    tls && config.secureClientPort > 0
      ? await startZkListener({ ...zkOptions, port: config.secureClientPort, host: config.secureClientPortAddress, tls })
      : undefined;
  const secureNative =
    tls && config.secureNativePort > 0
      ? await startNativeListener({
          port: config.secureNativePort,
          host: config.secureClientPortAddress,
          limits,
          bounds,
          limiter,
          handlers,
          reporter,
          sockets,
          origins,
          tls,
        })
      : undefined;
  tls?.reloader?.start();
  registerPeerGauges(
    metrics.registry,
    () => transport,
    () => driver!.replica.transferStats(),
    () => peerBatches.oversizeDropped,
  );
  const admin = await surface.start(reporter, adminTls, {
    origins,
    nativePort: native?.port ?? 0,
    secureNativePort: secureNative?.port ?? 0,
  });
  // A standalone server elects itself at once: return when it serves, so its first clients are not refused.
  if (voters.length <= 1) await until(() => node.serving, 10_000, "the standalone server did not become ready");
  const purgeTask = startPurgeTask({
    purgeIntervalHours: config.purgeIntervalHours,
    snapRetainCount: config.snapRetainCount,
    purge: (retainCount) => storage.purge(retainCount),
    log,
    clock: options.purgeClock,
  });
  log(
    `serving: native ${native?.port ?? "off"}, zookeeper ${zk?.port ?? "off"}${secureZk ? `, zookeeper over TLS ${secureZk.port}` : ""}${secureNative ? `, native over TLS ${secureNative.port}` : ""}, admin ${admin?.port ?? "off"}${adminTls ? (adminTls.mode === "https" ? " (HTTPS)" : " (HTTP and HTTPS)") : ""}, data ${config.dataDir}${config.dataLogDir !== config.dataDir ? `, log ${config.dataLogDir}` : ""}`,
  );

  return {
    config,
    node,
    membership,
    reconfig,
    ports: {
      native: native?.port ?? 0,
      client: zk?.port ?? 0,
      admin: admin?.port ?? 0,
      secureClient: secureZk?.port ?? 0,
      secureNative: secureNative?.port ?? 0,
    },
    stateCounts: () => ({
      connections: limiter.count,
      handshaking:
        (native?.handshaking() ?? 0) + (zk?.handshaking() ?? 0) + (secureZk?.handshaking() ?? 0) + (secureNative?.handshaking() ?? 0),
      attached: local.size,
      connecting: ctx.connecting.size,
      pendingWrites: node.pendingWrites,
      pendingSyncs: syncs.size,
      outstanding: ctx.outstanding.value,
      outstandingPeak: ctx.outstanding.peak,
      queuedOutputBytes: [...local.values()].reduce((n, h) => n + h.connection.bufferedBytes, 0),
      queuedOutputBytesMax: Math.max(0, ...[...local.values()].map((h) => h.connection.bufferedBytes)),
      watchingSessions: node.tree.watches.counts.sessions,
      watches: node.tree.watches.counts.watches,
      sessions: node.tree.sessions.size,
      trackedSessions: node.tracker.size,
    }),
    diagnostics: () => {
      const snap = surface.snapshot();
      const mem = process.memoryUsage();
      return `${surface.text("stat", snap)}\n${surface.text("mntr", snap)}rss_bytes\t${mem.rss}\nheap_used_bytes\t${mem.heapUsed}\n`;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(nodeTimer);
      purgeTask.stop();
      for (const h of local.values()) h.connection.close(CloseReason.SHUTTING_DOWN, "the server is stopping");
      tls?.reloader?.stop();
      peerTls?.reloader?.stop();
      await Promise.all([native?.close(), zk?.close(), secureZk?.close(), secureNative?.close(), admin?.close()]);
      await driver!.stop();
      failover.stop();
      await transport?.stop();
      await storage.close();
      await audit?.close();
      log("stopped");
    },
  };
}

/** The TLS client ports' settings as their listeners take them; the stores are read now, so a bad one stops the start. */
function clientTls(config: ServerConfig, log: (line: string) => void, reloaded: (ok: boolean) => void): ListenerTls | undefined {
  const settings = config.clientTls;
  if (!settings) return undefined;
  let options;
  try {
    options = tlsServerOptions(settings, config.clientHandshakeTimeoutMs);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  return {
    options,
    clientAuth: settings.clientAuth,
    superUser: config.x509SuperUser,
    reloader: settings.reload ? new TlsReloader(settings, log, reloaded) : undefined,
    handshakesMax: config.tlsHandshakesMax,
  };
}

/** TLS between servers (sslQuorum); the stores are read now, so a bad one stops the start. */
function quorumTls(config: ServerConfig, log: (line: string) => void, reloaded: (ok: boolean) => void): PeerTls | undefined {
  if (!config.quorumTls) return undefined;
  if (config.servers.length <= 1) log("sslQuorum=true has no effect on a standalone server (no server.N lines to talk to)");
  if (config.quorumTls.settings.clientAuth === "none")
    log(
      "WARNING: ssl.quorum.clientAuth=none: the peer port does not ask dialing servers for a certificate; only ensembleSecretFile (or the address) says who they are",
    );
  if (!config.quorumTls.settings.trustStore)
    log(
      "WARNING: sslQuorum without ssl.quorum.trustStore.location: peers' certificates are checked against Node's public root authorities",
    );
  try {
    return new PeerTls(config.quorumTls, PEER_TLS_HANDSHAKE_TIMEOUT_MS, log, reloaded);
  } catch (e) {
    throw new ConfigError(`sslQuorum: ${(e as Error).message}`);
  }
}
