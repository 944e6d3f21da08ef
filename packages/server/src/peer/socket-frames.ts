// Frames on one peer socket: reading them through a splitter inside the connection's
// containment boundary, and writing one handshake frame corked.
import type { Socket } from "node:net";
import { type FrameSplitter, frameHeader } from "./frames.js";
import { type PeerCloseReason, reasonOf } from "./peer-stats.js";
import type { EnsembleSecret } from "./handshake.js";
import type { PeerTls } from "./peer-tls.js";

/**
 * Feeds a connection's bytes to `splitter()` and each frame to `handle`; anything thrown closes
 * this connection only (`close`), with the reason `classify` gives (or frame-too-large). A
 * listener that throws would take the process down: this is the boundary.
 */
export function readFrames(
  s: Socket,
  splitter: () => FrameSplitter,
  classify: (e: unknown) => PeerCloseReason,
  handle: (frame: Uint8Array) => void,
  close: (reason: PeerCloseReason, detail: string) => void,
): void {
  s.on("data", (chunk: Buffer) => {
    let frames: Uint8Array[];
    try {
      frames = splitter().feed(chunk);
    } catch (e) {
      return close(reasonOf(e, false), (e as Error).message);
    }
    for (const f of frames) {
      if (s.destroyed) return;
      try {
        handle(f);
      } catch (e) {
        return close(classify(e), e instanceof Error ? e.message : String(e));
      }
    }
  });
}

/** Writes one frame (a handshake message, its MAC tag after it) in one corked write. */
export function writeFrame(s: Socket, payload: Uint8Array, tag?: Uint8Array): void {
  s.cork();
  s.write(frameHeader(payload.length + (tag?.length ?? 0)));
  s.write(payload);
  if (tag) s.write(tag);
  s.uncork();
}

/** Time for either end to complete the handshake before the connection closes (unless handshakeTimeoutMs says otherwise). */
export const HANDSHAKE_TIMEOUT_MS = 5_000;
/** The largest handshake frame either end accepts. */
export const HANDSHAKE_FRAME_BYTES_MAX = 1024;

/** What both ends of a peer link (dialer.ts and acceptor.ts) reach of the transport. */
export interface PeerLinkHost {
  readonly myId: number;
  readonly secret: EnsembleSecret | undefined;
  readonly tls: PeerTls | undefined;
  readonly tcpKeepAlive: boolean | undefined;
  readonly handshakeTimeoutMs: number | undefined;
  log(line: string): void;
  stopped(): boolean;
  /** Ends one connection for `reason`, logged and counted. */
  close(s: Socket, reason: PeerCloseReason, who: string, detail: string): void;
}
