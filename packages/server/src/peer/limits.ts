// Every size and count between servers, derived from the client frame limit (jute.maxbuffer)
// so that whatever a client may send fits, once forwarded or proposed, in a peer frame; and a
// frame limit that every message a server sends respects (an assertion, see transport.ts).
import { messageBytesMax } from "@warden/consensus";

const KiB = 1024;
const MiB = 1024 * KiB;

/** snapshotChunkBytes, the configuration key: its default and its range. */
export const SNAPSHOT_CHUNK_BYTES_DEFAULT = 1 * MiB;
/** The smallest snapshot chunk the configuration accepts. */
export const SNAPSHOT_CHUNK_BYTES_MIN = 512;
/** The largest snapshot chunk the configuration accepts (peer frames are sized for it). */
export const SNAPSHOT_CHUNK_BYTES_MAX = 2 * MiB;

/** Entries in one append (consensus' appendEntriesMax), and the entry bytes an append gathers. */
const APPEND_ENTRIES_MAX = 64;
/** Entry bytes one append gathers (a larger entry goes alone). */
const APPEND_BYTES_MAX = 1 * MiB;
/** Server-to-server messages gathered in one frame: bytes and items. */
const SERVER_BATCH_BYTES_MAX = 1 * MiB;
/** Server-to-server messages gathered in one frame. */
const SERVER_BATCH_ITEMS_MAX = 10_000;
/** Sessions in one touch message (a follower touching more sends several). */
export const TOUCH_SESSIONS_MAX = 50_000;
/** Below this a frame limit would be tighter than it needs to be. */
const FRAME_BYTES_FLOOR = 4 * MiB;
/** No field of a request takes less than this on any client wire (jute, CBOR): counts are bounded by bytes / this. */
const WIRE_BYTES_PER_ITEM_MIN = 8;

export interface PeerLimits {
  /** Every frame between servers, both ways; a larger one from a peer closes its connection. */
  readonly frameBytesMax: number;
  /** One proposal (a client request's txn record) and one forwarded request, at most. */
  readonly entryBytesMax: number;
  readonly appendEntriesMax: number;
  readonly appendBytesMax: number;
  /** Snapshot chunks this server sends, and the largest it accepts from any peer. */
  readonly snapshotChunkBytes: number;
  readonly snapshotChunkBytesMax: number;
  readonly serverBatchBytesMax: number;
  readonly serverBatchItemsMax: number;
  /** Fields of a forwarded request: data and strings, ops of a multi, ACL entries, identities. */
  readonly dataBytesMax: number;
  readonly stringCharsMax: number;
  readonly listItemsMax: number;
}

/**
 * `clientFrameBytesMax`: jute.maxbuffer. A client's request is at most that plus 64 KiB (the
 * native frame); its txn record, or its CBOR form when forwarded, at most twice that (a jute
 * field of 4 bytes can take up to 9 in CBOR, and a txn repeats a request's fields).
 */
export function peerLimits(clientFrameBytesMax: number, snapshotChunkBytes = SNAPSHOT_CHUNK_BYTES_DEFAULT): PeerLimits {
  const requestBytesMax = clientFrameBytesMax + 64 * KiB;
  const entryBytesMax = 2 * requestBytesMax;
  const consensus = messageBytesMax({
    appendEntriesMax: APPEND_ENTRIES_MAX,
    appendBytesMax: APPEND_BYTES_MAX,
    entryBytesMax: entryBytesMax,
    snapshotChunkBytes: SNAPSHOT_CHUNK_BYTES_MAX,
  });
  const serverItem = entryBytesMax + 64 * KiB; // a forward: the request and the session's identities
  return {
    frameBytesMax: Math.max(FRAME_BYTES_FLOOR, consensus + 64 * KiB, serverItem + 64 * KiB),
    entryBytesMax,
    appendEntriesMax: APPEND_ENTRIES_MAX,
    appendBytesMax: APPEND_BYTES_MAX,
    snapshotChunkBytes,
    snapshotChunkBytesMax: SNAPSHOT_CHUNK_BYTES_MAX,
    serverBatchBytesMax: SERVER_BATCH_BYTES_MAX,
    serverBatchItemsMax: SERVER_BATCH_ITEMS_MAX,
    dataBytesMax: requestBytesMax,
    stringCharsMax: requestBytesMax,
    listItemsMax: Math.ceil(requestBytesMax / WIRE_BYTES_PER_ITEM_MIN),
  };
}
