// The consensus replica: the replication driver that carries out the Replica's Ready against
// storage and peers, and hands commits to the node; fast failover; snapshots written as the
// log grows; the tick timer that moves consensus and the node.
import { SnapshotSchedule } from "../core/snapshot-schedule.js";
import type { Message } from "@warden/consensus";
import { serializeSnapshot } from "@warden/tree";
import { crc32 } from "@warden/storage";
import type { ServerConfig } from "../config/index.js";
import type { WardenNode } from "../core/node.js";
import { ReplicationDriver } from "../core/replication.js";
import { FastFailover } from "../core/failover.js";
import type { ReadOnlyMode } from "../core/read-only.js";
import type { RequestMetrics } from "../admin/request-metrics.js";
import type { ElectionClock } from "../admin/zk-metrics.js";
import type { SnapshotSources } from "../admin/snapshot.js";
import type { Membership } from "../reconfig/membership.js";
import type { PeerLimits } from "../peer/limits.js";
import type { RecoveredState } from "./state.js";
import type { PendingSyncs } from "./context.js";
import type { LateParts } from "./late.js";
import { ConsensusFrames } from "../peer/consensus-frames.js";

/** Consensus ticks are finer than ZooKeeper's tickTime so that failover takes well under a second. */
export const CONSENSUS_TICK_MS = 50;

export interface ReplicaInput {
  config: ServerConfig;
  /** ServerOptions.joining: this server starts outside the configuration. */
  joining: boolean | undefined;
  state: Pick<RecoveredState, "storage" | "recovered" | "configs">;
  node: WardenNode;
  readOnly: ReadOnlyMode;
  elections: ElectionClock;
  membership: Membership;
  metrics: RequestMetrics;
  sources: SnapshotSources;
  syncs: PendingSyncs;
  peerFrames: PeerLimits;
  /** Closes every client connection (NOT_SERVING) with this reason. */
  closeAllClients: (reason: string) => void;
  /** The one path by which the server stops itself (fatal.ts). */
  fatal: (e: unknown) => void;
  log: (line: string) => void;
  /** late.driver is set here, as soon as the driver is built. */
  late: LateParts;
}

export interface ReplicaParts {
  readonly driver: ReplicationDriver;
  readonly failover: FastFailover;
  /** The voters this server starts with (one or none: it leads at once, alone). */
  readonly voters: readonly number[];
}

/** Builds the replication driver (and sets `input.driver`) and fast failover; nothing is started. */
export function buildReplica(input: ReplicaInput): ReplicaParts {
  const { config, node, readOnly, elections, membership, syncs, peerFrames, log } = input;
  const { storage, recovered, configs } = input.state;
  const integration = () => input.late.integration.get();
  const maybeSnapshot = snapshotWriter(input);
  const members = config.servers.filter((s) => !input.joining || s.id !== config.myId);
  const voters = members.filter((s) => !s.observer).map((s) => s.id);
  const observers = members.filter((s) => s.observer).map((s) => s.id);
  const frames = new ConsensusFrames();
  // ZooKeeper's syncLimit: how long a server may go without hearing from its leader (or a
  // leader from a quorum) before it gives up on it. A dead leader is noticed sooner, when its
  // connection closes (FastFailover).
  const electionTimeoutMs = config.syncLimitTicks * config.tickTimeMs;
  const driver: ReplicationDriver = new ReplicationDriver(
    storage,
    {
      applyCommitted: (entries) => {
        // A configuration entry takes effect in log order, between the transactions around it.
        let from = 0;
        entries.forEach((e, i) => {
          if (e.membership === undefined) return;
          if (i > from) node.applyCommitted(entries.slice(from, i));
          integration().applied(e);
          from = i + 1;
        });
        if (from < entries.length) node.applyCommitted(from === 0 ? entries : entries.slice(from));
        maybeSnapshot();
      },
      membershipChanged: (status) => integration().changed(status),
      statusChanged: (status) => {
        const wasServing = node.serving;
        const leaderBefore = node.leaderId;
        node.statusChanged(status);
        readOnly.update();
        elections.statusChanged(status, Date.now());
        log(`role ${status.role}, leader ${status.leaderId ?? "none"}, epoch ${status.epoch}${status.established ? ", established" : ""}`);
        integration().leadershipChanged();
        if (wasServing && !node.serving) input.closeAllClients("this server lost its leader; reconnect");
        // As ZooKeeper's servers do on a new leader: it knows no session's owner, and learns each
        // one from the reconnecting client's revalidation, never from a stale connection's request.
        else if (wasServing && node.leaderId !== leaderBefore) input.closeAllClients("the leader changed; reconnect");
      },
      snapshotOfAppliedState: () => node.snapshotOfAppliedState(),
      installSnapshot: async (snapshot) => {
        input.closeAllClients("this server is installing a snapshot; reconnect");
        await node.installSnapshot(snapshot);
        // The leader's snapshot carries its node: the snapshot's configuration goes back in (ZOOKEEPER-2819).
        if (snapshot.membership) integration().installed(snapshot.membership);
        else membership.rewrite();
        await driver.writeSnapshot(snapshot.zxid, () => storage.writeSnapshot(snapshot.zxid, snapshot.parts));
      },
      syncDone: (id) => {
        syncs.get(id)?.({ ok: true, zxid: node.lastZxid });
        syncs.delete(id);
      },
      syncFailed: (id) => {
        syncs.get(id)?.({ ok: false, reason: "the leader was lost before the sync completed" });
        syncs.delete(id);
      },
      send: (m: Message) => input.late.transport.maybe?.sendParts(m.to, frames.frame(m), m.type !== "snapshot-chunk"),
      fatal: input.fatal,
    },
    {
      tickMs: CONSENSUS_TICK_MS,
      replica: {
        id: config.myId,
        voters: voters.length > 0 ? voters : [config.myId],
        observers,
        ...(input.joining ? { joining: true } : {}),
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
        appendEntriesMax: peerFrames.appendEntriesMax,
        appendBytesMax: peerFrames.appendBytesMax,
        // The storage refuses larger entries (and a refused append stops the server).
        entryBytesMax: peerFrames.entryBytesMax,
        snapshotChunkBytes: peerFrames.snapshotChunkBytes,
        checksum: crc32,
      },
    },
    recovered,
    configs,
  );
  input.late.driver.set(driver);
  const failover = new FastFailover(driver, Math.random);
  return { driver, failover, voters };
}

