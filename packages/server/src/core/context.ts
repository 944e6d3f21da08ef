import type { ServerConfig } from "../config/index.js";
import type { SessionIdSource } from "./session-ids.js";
import type { WardenNode } from "./node.js";
import type { ClientHandler } from "./client-handler.js";
import type { RequestMetrics } from "../admin/request-metrics.js";
import type { AuditLog } from "../audit/audit-log.js";
import { PauseReason, type ClientConnection } from "../net/connection.js";
import type { SaslUsers } from "../auth/sasl-users.js";
import type { ReadOnlyMode } from "./read-only.js";
import type { ReconfigGate } from "../reconfig/gate.js";

/**
 * Requests received and not yet answered, across all sessions (ZooKeeper's
 * globalOutstandingLimit): at the limit, connections stop being read until half drain.
 */
export class OutstandingLimit {
  private count = 0;
  private readonly paused = new Set<ClientConnection>();
  constructor(readonly max: number) {}

  private peakCount = 0;
  get value(): number {
    return this.count;
  }
  /** The most ever outstanding at once. */
  get peak(): number {
    return this.peakCount;
  }
  add(n: number): void {
    this.count += n;
    if (this.count > this.peakCount) this.peakCount = this.count;
    if (this.paused.size > 0 && this.count <= this.max / 2) {
      for (const c of this.paused) if (!c.closed) c.resume(PauseReason.global);
      this.paused.clear();
    }
  }
  full(): boolean {
    return this.count >= this.max;
  }
  pause(c: ClientConnection): void {
    if (this.paused.has(c)) return;
    this.paused.add(c);
    c.pause(PauseReason.global);
  }
  /** The connection is gone. */
  forget(c: ClientConnection): void {
    this.paused.delete(c);
  }
}

/** What a client connection's handler needs from the server. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly node: WardenNode;
  readonly sessionIds: SessionIdSource;
  /** Connections waiting for their createSession to commit. */
  readonly connecting: Map<bigint, ClientHandler>;
  readonly metrics: RequestMetrics;
  readonly outstanding: OutstandingLimit;
  /** The SASL DIGEST-MD5 users (jaasLoginConfig); undefined: SASL rounds fail. */
  readonly sasl?: SaslUsers | undefined;
  /** The server's log, for what a connection's authentication did. */
  readonly log?: (line: string) => void;
  /** The session's password; undefined while the ensemble has no session secret yet (its first leader commits one). */
  password(sessionId: bigint): Uint8Array | undefined;
  /** Makes `handler` the session's connection here, closing an older one; true when it replaced one. */
  attach(sessionId: bigint, handler: ClientHandler): boolean;
  /** Forgets `handler` as the session's connection here; false when a newer connection had replaced it. */
  detach(sessionId: bigint, handler: ClientHandler): boolean;
  /** ZooKeeper's sync: calls back once this server has applied everything the leader had committed, or why it could not. */
  sync(done: (result: SyncResult) => void): void;
  /** The audit log, when audit.enable is true. */
  readonly audit?: AuditLog | undefined;
  /** Read-only mode (readonlymode.enabled): serving reads without a quorum. */
  readonly readOnly?: ReadOnlyMode | undefined;
  /** Decides reconfig requests (reconfig/gate.ts); absent: RECONFIG_DISABLED. */
  readonly reconfig?: ReconfigGate | undefined;
}

/** How a sync ended: applied up to `zxid`, or failed (the leader was lost). */
export type SyncResult = { ok: true; zxid: bigint } | { ok: false; reason: string };
