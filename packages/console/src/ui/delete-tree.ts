// Delete-recursive, as zkCli's deleteall: children first, depth first, each node read once.
import type { Client } from "@warden/client";
import { NoNodeError } from "@warden/protocol";
import { childPath } from "../format.js";

/** Nodes deleted in one call at most (the confirmation named the count; this bounds the walk). */
const DELETE_NODES_MAX = 100_000;

export async function deleteRecursive(client: Client, path: string): Promise<number> {
  let deleted = 0;
  const visit = async (p: string): Promise<void> => {
    let children: string[] = [];
    try {
      children = (await client.getChildren(p)) as string[];
    } catch (e) {
      if (e instanceof NoNodeError) return;
      throw e;
    }
    for (const c of children) await visit(childPath(p, c));
    if (deleted >= DELETE_NODES_MAX) throw new Error(`more than ${DELETE_NODES_MAX} nodes: stopped`);
    try {
      await client.delete(p);
      deleted++;
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
  };
  await visit(path);
  return deleted;
}
