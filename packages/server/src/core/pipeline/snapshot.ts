// Stage: snapshots between servers. The leader serves its applied tree to a follower too far
// behind for the log; the follower loads it once to check it, then installs that same tree.
import { loadSnapshot, loadSnapshotSync, serializeSnapshot, type DataTree } from "@warden/tree";
import type { Snapshot } from "@warden/consensus";

/**
 * The applied state as a snapshot, in the serializer's frames (never one buffer of the whole
 * tree). The replica counts epoch barriers as applied, the tree only txns: it is labelled with
 * the replica's applied zxid when that is later, or a snapshot wanted right after a barrier is
 * refused as older than the log's base and asked for again, forever (the drain loop spins).
 */
export function snapshotOf(tree: DataTree, appliedZxid: bigint): Snapshot {
  const parts = [...serializeSnapshot(tree)];
  return { zxid: appliedZxid > tree.lastProcessedZxid ? appliedZxid : tree.lastProcessedZxid, parts };
}

export class SnapshotIntake {
  /** The tree a check loaded, kept until its snapshot is installed. */
  private checked: { snapshot: Snapshot; tree: DataTree } | null = null;

  /** Loads a snapshot from a leader before the replica adopts it: null if it loads, else why not. */
  check(snapshot: Snapshot): string | null {
    this.checked = null;
    let tree: DataTree;
    try {
      tree = loadSnapshotSync(snapshot.parts);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    if (tree.lastProcessedZxid > snapshot.zxid) return `its tree is at ${tree.lastProcessedZxid}, past the snapshot's zxid`;
    this.checked = { snapshot, tree };
    return null;
  }

  /** The snapshot's tree: the one its check loaded, or loaded now. */
  async take(snapshot: Snapshot): Promise<DataTree> {
    const checked = this.checked?.snapshot.parts === snapshot.parts ? this.checked.tree : null;
    this.checked = null;
    return checked ?? (await loadSnapshot(snapshot.parts));
  }
}
