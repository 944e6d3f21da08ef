// The snapshot loader's parent lookup (from the previous record when it can) and the store's
// owner column (kept only for nodes that have an owner), on hand-made snapshots: whatever
// order the records come in, a node loads under its true parent or the load is refused.
import { describe, expect, it } from "vitest";
import { Encoder } from "cbor-x";
import { DecodeError } from "@warden/protocol";
import { DataTree, loadSnapshotSync, serializeSnapshot, treeDigest } from "@warden/tree";
import { Harness } from "./harness.js";

const cbor = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false, variableMapSize: true });
const OPEN = [[31, "world", "anyone"]];

function frame(value: unknown): Uint8Array {
  const body = cbor.encode(value);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/** A snapshot of the given paths in the given order, one frame per `perFrame` records. */
function snapshotOf(paths: string[], perFrame = 100, owners: Record<string, bigint> = {}): Uint8Array[] {
  const records = paths.map((p, i) => [p, new Uint8Array([i & 0xff]), i === 0 ? OPEN : 0, 1, 1, 1, 5, 5, 0, 0, 0, owners[p] ?? 0n]);
  const frames = [frame(["warden-tree", 1, 7n])];
  for (let i = 0; i < records.length; i += perFrame) frames.push(frame(records.slice(i, i + perFrame)));
  frames.push(frame(["end", paths.length, []]));
  return frames;
}

/** The paths of a snapshot's node records, in order. */
function pathsIn(frames: Iterable<Uint8Array>): string[] {
  const paths: string[] = [];
  for (const f of frames) {
    const value = cbor.decode(f.subarray(4)) as unknown[];
    if (Array.isArray(value[0])) for (const record of value as unknown[][]) paths.push(record[0] as string);
  }
  return paths;
}

describe("snapshot loading", () => {
  it("puts each node under its parent, whether the parent is the previous record, its parent, or further back", () => {
    const paths = ["/", "/a", "/a/b", "/a/b/c", "/a/bc", "/ab", "/ab/x", "/a/b/d", "/a/e", "/z", "/a/b/c/q"];
    for (const perFrame of [1, 2, 100]) {
      const tree = loadSnapshotSync(snapshotOf(paths, perFrame));
      expect(tree.nodeCount).toBe(paths.length);
      expect(tree.getChildren("/")).toEqual(["a", "ab", "z"]);
      expect(tree.getChildren("/a")).toEqual(["b", "bc", "e"]);
      expect(tree.getChildren("/a/b")).toEqual(["c", "d"]);
      expect(tree.getChildren("/a/b/c")).toEqual(["q"]);
      expect(tree.getChildren("/ab")).toEqual(["x"]);
      expect(tree.getData("/a/b/c/q").data).toEqual(new Uint8Array([10]));
      expect(tree.exists("/a")!.numChildren).toBe(3);
    }
  });

  it("refuses a node whose parent is missing, even when the previous record's path is a prefix of it", () => {
    for (const paths of [
      ["/", "/a", "/ab/c"], // "/a" is a string prefix of the missing "/ab"
      ["/", "/a", "/a/b", "/a/bc/d"], // the sibling's parent "/a" is a prefix of the missing "/a/bc"
      ["/", "/a", "/b/c"],
      ["/", "/a/b"],
    ]) {
      expect(() => loadSnapshotSync(snapshotOf(paths)), paths.join(" ")).toThrow(/before its parent/);
    }
  });

  it("refuses a duplicate node and a first node other than /", () => {
    expect(() => loadSnapshotSync(snapshotOf(["/", "/a", "/a"]))).toThrow(DecodeError);
    expect(() => loadSnapshotSync(snapshotOf(["/", "/a", "/a/b", "/a"]))).toThrow(/duplicate/);
    expect(() => loadSnapshotSync(snapshotOf(["/a", "/"]))).toThrow(DecodeError);
  });

  it("writes nodes depth first in name order, whatever order they were created in", () => {
    const names = ["n10", "n2", "a", "n1", "zz", "b-", "b", "\u00e9", "A"];
    const sorted = [...names].sort();
    const expected = ["/", "/p", ...sorted.flatMap((n) => [`/p/${n}`, `/p/${n}/c`]), "/zookeeper", "/zookeeper/config", "/zookeeper/quota"];
    for (const order of [names, [...names].reverse(), sorted, [...sorted].reverse()]) {
      const h = new Harness();
      h.create("/p");
      for (const name of order) h.create(`/p/${name}`, name);
      for (const name of [...order].reverse()) h.create(`/p/${name}/c`);
      expect(pathsIn(serializeSnapshot(h.tree, { frameBytesTarget: 60 })), order.join(" ")).toEqual(expected);
    }
  });

  it("keeps owners of the nodes that have one, and none for a plain node that reuses an ephemeral's slot", () => {
    const loaded = loadSnapshotSync(snapshotOf(["/", "/e", "/p"], 100, { "/e": 0x1234_5678_9abc_def0n }));
    expect(loaded.exists("/e")!.ephemeralOwner).toBe(0x1234_5678_9abc_def0n);
    expect(loaded.exists("/p")!.ephemeralOwner).toBe(0n);

    const h = new Harness();
    h.session(5n);
    h.create("/eph", "x", 1, 5n);
    h.create("/keep", "y", 1, 5n);
    expect(h.tree.exists("/eph")!.ephemeralOwner).toBe(5n);
    h.write({ type: "delete", path: "/eph", version: -1 }, 5n);
    h.create("/plain", "z"); // takes the freed slot
    expect(h.tree.exists("/plain")!.ephemeralOwner).toBe(0n);
    expect(h.tree.exists("/keep")!.ephemeralOwner).toBe(5n);
    expect(h.tree.getEphemerals(5n)).toEqual(["/keep"]);
    const again = loadSnapshotSync([...serializeSnapshot(h.tree)]);
    expect(again.exists("/plain")!.ephemeralOwner).toBe(0n);
    expect(again.exists("/keep")!.ephemeralOwner).toBe(5n);
    expect(treeDigest(again)).toBe(treeDigest(h.tree));
    expect(new DataTree().exists("/zookeeper")!.ephemeralOwner).toBe(0n);
  });
});
