// ZooKeeper-level invariants of one server's tree, checked after every batch it applies
// (cheap: a few registers and the ephemerals under /e). Sequential names are checked on the
// committed history by the model (tree-model.ts), where a repeat is seen once for everyone.
import { formatZxid } from "@warden/protocol";
import { SimViolation } from "./history.js";
import type { SimNode } from "./node.js";
import type { TreeMachine } from "./tree-machine.js";
import { REGISTER_PREFIX } from "./tree-clients.js";

export class TreeInvariants {
  /** Per node and generation (a restart reloads an older state): each register's last version. */
  private readonly versions = new Map<number, { generation: number; byPath: Map<string, number> }>();

  constructor(private readonly registers: number) {}

  /** The node's state was replaced by a snapshot: its versions start over from it. */
  restored(n: SimNode): void {
    this.versions.delete(n.id);
  }

  check(n: SimNode): void {
    const tree = (n.machine as TreeMachine).node.tree;
    let seen = this.versions.get(n.id);
    if (seen === undefined || seen.generation !== n.generation) {
      seen = { generation: n.generation, byPath: new Map() };
      this.versions.set(n.id, seen);
    }
    for (let i = 0; i < this.registers; i++) {
      const path = `${REGISTER_PREFIX}${i}`;
      const stat = tree.exists(path);
      if (stat === undefined) continue;
      const before = seen.byPath.get(path) ?? -1;
      if (stat.version < before)
        throw new SimViolation(
          "versions-only-grow",
          `node ${n.id}: ${path} went from version ${before} to ${stat.version} at ${formatZxid(tree.lastProcessedZxid)}`,
        );
      seen.byPath.set(path, stat.version);
    }
    if (tree.exists("/e") === undefined) return;
    for (const child of tree.getChildren("/e")) {
      const owner = tree.exists(`/e/${child}`)!.ephemeralOwner;
      if (owner === 0n || !tree.sessions.has(owner)) {
        throw new SimViolation(
          "ephemeral-owner-is-live",
          `node ${n.id}: /e/${child} owned by 0x${owner.toString(16)}, not a live session of its tree at ${formatZxid(tree.lastProcessedZxid)}`,
        );
      }
    }
  }
}
