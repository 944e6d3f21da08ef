// A digest of a tree's replicated state (nodes, sessions, lastProcessedZxid): SHA-1 of its
// snapshot, which is deterministic. For tests and simulation: equal digests, equal trees.
import { Sha1, toHex } from "./sha1.js";
import { serializeSnapshot } from "./snapshot.js";
import type { DataTree } from "./tree.js";

export function treeDigest(tree: DataTree): string {
  const h = new Sha1();
  for (const chunk of serializeSnapshot(tree, { transient: true })) h.update(chunk);
  return toHex(h.digest());
}
