// The client context: what every connection's ClientHandler reaches of the server (the node,
// sessions attached here, sync, authentication, audit, read-only mode, the reconfig gate).
import { CloseReason } from "@warden/protocol";
import type { ServerConfig } from "../config/index.js";
import type { SaslUsers } from "../auth/sasl-users.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { RequestMetrics } from "../admin/request-metrics.js";
import type { WardenNode } from "../core/node.js";
import type { ClientHandler } from "../core/client-handler.js";
import { OutstandingLimit, type ServerContext, type SyncResult } from "../core/context.js";
import type { ReadOnlyMode } from "../core/read-only.js";
import { SessionIdSource, sessionPassword } from "../core/session-ids.js";
import type { ReconfigGate } from "../reconfig/gate.js";
import type { LateParts } from "./late.js";

export interface ContextInput {
  config: ServerConfig;
  node: WardenNode;
  audit: AuditLog | undefined;
  reconfig: ReconfigGate;
  readOnly: ReadOnlyMode;
  metrics: RequestMetrics;
  sasl: SaslUsers | undefined;
  /** The session-password key; undefined: the tree's (committed by the ensemble's first leader). */
  secret: Uint8Array | undefined;
  local: Map<bigint, ClientHandler>;
  connecting: Map<bigint, ClientHandler>;
  late: Pick<LateParts, "driver">;
  log: (line: string) => void;
}

/** The syncs waiting for the driver, by id: the driver's syncDone and syncFailed complete them. */
export type PendingSyncs = Map<number, (result: SyncResult) => void>;

export function buildClientContext(input: ContextInput): { ctx: ServerContext; syncs: PendingSyncs } {
  const { config, node, secret, local, late } = input;
  const syncs: PendingSyncs = new Map();
  let nextSyncId = 1;
  const ctx: ServerContext = {
    config,
    node,
    audit: input.audit,
    reconfig: input.reconfig,
    readOnly: input.readOnly,
    sessionIds: new SessionIdSource(config.myId, Date.now()),
    connecting: input.connecting,
    metrics: input.metrics,
    outstanding: new OutstandingLimit(config.outstandingGlobalMax),
    sasl: input.sasl,
    log: input.log,
    password: (id) => {
      const key = secret ?? node.tree.sessionSecret;
      return key === undefined ? undefined : sessionPassword(key, id);
    },
    attach(id, handler) {
      const old = local.get(id);
      // ZooKeeper closes the older connection of a session that reconnects to the same server.
      local.set(id, handler);
      if (!old || old === handler) return false;
      old.connection.close(CloseReason.SESSION_MOVED, "the session moved to another connection");
      return true;
    },
    detach(id, handler) {
      return local.get(id) === handler && local.delete(id);
    },
    sync(done) {
      const id = nextSyncId++;
      syncs.set(id, done);
      late.driver.get().sync(id);
    },
  };
  return { ctx, syncs };
}

/** Closes every client connection, attached or still creating its session (NOT_SERVING, with `reason`). */
export function closeAllClients(ctx: Pick<ServerContext, "connecting">, local: Map<bigint, ClientHandler>, reason: string): void {
  for (const h of [...local.values(), ...ctx.connecting.values()]) h.connection.close(CloseReason.NOT_SERVING, reason);
}
