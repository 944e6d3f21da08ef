// The WardenNode and the pipeline around it: the replicated node with its hooks, the batches
// of server messages to peers, the audit log and read-only mode. Nothing here is started: the
// node moves when the replication driver's commits and the tick timer reach it.
import { randomBytes } from "node:crypto";
import { CloseReason, ErrorCode } from "@warden/protocol";
import { type DataTree, SESSION_SECRET_BYTES } from "@warden/tree";
import type { ServerConfig } from "../config/index.js";
import { WardenNode } from "../core/node.js";
import type { ClientHandler } from "../core/client-handler.js";
import { RateLimitedLog } from "../core/rate-log.js";
import { READ_ONLY_GRACE_MS_MIN, ReadOnlyMode, lookingForLeader } from "../core/read-only.js";
import type { RequestMetrics } from "../admin/request-metrics.js";
import { AuditLog } from "../audit/audit-log.js";
import { AuditFile } from "../audit/audit-file.js";
import { type PeerLimits, peerLimits } from "../peer/limits.js";
import { ServerBatcher } from "../peer/server-batches.js";
import type { LateParts } from "./late.js";

export interface NodeInput {
  config: ServerConfig;
  log: (line: string) => void;
  /** The recovered tree (RecoveredState.tree). */
  tree: DataTree;
  /** The session-password key; undefined: the node draws one when it first leads. */
  secret: Uint8Array | undefined;
  metrics: RequestMetrics;
  late: Pick<LateParts, "driver" | "transport">;
}

export interface NodeParts {
  readonly node: WardenNode;
  /** The handlers of the sessions attached to a connection here, by session id. */
  readonly local: Map<bigint, ClientHandler>;
  /** Connections waiting for their createSession to commit, by the session id they asked for. */
  readonly connecting: Map<bigint, ClientHandler>;
  /** The bounds of peer frames (peer/limits.ts), from jute.maxbuffer. */
  readonly peerFrames: PeerLimits;
  /** Server messages to peers, sent in as few frames per peer per turn as the frame limit allows. */
  readonly peerBatches: ServerBatcher;
  /** When audit.enable is true; its gauges are registered. */
  readonly audit: AuditLog | undefined;
  readonly readOnly: ReadOnlyMode;
}

export function buildNode({ config, log, tree, secret, metrics, late }: NodeInput): NodeParts {
  const local = new Map<bigint, ClientHandler>();
  const connecting = new Map<bigint, ClientHandler>();
  // A follower forwards many writes per turn of the event loop: as few frames per peer per turn
  // as the frame limit allows. One that cannot fit (a bug: limits.ts sizes them) fails its write.
  const peerFrames = peerLimits(config.frameBytesMax, config.snapshotChunkBytes);
  const peerBatches = new ServerBatcher(peerFrames, {
    sendParts: (to, parts) => late.transport.maybe?.sendParts(to, parts),
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
      propose: (payload) => late.driver.get().propose(payload),
      nextZxid: () => late.driver.get().nextZxid(),
      nowMs: () => Date.now(),
      // Each of these reaches one connection's handler, which contains its own faults: they run
      // while a transaction is applied, where anything thrown would stop the server.
      endSession: (id, reason) => local.get(id)?.end(reason),
      deliverEvent: (id, event, acl) => local.get(id)?.deliver(event, acl),
      sessionCreated: (id, timeoutMs) => connecting.get(id)?.open(id, timeoutMs),
      proposalCommitted: (ms) => metrics.proposal.observe(ms / 1000),
      appliedZxid: () => late.driver.get().replica.appliedZxid,
      canPropose: () => late.driver.get().replica.canPropose(),
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
  return { node, local, connecting, peerFrames, peerBatches, audit, readOnly };
}
