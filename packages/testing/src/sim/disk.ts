import type { Entry, HardState, Snapshot } from "@warden/consensus";
import type { Zxid } from "@warden/protocol";
import { ZXID_ZERO } from "@warden/protocol";
import type { Prng } from "./prng.js";

type DiskWrite =
  | { readonly kind: "snapshot"; readonly snapshot: Snapshot }
  | { readonly kind: "truncate"; readonly afterZxid: Zxid }
  | { readonly kind: "append"; readonly entries: readonly Entry[] };

/** What survives a crash. The log holds entries after `snapshot.zxid` only. */
export interface DurableState {
  hardState: HardState;
  snapshot: Snapshot | null;
  log: Entry[];
}

/**
 * One server's disk. HardState is written synchronously (the host fsyncs it before sending
 * messages). Log writes queue up until fsync(); a crash keeps a random prefix of the queued
 * writes (the OS may have flushed some) and loses the rest.
 */
export class SimDisk {
  readonly durable: DurableState = { hardState: { epoch: 0, votedFor: null }, snapshot: null, log: [] };
  private queued: DiskWrite[] = [];
  private readonly queuedMax = 100_000;

  constructor(private readonly prng: Prng) {}

  get hasQueued(): boolean {
    return this.queued.length > 0;
  }

  writeHardState(h: HardState): void {
    this.durable.hardState = h;
  }

  queue(w: DiskWrite): void {
    if (this.queued.length >= this.queuedMax) throw new Error("disk queue over its bound");
    this.queued.push(w);
  }

  /** Make every queued write durable; returns the durable log's last zxid. */
  fsync(): Zxid {
    for (const w of this.queued) this.apply(w);
    this.queued = [];
    return this.lastZxid();
  }

  crash(): void {
    const kept = this.prng.int(this.queued.length + 1);
    for (const w of this.queued.slice(0, kept)) this.apply(w);
    this.queued = [];
  }

  lastZxid(): Zxid {
    const log = this.durable.log;
    return log.length > 0 ? log[log.length - 1]!.zxid : (this.durable.snapshot?.zxid ?? ZXID_ZERO);
  }

  /** A host snapshot of applied (hence durable, committed) state: written synchronously. */
  saveSnapshot(s: Snapshot): void {
    this.durable.snapshot = s;
    this.durable.log = this.durable.log.filter((e) => e.zxid > s.zxid);
  }

  /** Does the durable state hold `zxid` (in the log, or covered by the snapshot)? */
  holds(zxid: Zxid): boolean {
    const snap = this.durable.snapshot?.zxid ?? ZXID_ZERO;
    if (zxid <= snap) return true;
    const log = this.durable.log;
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (log[mid]!.zxid < zxid) lo = mid + 1;
      else hi = mid;
    }
    return lo < log.length && log[lo]!.zxid === zxid;
  }

  private apply(w: DiskWrite): void {
    const d = this.durable;
    if (w.kind === "snapshot") {
      d.snapshot = w.snapshot;
      d.log = [];
    } else if (w.kind === "truncate") {
      d.log = d.log.filter((e) => e.zxid <= w.afterZxid);
    } else {
      const snap = d.snapshot?.zxid ?? ZXID_ZERO;
      for (const e of w.entries) {
        if (e.zxid <= snap) continue; // already covered by a host snapshot
        const last = d.log.length > 0 ? d.log[d.log.length - 1]!.zxid : (d.snapshot?.zxid ?? ZXID_ZERO);
        if (e.zxid <= last) throw new Error(`disk append out of order: ${e.zxid} after ${last}`);
        d.log.push(e);
      }
    }
  }
}
