// The tree as the leader's Preparer sees it: the applied tree plus the changes of txns
// prepared but not yet applied (ZooKeeper's outstandingChanges), as one record per path.
import type { ACL } from "@warden/protocol";
import { AVERSION, CVERSION, MTIME, VERSION } from "./store.js";
import type { DataTree } from "./tree.js";

/** A path's state after all prepared txns. `exists: false` for a prepared delete. */
export interface PendingNode {
  exists: boolean;
  version: number;
  cversion: number;
  aversion: number;
  owner: bigint;
  childCount: number;
  acl: readonly ACL[];
  mtime: number;
  /** Bytes of data (for quotas). */
  dataLength: number;
}

const MISSING: PendingNode = Object.freeze({
  exists: false,
  version: 0,
  cversion: 0,
  aversion: 0,
  owner: 0n,
  childCount: 0,
  acl: [],
  mtime: 0,
  dataLength: 0,
});

export function nodeFromTree(tree: DataTree, path: string): PendingNode {
  const id = tree.idOf(path);
  if (id < 0) return MISSING;
  const s = tree.store;
  return {
    exists: true,
    version: s.int(id, VERSION),
    cversion: s.int(id, CVERSION),
    aversion: s.int(id, AVERSION),
    owner: s.owner(id),
    childCount: s.childCount(id),
    acl: tree.aclOf(id),
    mtime: s.num(id, MTIME),
    dataLength: s.dataLength(id),
  };
}

/** Up to this many changes are found by a scan; more (a large multi) get a Map index. */
const SCAN_CHANGES_MAX = 8;

/**
 * One request's changes over the pending ones and the tree: reads go through the changes,
 * then `pending`, then the tree; writes go to the changes. One Overlay is reused for every
 * request (clear() between), so a request allocates no map of its own; its arrays keep
 * their capacity (setting an array's length to 0 would free it, and the next push allocate).
 */
export class Overlay {
  /** The changed paths, each once, in first-change order, in [0, count); nodes[i] is paths[i]'s state. */
  readonly paths: string[] = [];
  readonly nodes: PendingNode[] = [];
  count = 0;
  private index: Map<string, number> | undefined;

  constructor(
    private readonly tree: DataTree,
    private readonly pending: { readonly size: number; get(path: string): PendingNode | undefined },
  ) {}

  get(path: string): PendingNode {
    const i = this.find(path);
    if (i >= 0) return this.nodes[i]!;
    if (this.pending.size > 0) {
      const p = this.pending.get(path);
      if (p !== undefined) return p;
    }
    return nodeFromTree(this.tree, path);
  }

  set(path: string, node: PendingNode): void {
    const i = this.find(path);
    if (i >= 0) {
      this.nodes[i] = node;
      return;
    }
    const n = this.count++;
    this.paths[n] = path;
    this.nodes[n] = node;
    if (this.index !== undefined) this.index.set(path, n);
    else if (this.count > SCAN_CHANGES_MAX) this.index = new Map(this.paths.slice(0, this.count).map((p, j) => [p, j]));
  }

  /** Drops every change (a failed multi, or the start of the next request). */
  clear(): void {
    this.count = 0;
    this.index = undefined;
  }

  private find(path: string): number {
    if (this.index !== undefined) return this.index.get(path) ?? -1;
    const paths = this.paths;
    for (let i = 0; i < this.count; i++) if (paths[i] === path) return i;
    return -1;
  }
}
