// The follower's side of snapshot transfer: bytes are taken in order; a chunk past a gap waits
// (a few, bounded: OUT_OF_ORDER_CHUNKS_MAX) until the gap is filled, and the acknowledgement of
// what we hold contiguously makes the leader send the gap again. One transfer at a time, and a
// snapshot is installed only once every byte is here and the checksum of the whole matches.
import type { Zxid } from "@warden/protocol";
import type { Core } from "./core.js";
import { maxZxid, minZxid } from "./core.js";
import { requireOfPeer } from "./errors.js";
import { followLeader, sendAck } from "./follower.js";
import type { Membership, Snapshot, SnapshotChunk } from "./types.js";

/** Chunks past a gap kept for when it is filled (messages may be reordered); beyond, dropped. */
export const OUT_OF_ORDER_CHUNKS_MAX = 16;

/** A snapshot being received: named by (zxid, totalBytes, checksum), whichever leader sends it. */
export interface IncomingSnapshot {
  /** The epoch of the leader whose chunk started it: a smaller zxid of that epoch is stale. */
  readonly epoch: number;
  readonly zxid: Zxid;
  readonly totalBytes: number;
  readonly checksum: number;
  /** The configuration in force at zxid (every chunk carries it; the first one's is kept). */
  readonly membership: Membership;
  readonly parts: Uint8Array[];
  receivedBytes: number;
  /** Chunks that arrived past a gap, by offset (at most OUT_OF_ORDER_CHUNKS_MAX). */
  readonly early: Map<number, Uint8Array>;
  /** The checksum of the bytes received so far (computed as they come). */
  runningChecksum: number;
}

export function onSnapshotChunk(c: Core, m: SnapshotChunk): void {
  followLeader(c, m.from);
  if (m.snapshotZxid <= c.commitZxid || c.log.has(m.snapshotZxid)) return holdsSnapshotState(c, m);
  c.transfer.chunksReceived++;
  const t = transferFor(c, m);
  if (t === null) return; // a chunk of a transfer this leader has replaced since
  accept(c, t, m);
  if (t.receivedBytes === t.totalBytes) {
    c.incomingSnapshot = null;
    if (t.runningChecksum === t.checksum) {
      const snapshot = { zxid: t.zxid, parts: t.parts, membership: t.membership };
      const unreadable = c.cfg.checkSnapshot(snapshot);
      requireOfPeer(
        unreadable === null,
        m.from,
        `its snapshot at ${t.zxid} (${t.totalBytes} bytes, checksum matching) cannot be loaded: ${unreadable}`,
      );
      install(c, snapshot);
    } else {
      // Assembled bytes that fail their checksum are thrown away; the leader resends from 0.
      c.transfer.checksumFailures++;
      t.receivedBytes = 0;
    }
  }
  c.send({ type: "snapshot-ack", from: c.id, to: m.from, epoch: c.epoch, snapshotZxid: m.snapshotZxid, receivedBytes: t.receivedBytes });
}

/**
 * We hold the state of the snapshot's zxid already: it is committed here, or it is in our log,
 * so our log equals the leader's up to it (log matching) and the entries after it may be durable,
 * acknowledged, even committed: keep them and just commit up to the point. Tell the leader we
 * need no more bytes; our append-response moves it on once the point is durable here.
 */
function holdsSnapshotState(c: Core, m: SnapshotChunk): void {
  if (c.incomingSnapshot !== null && c.incomingSnapshot.zxid <= m.snapshotZxid) c.incomingSnapshot = null;
  if (m.snapshotZxid > c.commitZxid) c.commitZxid = m.snapshotZxid;
  c.verifiedZxid = maxZxid(c.verifiedZxid, minZxid(m.snapshotZxid, c.commitZxid));
  c.send({ type: "snapshot-ack", from: c.id, to: m.from, epoch: c.epoch, snapshotZxid: m.snapshotZxid, receivedBytes: m.totalBytes });
  sendAck(c, true);
}

/**
 * The transfer this chunk belongs to, started afresh if it names another snapshot than the one
 * in progress; null for a late chunk of a snapshot the same leader has since replaced with a
 * newer one (it would throw away the newer transfer's progress for nothing).
 */
function transferFor(c: Core, m: SnapshotChunk): IncomingSnapshot | null {
  const t = c.incomingSnapshot;
  if (t !== null && t.zxid === m.snapshotZxid && t.totalBytes === m.totalBytes && t.checksum === m.checksum) return t;
  if (t !== null && t.epoch === m.epoch && m.snapshotZxid < t.zxid) return null;
  c.incomingSnapshot = {
    epoch: m.epoch,
    zxid: m.snapshotZxid,
    totalBytes: m.totalBytes,
    checksum: m.checksum,
    membership: m.membership,
    parts: [],
    receivedBytes: 0,
    early: new Map(),
    runningChecksum: 0,
  };
  return c.incomingSnapshot;
}

/** Take the chunk's bytes that extend what we hold, then any early chunk that now does; keep a chunk past a gap for later. */
function accept(c: Core, t: IncomingSnapshot, m: SnapshotChunk): void {
  if (m.offset > t.receivedBytes) {
    if (m.offset + m.data.length === t.totalBytes && c.cfg.plantedBugs.installBeforeLastChunk === true) {
      // Planted bug: the last chunk "completes" the transfer though a chunk before it is missing.
      t.parts.push(m.data);
      t.receivedBytes = t.totalBytes;
      t.runningChecksum = t.checksum;
      return;
    }
    if (t.early.size < OUT_OF_ORDER_CHUNKS_MAX) t.early.set(m.offset, m.data);
    return;
  }
  extend(c, t, m.offset, m.data);
  for (let more = true; more; ) {
    more = false;
    for (const [offset, data] of t.early) {
      if (offset > t.receivedBytes) continue;
      t.early.delete(offset);
      more = extend(c, t, offset, data) || more;
    }
  }
}

/** Append the bytes of [offset, offset + data.length) past receivedBytes; whether there were any. */
function extend(c: Core, t: IncomingSnapshot, offset: number, data: Uint8Array): boolean {
  const end = offset + data.length;
  if (end <= t.receivedBytes) return false; // a duplicate
  const fresh = data.subarray(t.receivedBytes - offset);
  t.parts.push(fresh);
  t.receivedBytes = end;
  t.runningChecksum = c.cfg.checksum(fresh, t.runningChecksum);
  return true;
}

function install(c: Core, s: Snapshot & { membership: Membership }): void {
  c.installSnapshot(s);
  c.transfer.snapshotsInstalled++;
  c.verifiedZxid = maxZxid(c.verifiedZxid, s.zxid);
  sendAck(c, true);
}