/** Starts consensus (after the peer transport): a lone voter leads at once, others elect. */
export function startReplica({ driver, failover, voters }: ReplicaParts, metrics: RequestMetrics): void {
  driver.observer = { fsynced: (ms) => metrics.zk.fsyncTime.observe(Math.round(ms)), proposed: () => metrics.zk.proposalCount.inc() };
  driver.start();
  // A lone voter needs nobody's vote: lead at once instead of waiting out an election timeout.
  if (voters.length <= 1) driver.campaign();
  else failover.startup(4 * CONSENSUS_TICK_MS);
}

/** Ticks the node every CONSENSUS_TICK_MS (and checks containers and TTLs every containerCheckMs); the shutdown clears it. */
export function startTicks(node: WardenNode, readOnly: ReadOnlyMode, containerCheckMs: number): NodeJS.Timeout {
  let ticks = 0;
  const containerEvery = Math.max(1, Math.round(containerCheckMs / CONSENSUS_TICK_MS));
  return setInterval(() => {
    node.tick(++ticks % containerEvery === 0);
    readOnly.update();
  }, CONSENSUS_TICK_MS);
}

/** Writes a snapshot once the node says one is due (snapCount), one at a time, without stopping the node. */
function snapshotWriter({ config, node, metrics, sources, state, late, log }: ReplicaInput): () => void {
  let snapshotting = false;
  const schedule = new SnapshotSchedule({ txns: config.snapCount, bytes: config.snapSizeLimitKb * 1024 });
  return () => {
    if (snapshotting || !node.snapshotDue(schedule)) return;
    snapshotting = true;
    const zxid = node.tree.lastProcessedZxid;
    const snapshotStartedMs = performance.now();
    // Its header (the tree's zxid) is taken now, before the configuration is stored. The
    // storage writes each chunk before it pulls the next (SnapshotChunks): they may be transient.
    const chunks = startedNow(serializeSnapshot(node.tree, { transient: true }));
    late.driver
      .get()
      .writeSnapshot(zxid, () => state.storage.writeSnapshot(zxid, chunks))
      .then(() => {
        metrics.zk.snapshotTime.observe(Math.round(performance.now() - snapshotStartedMs));
        sources.lastSnapshot = { zxid, timestampS: Math.floor(Date.now() / 1000) };
      })
      .then(() => log(`snapshot at 0x${zxid.toString(16)} written`))
      .catch((e) => log(`snapshot at 0x${zxid.toString(16)} failed: ${(e as Error).message}`))
      .finally(() => (snapshotting = false));
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
