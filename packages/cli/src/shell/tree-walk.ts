// Walking a subtree breadth first, as ZooKeeper's ZKUtil.listSubTreeBFS does, for `ls -R`,
// `deleteall` and `setAcl -R`. Nodes that vanish during the walk are skipped.
import type { Client } from "@warden/client";
import { NoNodeError, joinPath } from "@warden/client";
import { UsageError } from "./tokenize.js";

/** Nodes one walk visits at most; a larger subtree is refused, not half-handled. */
export const SUBTREE_NODES_MAX = 100_000;

/** `root` and every descendant, parents before children, each depth's children sorted. */
export async function listSubtree(client: Client, root: string): Promise<string[]> {
  await client.exists(root).then((stat) => {
    if (stat === null) throw new NoNodeError(undefined, root);
  });
  const nodes = [root];
  for (let next = 0; next < nodes.length; next++) {
    const parent = nodes[next]!;
    let children: string[];
    try {
      children = await client.getChildren(parent);
    } catch (e) {
      if (e instanceof NoNodeError && parent !== root) continue;
      throw e;
    }
    if (nodes.length + children.length > SUBTREE_NODES_MAX) throw new UsageError(`more than ${SUBTREE_NODES_MAX} nodes under ${root}`);
    for (const child of children.sort()) nodes.push(joinPath(parent, child));
  }
  return nodes;
}
