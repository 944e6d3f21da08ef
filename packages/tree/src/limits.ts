// Every size and count the tree accepts, in one place. The server's own limits (for example
// the 1 MiB data limit of jute.maxbuffer) must be at or below these; these are the hard
// ceilings that keep decoding and memory bounded even when the server is misconfigured.

/** Largest znode data the tree stores or decodes. */
export const DATA_BYTES_MAX = 16 * 1024 * 1024;
/** Entries in one ACL list. */
export const ACL_ENTRIES_MAX = 1024;
/** Characters of an ACL id or scheme. */
export const ACL_ID_CHARS_MAX = 1024;
/** Ops in one multi transaction. */
export const MULTI_OPS_MAX = 100_000;
/** Ephemeral paths listed in one closeSession transaction. */
export const CLOSE_SESSION_PATHS_MAX = 10_000_000;
/**
 * Bytes the ephemeral paths of one session may take in its closeSession txn (their UTF-8
 * and a few bytes of framing each; see ephemeralPathCost). That txn lists them all and must
 * fit one log entry and one peer message (twice jute.maxbuffer and some): 1 MiB is about
 * 16,000 ephemerals of 60 characters. A create past it gets QUOTA_EXCEEDED.
 */
export const EPHEMERAL_BYTES_PER_SESSION_MAX = 1024 * 1024;
/** Znodes in one tree. V8's Map and Set hold at most 2^24 entries; stay below that. */
export const NODE_COUNT_MAX = 16_000_000;
/** Bytes of one snapshot frame (a batch of nodes, or one big node). */
export const SNAPSHOT_FRAME_BYTES_MAX = 64 * 1024 * 1024;
/** A snapshot frame is cut once its nodes pass this many bytes (a soft target). */
export const SNAPSHOT_FRAME_BYTES_TARGET = 64 * 1024;
/** Bytes of one encoded transaction accepted by decodeTxn. */
export const TXN_BYTES_MAX = 256 * 1024 * 1024;
/**
 * zxids are kept as numbers inside the tree (bigint only at the edges), which is exact
 * below 2^53: epochs below 2^21 (protocol's EPOCH_MAX, which consensus never passes).
 * apply() refuses a larger zxid loudly rather than round it.
 */
export { ZXID_MAX } from "@warden/protocol";
/** Session timeouts are milliseconds in a 32-bit signed int, as ZooKeeper's. */
export const SESSION_TIMEOUT_MS_MAX = 0x7fffffff;
/** The ensemble's session secret (see txn.ts SessionSecretTxnBody): exactly this many random bytes. */
export const SESSION_SECRET_BYTES = 32;
