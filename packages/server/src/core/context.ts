import type { ServerConfig } from "../config/index.js";
import type { SessionIdSource } from "./session-ids.js";
import type { WardenNode } from "./node.js";
import type { ClientHandler } from "./client-handler.js";
import type { RequestMetrics } from "../admin/request-metrics.js";

/** What a client connection's handler needs from the server. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly node: WardenNode;
  readonly sessionIds: SessionIdSource;
  /** Connections waiting for their createSession to commit. */
  readonly connecting: Map<bigint, ClientHandler>;
  readonly metrics: RequestMetrics;
  password(sessionId: bigint): Uint8Array;
  attach(sessionId: bigint, handler: ClientHandler): void;
  detach(sessionId: bigint, handler: ClientHandler): void;
  /** ZooKeeper's sync: calls back once this server has applied everything the leader had committed. */
  sync(done: (zxid: bigint, err: number) => void): void;
}
