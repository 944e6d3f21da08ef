import type { ResolvedConfig } from "./config.js";
import { MEMBERSHIP_BYTES_MAX, membershipBytes } from "./membership.js";
import type { Message } from "./types.js";

/**
 * Upper bounds on a message's encoded size, for hosts that frame messages (the server's peer
 * transport, CBOR) and for the leader's batching. Everything but payloads is a few numbers
 * and short strings: MESSAGE_OVERHEAD_BYTES covers a message's fields and the host's envelope,
 * ENTRY_OVERHEAD_BYTES one entry's zxid and field names. CBOR needs about 120 and 35.
 */
export const MESSAGE_OVERHEAD_BYTES = 512;
/** Bytes counted for one entry's zxid and field names besides its payload. */
export const ENTRY_OVERHEAD_BYTES = 64;

/** An upper bound of `m`'s encoded size. */
export function messageBytesBound(m: Message): number {
  if (m.type === "append") {
    let n = MESSAGE_OVERHEAD_BYTES;
    for (const e of m.entries)
      n += ENTRY_OVERHEAD_BYTES + (e.payload?.length ?? 0) + (e.membership === undefined ? 0 : membershipBytes(e.membership));
    return n;
  }
  if (m.type === "snapshot-chunk") return MESSAGE_OVERHEAD_BYTES + m.data.length + membershipBytes(m.membership);
  return MESSAGE_OVERHEAD_BYTES;
}

/**
 * The largest messageBytesBound of any message a replica with this configuration sends: an
 * append carries entries up to appendBytesMax, or one entry of up to entryBytesMax alone; a
 * snapshot chunk carries snapshotChunkBytes. A host's frame limit must be at least this.
 */
export function messageBytesMax(
  cfg: Pick<ResolvedConfig, "appendEntriesMax" | "appendBytesMax" | "entryBytesMax" | "snapshotChunkBytes">,
): number {
  // Configurations count as payload bytes in an append (one alone may reach MEMBERSHIP_BYTES_MAX).
  const append = cfg.appendEntriesMax * ENTRY_OVERHEAD_BYTES + Math.max(cfg.appendBytesMax, cfg.entryBytesMax, MEMBERSHIP_BYTES_MAX);
  return MESSAGE_OVERHEAD_BYTES + Math.max(append, cfg.snapshotChunkBytes + MEMBERSHIP_BYTES_MAX);
}
