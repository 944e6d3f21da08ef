// The sizes of every per-connection and per-session structure a running server keeps
// (WardenServer.stateCounts): after every client has gone, each is back where it started.
import type { WardenNode } from "../core/node.js";
import type { ClientHandler } from "../core/client-handler.js";
import type { ServerContext } from "../core/context.js";
import { type ClientListeners, handshaking } from "./client-listeners.js";
import type { PendingSyncs } from "./context.js";

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

export interface CountedParts {
  clients: ClientListeners;
  local: Map<bigint, ClientHandler>;
  ctx: ServerContext;
  node: WardenNode;
  syncs: PendingSyncs;
}

export function stateCounts({ clients, local, ctx, node, syncs }: CountedParts): ServerStateCounts {
  return {
    connections: clients.limiter.count,
    handshaking: handshaking(clients),
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
  };
}
