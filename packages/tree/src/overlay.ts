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
}

const MISSING: PendingNode = Object.freeze({ exists: false, version: 0, cversion: 0, aversion: 0, owner: 0n, childCount: 0, acl: [], mtime: 0 });

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
  };
}

/** Reads through a stack of change maps down to the tree; writes go to the top map. */
export class Overlay {
  readonly changes = new Map<string, PendingNode>();
  constructor(
    private readonly tree: DataTree,
    private readonly below: ReadonlyMap<string, PendingNode>,
  ) {}

  get(path: string): PendingNode {
    return this.changes.get(path) ?? this.below.get(path) ?? nodeFromTree(this.tree, path);
  }

  set(path: string, node: PendingNode): void {
    this.changes.set(path, node);
  }
}
