// What the transport keeps per peer it dials, and each peer as the admin commands show it.
import type { Socket } from "node:net";
import type { FrameSealer } from "./frame-mac.js";
import type { PeerAddress } from "./transport.js";

export interface Outgoing {
  peer: PeerAddress;
  socket: Socket | undefined;
  ready: boolean;
  /** Frames (in parts) waiting for the connection. */
  queue: Uint8Array[][];
  queuedBytes: number;
  backoffMs: number;
  timer: NodeJS.Timeout | undefined;
  corked: boolean;
  /** Tags the frames of the current connection (undefined without a secret, or before its handshake). */
  sealer: FrameSealer | undefined;
  /** When our connection to it completed its handshake (undefined while down). */
  establishedMs: number | undefined;
  /** Frames written to it (since start or the last resetLinkStats). */
  framesSent: number;
  /** The last TLS failure logged for it: the same one again is counted, not logged (a redial every 2 s). */
  tlsFailure?: string;
}

/** One peer as this server sees it (ZooKeeper's LearnerHandler info, for the observers command). */
export interface PeerLink {
  id: number;
  /** Where its authenticated connection to us comes from (host:port), else where we dial it. */
  remoteAddress: string;
  establishedMs: number | undefined;
  /** Frames waiting for it, and their bytes (our queue while it is down, and the socket's unsent bytes). */
  queuedFrames: number;
  queuedBytes: number;
  framesSent: number;
  framesReceived: number;
}

export function lengthOf(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** Per peer id, what its connections to us brought: frames after the handshake, and the address of the latest. */
export interface Inbound {
  framesReceived: number;
  remoteAddress: string;
}

export function linkOf(o: Outgoing, i: Inbound | undefined): PeerLink {
  return {
    id: o.peer.id,
    remoteAddress: i?.remoteAddress ?? `${o.peer.host}:${o.peer.port}`,
    establishedMs: o.establishedMs,
    queuedFrames: o.queue.length,
    queuedBytes: o.queuedBytes + (o.socket?.writableLength ?? 0),
    framesSent: o.framesSent,
    framesReceived: i?.framesReceived ?? 0,
  };
}
