// What a peer sends, checked and handed on: a frame is { c: consensus message } or
// { s: [server messages] }; each message is checked against its schema before it reaches the
// Replica or the node. A bad one throws DecodeError (the transport closes that connection).
import { DecodeError } from "@warden/protocol";
import { ConsensusInvariantError, PEER_MESSAGE_INVALID, validateMessage, type Message, type MessageLimits } from "@warden/consensus";
import type { ServerMessage } from "../core/pipeline/messages.js";
import type { PeerLimits } from "./limits.js";
import { validateServerMessage } from "./server-messages.js";

export interface PeerInboundHandlers {
  step(message: Message): void;
  onServerMessage(from: number, message: ServerMessage): void;
  /** A consensus invariant broke while handling a message: the server must stop (server.ts' fatal). */
  invariantBroken(error: ConsensusInvariantError): void;
}

/** The handler of every frame from authenticated peers: (from, decoded frame) => void, or throws. */
export function peerInbound(limits: PeerLimits, ids: readonly number[], h: PeerInboundHandlers): (from: number, frame: unknown) => void {
  const messageLimits: MessageLimits = {
    ids,
    entriesMax: limits.appendEntriesMax,
    entryBytesMax: limits.entryBytesMax,
    chunkBytesMax: limits.snapshotChunkBytesMax,
  };
  return (from, frame) => {
    if (typeof frame !== "object" || frame === null || Array.isArray(frame)) throw invalid("a frame is not a map");
    const f = frame as { c?: unknown; s?: unknown };
    if (f.c !== undefined) return step(h, from, validateMessage(f.c, messageLimits));
    if (!Array.isArray(f.s) || f.s.length > limits.serverBatchItemsMax)
      throw invalid(`a frame has neither a message nor a list of at most ${limits.serverBatchItemsMax}`);
    // All checked before any is handled: a bad frame changes nothing.
    const items = (f.s as unknown[]).map((item) => validateServerMessage(item, from, limits));
    for (const item of items) h.onServerMessage(from, item);
  };
}

function step(h: PeerInboundHandlers, from: number, m: Message): void {
  if (m.from !== from) throw invalid(`a message from ${m.from} on the connection of peer ${from}`);
  try {
    h.step(m);
  } catch (e) {
    // Not the peer's fault to contain: the ensemble's safety is in question (docs/design.md, section 7).
    if (e instanceof ConsensusInvariantError) return h.invariantBroken(e);
    // Anything else ends this connection; PeerMessageRefusedError (a message no correct peer
    // sends, refused before it changed anything) is counted as "refused" and this server goes on.
    throw e;
  }
}

function invalid(what: string): DecodeError {
  return new DecodeError(PEER_MESSAGE_INVALID, `invalid peer frame: ${what}`);
}
