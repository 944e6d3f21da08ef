// The leader's side of snapshot transfer: a follower behind the log window is sent the one
// snapshot the leader holds, in chunks of snapshotChunkBytes, at most snapshotWindowChunks
// unacknowledged at a time; lost chunks are sent again from the follower's cumulative
// acknowledgement. See the README ("Snapshot transfer") for the rules and why.
import type { Zxid } from "@warden/protocol";
import type { Core, Progress } from "./core.js";
import { assert } from "./errors.js";
import type { Membership, Snapshot, SnapshotAck } from "./types.js";

/** The leader's snapshot, shared by every transfer: one copy per leader, whatever the followers. */
export class OutgoingSnapshot {
  readonly zxid: Zxid;
  readonly totalBytes: number;
  readonly checksum: number;
  /** The configuration in force at zxid, sent with every chunk. */
  readonly membership: Membership;
  private readonly parts: readonly Uint8Array[];
  /** partEnds[i]: the offset just after parts[i]. */
  private readonly partEnds: number[] = [];

  constructor(s: Snapshot, membership: Membership, checksum: (data: Uint8Array, previous: number) => number) {
    this.zxid = s.zxid;
    this.membership = membership;
    this.parts = s.parts.filter((p) => p.length > 0);
    let total = 0;
    let sum = 0;
    for (const p of this.parts) {
      total += p.length;
      sum = checksum(p, sum);
      this.partEnds.push(total);
    }
    assert(total > 0, "an empty snapshot");
    this.totalBytes = total;
    this.checksum = sum;
  }

  /** Up to `bytesMax` bytes from `offset`: a view when they lie in one part, else one copy. */
  chunk(offset: number, bytesMax: number): Uint8Array {
    assert(offset >= 0 && offset < this.totalBytes, "chunk offset outside the snapshot");
    const end = Math.min(offset + bytesMax, this.totalBytes);
    let i = this.partIndex(offset);
    const start = offset - (this.partEnds[i]! - this.parts[i]!.length);
    if (end <= this.partEnds[i]!) return this.parts[i]!.subarray(start, start + end - offset);
    const out = new Uint8Array(end - offset);
    let filled = 0;
    for (let from = start; filled < out.length; i++, from = 0) {
      const take = this.parts[i]!.subarray(from, from + out.length - filled);
      out.set(take, filled);
      filled += take.length;
    }
    return out;
  }

