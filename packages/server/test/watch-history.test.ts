// The change history lives beside the applied tree: it follows the tree through a snapshot
// installed from the leader, so that a gap it never saw is reported, never replayed over.
import { describe, expect, it } from "vitest";
import { OPEN_ACL_UNSAFE } from "@warden/protocol";
import { DataTree, Preparer, serializeSnapshot } from "@warden/tree";
import { WardenNode, type NodeHooks } from "../src/core/node.js";

const bytes = (s: string) => new TextEncoder().encode(s);

/** A tree that has had `count` creates under "/", as a leader's would. */
function treeWith(count: number): DataTree {
  const tree = new DataTree();
  const prep = new Preparer(tree);
  for (let zxid = 1; zxid <= count; zxid++) {
    const txn = prep.prepare(
      { type: "create", path: `/n${zxid}`, data: bytes(""), acl: [...OPEN_ACL_UNSAFE], mode: 0 },
      { sessionId: 1n, identities: [], zxid: BigInt(zxid), timeMs: 0 },
    );
    tree.apply(txn);
    prep.applied(BigInt(zxid));
  }
  return tree;
}

describe("the server's change history", () => {
  it("records what its tree applies, and starts again at a snapshot installed from the leader", async () => {
    const mine = treeWith(3);
    // Nothing but the tree matters here: the hooks are never called.
    const node = new WardenNode({} as NodeHooks, 100, mine, { changesMax: 100, bytesMax: 1 << 20 });
    expect(node.history.baseZxid).toBe(3n);
    const prep = new Preparer(node.tree);
    node.tree.apply(
      prep.prepare({ type: "setData", path: "/n1", data: bytes("x"), version: -1 }, { sessionId: 1n, identities: [], zxid: 4n, timeMs: 0 }),
    );
    expect(node.history.replay(1n, 3n, ["/n1"], [])?.map((f) => f.event.zxid)).toEqual([4n]);

    const leaders = treeWith(10);
    await node.installSnapshot({ zxid: 10n, parts: [...serializeSnapshot(leaders)] });
    expect(node.tree.changes).toBe(node.history);
    expect(node.history.baseZxid).toBe(10n);
    // Changes 5..10 never passed through this server's history: a resume from 4 is a gap.
    expect(node.history.replay(1n, 4n, ["/n1"], ["/"])).toBeNull();
    expect(node.history.replay(1n, 10n, ["/n1"], ["/"])).toEqual([]);
  });
});
