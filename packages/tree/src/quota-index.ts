// The quotas of a tree (ZooKeeper's pTrie and updateQuotaStat): the paths with a limits node
// under /zookeeper/quota, each with the count and bytes of the nodes it covers, kept current by
// every change apply() makes and written into its zookeeper_stats node at the end of the txn.
//
// A node is covered by its deepest quota path at or above it (/a covers /a itself). Nested
// quotas (only a raw client can make them: zkCli refuses) split the subtree: /a's stats leave
// out /a/b's subtree when /a/b has a quota of its own, so the stats always equal a recount.
// Cost: nothing while no quota exists; otherwise one map lookup per distinct length of a quota
// path that ends at a `/` of the changed path (bounded by the path's length).
import {
  formatQuotaStats,
  isQuotaTarget,
  parentPath,
  parseStatsTrack,
  quotaNodeOf,
  quotaStatPath,
  type StatsTrack,
} from "@warden/protocol";
import type { NodeStore } from "./store.js";

export interface QuotaRoot {
  readonly path: string;
  readonly statPath: string;
  /** Nodes covered (the quota path itself included) and the bytes of their data. */
  count: number;
  bytes: number;
  /** The limits node's data, parsed. */
  limits: StatsTrack;
}

export class QuotaIndex {
  private readonly roots = new Map<string, QuotaRoot>();
  /** Distinct lengths of the quota paths, longest first, and how many paths have each. */
  private lengths: number[] = [];
  private readonly lengthUses = new Map<number, number>();
  /** Roots whose stats node must be rewritten at the end of the txn. */
  private readonly dirty = new Set<QuotaRoot>();

  constructor(private readonly store: NodeStore) {}

  get size(): number {
    return this.roots.size;
  }

  /** The quota paths, with their stats and limits (do not mutate). */
  entries(): IterableIterator<QuotaRoot> {
    return this.roots.values();
  }

  get(path: string): QuotaRoot | undefined {
    return this.roots.get(path);
  }

  /** The deepest quota at or above `path` (ZooKeeper's getMaxPrefixWithQuota). */
  rootOf(path: string): QuotaRoot | undefined {
    if (this.roots.size === 0) return undefined;
    for (const length of this.lengths) {
      if (length > path.length) continue;
      if (length === path.length) {
        const r = this.roots.get(path);
        if (r !== undefined) return r;
      } else if (path.charCodeAt(length) === 47 /* / */) {
        const r = this.roots.get(path.slice(0, length));
        if (r !== undefined) return r;
      }
    }
    return undefined;
  }

  // ---- changes, called by DataTree (only when a quota exists or the path is under /zookeeper/quota)

  /** A node was created (`replaced`: a replayed create met it, holding `oldBytes`). */
  created(path: string, id: number, bytes: number, replaced: boolean, oldBytes: number): void {
    const root = this.rootOf(path);
    if (root !== undefined) {
      if (!replaced) root.count++;
      root.bytes += bytes - (replaced ? oldBytes : 0);
      this.dirty.add(root);
    }
    this.quotaNodeChanged(path, id);
  }

  /** A node holding `bytes` was removed. */
  deleted(path: string, bytes: number): void {
    const root = this.rootOf(path);
    if (root !== undefined) {
      root.count--;
      root.bytes -= bytes;
      this.dirty.add(root);
    }
    const q = quotaNodeOf(path);
    if (q?.kind === "limits") this.removeRoot(q.target);
  }

  /** A node's data went from `oldBytes` to `bytes`. */
  dataChanged(path: string, id: number, oldBytes: number, bytes: number): void {
    const root = this.rootOf(path);
    if (root !== undefined && bytes !== oldBytes) {
      root.bytes += bytes - oldBytes;
      this.dirty.add(root);
    }
    this.quotaNodeChanged(path, id);
  }

  /** Writes the stats of every root changed by this txn into its stats node (when it exists). */
  flush(): void {
    if (this.dirty.size === 0) return;
    for (const root of this.dirty) {
      const id = this.store.idOf(root.statPath);
      // ZooKeeper writes the data only: no version, mzxid or watch moves.
      if (id >= 0) this.store.setDataLatin1(id, formatQuotaStats(root.count, root.bytes));
    }
    this.dirty.clear();
  }

  /** After a snapshot is loaded: every limits node under /zookeeper/quota becomes a root, counted afresh. */
  rebuild(quotaRootId: number): void {
    const stack = quotaRootId >= 0 ? [quotaRootId] : [];
    const found: Array<{ target: string; id: number }> = [];
    while (stack.length > 0) {
      const id = stack.pop()!;
      const q = quotaNodeOf(this.store.path(id));
      if (q?.kind === "limits") found.push({ target: q.target, id });
      if (this.store.childCount(id) > 0) stack.push(...this.store.childIds(id));
    }
    for (const { target, id } of found) this.addRoot(target, this.store.data(id));
    this.flush();
  }

  private quotaNodeChanged(path: string, id: number): void {
    const q = quotaNodeOf(path);
    if (q === undefined) return;
    const root = this.roots.get(q.target);
    if (q.kind === "limits") {
      if (root === undefined) this.addRoot(q.target, this.store.data(id));
      else root.limits = parseStatsTrack(this.store.data(id));
    } else if (root !== undefined) {
      // A client's write to the stats node is replaced by the true stats (ZooKeeper recounts on create).
      this.dirty.add(root);
    }
  }

  private addRoot(target: string, limitsData: string | null): void {
    if (!isQuotaTarget(target) || this.roots.has(target)) return;
    const outer = this.rootOf(target);
    const { count, bytes } = this.recount(target);
    if (outer !== undefined) {
      outer.count -= count;
      outer.bytes -= bytes;
      this.dirty.add(outer);
    }
    const root: QuotaRoot = { path: target, statPath: quotaStatPath(target), count, bytes, limits: parseStatsTrack(limitsData) };
    this.roots.set(target, root);
    this.useLength(target.length, 1);
    this.dirty.add(root);
  }

  private removeRoot(target: string): void {
    const root = this.roots.get(target);
    if (root === undefined) return;
    this.roots.delete(target);
    this.useLength(target.length, -1);
    this.dirty.delete(root);
    const outer = this.rootOf(parentPath(target));
    if (outer !== undefined) {
      outer.count += root.count;
      outer.bytes += root.bytes;
      this.dirty.add(outer);
    }
  }

  /** Nodes and bytes under `target` (itself included), leaving out subtrees with a quota of their own. */
  recount(target: string): { count: number; bytes: number } {
    const s = this.store;
    const start = s.idOf(target);
    let count = 0;
    let bytes = 0;
    const stack = start >= 0 ? [start] : [];
    while (stack.length > 0) {
      const id = stack.pop()!;
      count++;
      bytes += s.dataLength(id);
      if (s.childCount(id) === 0) continue;
      for (const c of s.childIds(id)) if (!this.roots.has(s.path(c))) stack.push(c);
    }
    return { count, bytes };
  }

  private useLength(length: number, delta: number): void {
    const uses = (this.lengthUses.get(length) ?? 0) + delta;
    if (uses === 0) this.lengthUses.delete(length);
    else this.lengthUses.set(length, uses);
    this.lengths = [...this.lengthUses.keys()].sort((a, b) => b - a);
  }
}