  /** The part holding byte `offset` (binary search over the parts' ends). */
  private partIndex(offset: number): number {
    let lo = 0;
    let hi = this.partEnds.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.partEnds[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Start (or restart) sending p the leader's snapshot; without a usable one (none, or older than
 * the log window), ask the host for one (Ready.snapshotWanted) and stay as we are meanwhile.
 * Not to a follower silent since the last check-quorum round (it may be down): it gets a
 * heartbeat, and a transfer once it answers, so that a follower that stays down holds no
 * snapshot in the leader's memory.
 */
export function startSnapshot(c: Core, p: Progress): void {
  if (!p.recentActive && p.state === "probe") {
    if (!p.probeSent) c.heartbeatTo(p);
    p.probeSent = true;
    return;
  }
  const s = c.outgoingSnapshot;
  if (s === null || s.zxid < c.log.baseZxid) {
    c.snapshotWanted = c.log.baseZxid;
    return;
  }
  p.state = "snapshot";
  p.inflight = [];
  p.snapshotZxid = s.zxid;
  p.snapshotTotalBytes = s.totalBytes;
  p.snapshotSentBytes = 0;
  p.snapshotAckedBytes = 0;
  p.snapshotLowAckBytes = -1;
  p.snapshotTicks = 0;
  c.transfer.transfersStarted++;
  sendSnapshotChunks(c, p);
}

/** Fill p's window with chunks (called when a Ready is built, and when a transfer starts). */
export function sendSnapshotChunks(c: Core, p: Progress): void {
  if (p.snapshotAckedBytes >= p.snapshotTotalBytes) return; // all acknowledged: the follower installs
  const s = c.outgoingSnapshot;
  // Released, replaced, or overtaken by the log's base (the follower would need another one after
  // it): start over, with a newer snapshot if need be.
  if (s === null || s.zxid !== p.snapshotZxid || s.zxid < c.log.baseZxid) return startSnapshot(c, p);
  const chunkBytes = c.cfg.snapshotChunkBytes;
  const windowBytes = chunkBytes * c.cfg.snapshotWindowChunks;
  while (p.snapshotSentBytes < s.totalBytes && p.snapshotSentBytes - p.snapshotAckedBytes < windowBytes) {
    const offset = p.snapshotSentBytes;
    const data = s.chunk(offset, chunkBytes);
    c.send({
      type: "snapshot-chunk",
      from: c.id,
      to: p.id,
      epoch: c.epoch,
      snapshotZxid: s.zxid,
      totalBytes: s.totalBytes,
      checksum: s.checksum,
      offset,
      data,
      membership: s.membership,
    });
    p.snapshotSentBytes = offset + data.length;
    c.transfer.chunksSent++;
  }
}

/**
 * A cumulative acknowledgement. More than before: the window moves on. Less than before: an old
 * acknowledgement overtaken by newer ones (messages may be reordered), or the follower lost what
 * it had (it restarted, or its assembled bytes failed their checksum). Only the lack of progress
 * that follows tells them apart, so the lowest such value waits for the retransmission timer.
 */
export function onSnapshotAck(c: Core, m: SnapshotAck): void {
  const p = c.progress.get(m.from);
  if (c.role !== "leader" || p === undefined) return;
  p.recentActive = true;
  if (p.state !== "snapshot" || m.snapshotZxid !== p.snapshotZxid) return;
  const received = Math.min(m.receivedBytes, p.snapshotTotalBytes);
  if (received > p.snapshotAckedBytes) {
    p.snapshotAckedBytes = received;
    p.snapshotSentBytes = Math.max(p.snapshotSentBytes, received);
    p.snapshotLowAckBytes = -1;
    p.snapshotTicks = 0;
  } else if (received < p.snapshotAckedBytes && (p.snapshotLowAckBytes < 0 || received < p.snapshotLowAckBytes)) {
    p.snapshotLowAckBytes = received;
  }
}

/**
 * A heartbeat round for a follower in state "snapshot". Without progress for a quarter of the
 * election timeout, chunks past what the follower holds are taken as lost and sent again
 * (go-back-N; over TCP they are lost only when a connection breaks), from the lowest
 * acknowledgement heard since the last progress if any. Without progress for the whole election
 * timeout the transfer is abandoned: returns false, and the follower is probed afresh (a new
 * transfer resumes where the follower's bytes end, if it still holds them).
 */
export function snapshotHeartbeat(c: Core, p: Progress): boolean {
  p.snapshotTicks++;
  if (p.snapshotTicks >= c.cfg.electionTicks) return false;
  // At least two rounds: the first may end right after the last progress.
  const retransmitRounds = Math.max(2, Math.floor(c.cfg.electionTicks / (4 * c.cfg.heartbeatTicks)));
  if (p.snapshotTicks % retransmitRounds !== 0) return true;
  if (p.snapshotLowAckBytes >= 0) p.snapshotAckedBytes = p.snapshotLowAckBytes;
  p.snapshotLowAckBytes = -1;
  p.snapshotSentBytes = p.snapshotAckedBytes;
  return true;
}

/**
 * The host's answer to Ready.snapshotWanted. A newer snapshot replaces ours: transfers of the old
 * one not yet fully acknowledged start over with it (the old one is older than the log window,
 * or it would not have been replaced), so the leader holds one snapshot at a time.
 */
export function provideSnapshot(c: Core, s: Snapshot): void {
  if (c.role !== "leader" || s.zxid > c.commitZxid || s.zxid < c.log.baseZxid) return;
  const old = c.outgoingSnapshot;
  if (old === null || s.zxid > old.zxid) c.outgoingSnapshot = new OutgoingSnapshot(s, c.members.at(s.zxid), c.cfg.checksum);
  c.snapshotWanted = null;
  for (const p of c.progress.values()) {
    if (p.state === "snapshot") {
      if (p.snapshotAckedBytes < p.snapshotTotalBytes && p.snapshotZxid !== c.outgoingSnapshot!.zxid) {
        c.transfer.transfersSuperseded++;
        p.snapshotSuperseded = true;
        startSnapshot(c, p);
      }
    } else if (p.sentZxid < c.log.baseZxid) {
      startSnapshot(c, p);
    }
  }
}

/** At a tick: a snapshot no transfer still sends is released (it can be large). */
export function releaseUnusedSnapshot(c: Core): void {
  const s = c.outgoingSnapshot;
  if (s === null) return;
  for (const p of c.progress.values())
    if (p.state === "snapshot" && p.snapshotZxid === s.zxid && p.snapshotAckedBytes < p.snapshotTotalBytes) return;
  c.outgoingSnapshot = null;
}
