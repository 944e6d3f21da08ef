// The recent committed changes of this server's tree, so that a client coming back (to this
// server or after a failover) gets, for its persistent and recursive watches, every event
// they would have fired while it was away: etcd's watch-from-revision, which ZooKeeper
// lacks. Each change is what the tree hands the watch registry (path, event type, zxid, the
// ACLs the events carry); replaying runs the same registry's rules over them, so a replay
// fires exactly what a connected session would have got. Bounded by count and by bytes;
// the oldest transactions go first, whole, so the history always covers a zxid range.
import { AddWatchMode, type ACL, type EventType } from "@warden/protocol";
import { WatchRegistry, type FiredWatch } from "./watches.js";

export interface ChangeHistoryBounds {
  /** Changes kept at most (a txn's changes count one each; 0 keeps none). */
  changesMax: number;
  /** Estimated bytes kept at most (CHANGE_BYTES_OVERHEAD + the path's length per change). */
  bytesMax: number;
}

/** The tree's side: it records every change it makes, in zxid order. */
export interface ChangeSink {
  record(path: string, type: EventType, zxid: number, acl: readonly ACL[], parentAcl: readonly ACL[]): void;
}

/** What one kept change costs beside its path (five array slots and the shared ACL references). */
export const CHANGE_BYTES_OVERHEAD = 64;

const NO_ACL: readonly ACL[] = Object.freeze([]);

/** Recursive watches checked one by one below this many; past it, each ancestor is looked up. */
const RECURSIVE_SCAN_MAX = 8;

/**
 * A cheap test that a change at a path can fire one of these watches (a persistent watch
 * sees its node and its children list; a recursive one its node and everything below), so
 * a replay skips the rest of a long history without running the registry over it.
 */
function relevance(persistent: readonly string[], recursive: readonly string[]): (path: string) => boolean {
  const exact = new Set(persistent);
  const roots = new Set(recursive);
  if (roots.has("/")) return () => true;
  const underRoot = (path: string) => {
    if (roots.size <= RECURSIVE_SCAN_MAX) {
      for (const root of roots) if (path === root || (path.startsWith(root) && path.charCodeAt(root.length) === 47)) return true;
      return false;
    }
    for (let p = path; p.length > 1; p = p.slice(0, p.lastIndexOf("/")) || "/") if (roots.has(p)) return true;
    return false;
  };
  return (path) => exact.has(path) || exact.has(path.slice(0, path.lastIndexOf("/")) || "/") || (roots.size > 0 && underRoot(path));
}

export class ChangeHistory implements ChangeSink {
  private zxids: number[] = [];
  private paths: string[] = [];
  private types: EventType[] = [];
  private acls: (readonly ACL[])[] = [];
  private parentAcls: (readonly ACL[])[] = [];
  private head = 0;
  private bytes = 0;
  /** Every change with a zxid above this one is kept (the tree's zxid when the history began, or the last dropped txn's). */
  private base: number;

  constructor(
    readonly bounds: ChangeHistoryBounds,
    baseZxid: number,
  ) {
    if (!(bounds.changesMax >= 0 && bounds.bytesMax >= 0)) throw new Error(`assertion failed: history bounds ${JSON.stringify(bounds)}`);
    this.base = baseZxid;
  }

  get baseZxid(): bigint {
    return BigInt(this.base);
  }

  get length(): number {
    return this.zxids.length - this.head;
  }

  get byteCount(): number {
    return this.bytes;
  }

  /** Forgets everything: the tree was replaced by a snapshot at `baseZxid`. */
  reset(baseZxid: number): void {
    this.zxids = [];
    this.paths = [];
    this.types = [];
    this.acls = [];
    this.parentAcls = [];
    this.head = 0;
    this.bytes = 0;
    this.base = baseZxid;
  }

  record(path: string, type: EventType, zxid: number, acl: readonly ACL[], parentAcl: readonly ACL[]): void {
    const newest = this.length > 0 ? this.zxids[this.zxids.length - 1]! : this.base;
    if (zxid < newest) throw new Error(`assertion failed: change at zxid ${zxid} recorded after ${newest}`);
    this.zxids.push(zxid);
    this.paths.push(path);
    this.types.push(type);
    this.acls.push(acl);
    this.parentAcls.push(parentAcl);
    this.bytes += CHANGE_BYTES_OVERHEAD + path.length;
    this.evict(zxid);
  }

  /**
   * The events that the persistent watches on `persistent` and the recursive ones on
   * `recursive` would have fired for `sessionId` after `afterZxid`, in zxid order; null when
   * the history no longer reaches back that far (some of those changes are gone).
   */
  replay(sessionId: bigint, afterZxid: bigint, persistent: readonly string[], recursive: readonly string[]): FiredWatch[] | null {
    if (afterZxid < BigInt(this.base)) return null;
    const out: FiredWatch[] = [];
    if (persistent.length === 0 && recursive.length === 0) return out;
    const watches = new WatchRegistry();
    for (const path of persistent) watches.addWatch(sessionId, path, AddWatchMode.PERSISTENT);
    for (const path of recursive) watches.addWatch(sessionId, path, AddWatchMode.PERSISTENT_RECURSIVE);
    const mayFire = relevance(persistent, recursive);
    const after = Number(afterZxid);
    for (let i = this.firstAfter(after); i < this.zxids.length; i++) {
      const path = this.paths[i]!;
      if (!mayFire(path)) continue;
      out.push(...watches.trigger(path, this.types[i]!, BigInt(this.zxids[i]!), this.acls[i]!, this.parentAcls[i]!));
    }
    return out;
  }

  /** Index of the first kept change with a zxid above `zxid` (binary search: zxids never decrease). */
  private firstAfter(zxid: number): number {
    let lo = this.head;
    let hi = this.zxids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.zxids[mid]! <= zxid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops the oldest transactions, whole, while a bound is passed; never the one being recorded (`newest`). */
  private evict(newest: number): void {
    const { changesMax, bytesMax } = this.bounds;
    while (this.length > 0 && (this.length > changesMax || this.bytes > bytesMax)) {
      const oldest = this.zxids[this.head]!;
      if (oldest === newest && changesMax > 0 && bytesMax > 0) break;
      while (this.length > 0 && this.zxids[this.head] === oldest) this.dropOldest();
      this.base = oldest;
    }
    this.compact();
  }

  private dropOldest(): void {
    this.bytes -= CHANGE_BYTES_OVERHEAD + this.paths[this.head]!.length;
    // Let go of the path and ACLs now: the slots themselves go at the next compaction.
    this.paths[this.head] = "";
    this.acls[this.head] = NO_ACL;
    this.parentAcls[this.head] = NO_ACL;
    this.head++;
  }

  /** Amortized O(1): the dropped prefix is cut once it is half of the arrays. */
  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.zxids.length) return;
    this.zxids = this.zxids.slice(this.head);
    this.paths = this.paths.slice(this.head);
    this.types = this.types.slice(this.head);
    this.acls = this.acls.slice(this.head);
    this.parentAcls = this.parentAcls.slice(this.head);
    this.head = 0;
  }
}
