// The Preparer's outstanding changes (ZooKeeper's outstandingChanges): for each path
// changed by a txn prepared but not yet applied, its latest state. Kept as a queue in
// zxid order (three columns) that applied() consumes from the front. A leader usually
// has a few txns in flight: up to SCAN_CHANGES_MAX queued changes are looked up by a scan
// from the newest, with no Map (whose table a set-then-delete per change would reallocate
// each time it empties); past that, a Map from path to its latest state is kept.
import type { PendingNode } from "./overlay.js";

/** Queued changes looked up by a scan; past this a map indexes them. */
const SCAN_CHANGES_MAX = 16;
/** applied() moves the live queue to the front once this much of it is consumed. */
const COMPACT_AFTER = 1024;

export class PendingChanges {
  private readonly zxids: bigint[] = [];
  private readonly paths: string[] = [];
  private readonly nodes: PendingNode[] = [];
  /** The live part of the columns is [head, tail); they keep their capacity. */
  private head = 0;
  private tail = 0;
  /** path -> latest state; only while more than SCAN_CHANGES_MAX changes are queued. */
  private index: Map<string, PendingNode> | undefined;
  /** Distinct paths in the queue, kept while there is no index. */
  private distinct = 0;

  /** Paths with outstanding changes. */
  get size(): number {
    return this.index !== undefined ? this.index.size : this.distinct;
  }

  /** The latest prepared state of `path`, or undefined when no queued txn changed it. */
  get(path: string): PendingNode | undefined {
    if (this.index !== undefined) return this.index.get(path);
    return this.scan(path, this.head);
  }

  /** A change by the txn `zxid`, which is at or above every zxid added before. */
  add(zxid: bigint, path: string, node: PendingNode): void {
    if (this.index !== undefined) this.index.set(path, node);
    else if (this.scan(path, this.head) === undefined) this.distinct++;
    const t = this.tail++;
    this.zxids[t] = zxid;
    this.paths[t] = path;
    this.nodes[t] = node;
    if (this.index === undefined && this.tail - this.head > SCAN_CHANGES_MAX) this.buildIndex();
  }

  /** Forgets the changes of txns at or below `zxid`, unless a later change supersedes them. */
  applied(zxid: bigint): void {
    let h = this.head;
    while (h < this.tail && this.zxids[h]! <= zxid) {
      const path = this.paths[h]!;
      if (this.index !== undefined) {
        if (this.index.get(path) === this.nodes[h]) this.index.delete(path);
      } else if (this.scan(path, h + 1) === undefined) {
        this.distinct--;
      }
      h++;
    }
    this.head = h;
    if (h === this.tail) this.clear();
    else if (h >= COMPACT_AFTER && h * 2 >= this.tail) this.compact();
  }

  clear(): void {
    this.head = this.tail = 0;
    this.index = undefined;
    this.distinct = 0;
  }

  /** Each path with its latest state. */
  entries(): Map<string, PendingNode> {
    const out = new Map<string, PendingNode>();
    for (let i = this.head; i < this.tail; i++) out.set(this.paths[i]!, this.nodes[i]!);
    return out;
  }

  /** The newest queued state of `path` at or after position `from`. */
  private scan(path: string, from: number): PendingNode | undefined {
    for (let i = this.tail - 1; i >= from; i--) if (this.paths[i] === path) return this.nodes[i];
    return undefined;
  }

  private buildIndex(): void {
    this.index = this.entries();
  }

  private compact(): void {
    const h = this.head,
      t = this.tail;
    this.zxids.copyWithin(0, h, t);
    this.paths.copyWithin(0, h, t);
    this.nodes.copyWithin(0, h, t);
    this.head = 0;
    this.tail = t - h;
  }
}
