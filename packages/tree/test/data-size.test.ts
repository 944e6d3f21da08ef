// approximateDataSize: ZooKeeper's DataTree.approximateDataSize(), the sum over every znode
// of its path's length and its data's length, which mntr reports as zk_approximate_data_size.
import { describe, expect, it } from "vitest";
import { DataTree, loadSnapshotSync, serializeSnapshot } from "@warden/tree";
import { Harness } from "./harness.js";

/** The figure counted the slow way, node by node. */
function counted(tree: DataTree): number {
  let n = 0;
  const visit = (path: string): void => {
    n += path.length + tree.getData(path).data.length;
    for (const child of tree.getChildren(path)) visit(path === "/" ? `/${child}` : `${path}/${child}`);
  };
  visit("/");
  return n;
}

describe("approximateDataSize", () => {
  it("is 44 for the initial tree: the paths /, /zookeeper, /zookeeper/quota and /zookeeper/config", () => {
    expect(new DataTree().approximateDataSize).toBe(44);
  });

  it("is 67 after the nodes ZooKeeper 3.8 reported 67 for (/cap = 'twelve bytes', /cap/e = 'x')", () => {
    const h = new Harness();
    h.session(1n);
    h.create("/cap", "twelve bytes");
    h.create("/cap/e", "x", 1);
    expect(h.tree.approximateDataSize).toBe(67);
  });

  it("follows creates, setData, deletes and a session's end, and survives a snapshot", () => {
    const h = new Harness();
    h.session(1n);
    h.create("/a", "hello");
    h.create("/a/b", "x".repeat(1000));
    h.create("/a/s-", "seq", 2);
    h.create("/e", "eph", 1);
    expect(h.tree.approximateDataSize).toBe(counted(h.tree));
    h.write({ type: "setData", path: "/a/b", data: new Uint8Array(10), version: -1 });
    expect(h.tree.approximateDataSize).toBe(counted(h.tree));
    h.write({ type: "delete", path: "/a/s-0000000001", version: -1 });
    expect(h.tree.approximateDataSize).toBe(counted(h.tree));
    h.write({ type: "closeSession" });
    expect(h.tree.exists("/e")).toBeUndefined();
    expect(h.tree.approximateDataSize).toBe(counted(h.tree));
    const loaded = loadSnapshotSync(serializeSnapshot(h.tree));
    expect(loaded.approximateDataSize).toBe(h.tree.approximateDataSize);
  });
});
