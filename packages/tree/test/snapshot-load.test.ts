// The snapshot loader's parent lookup (from the previous record when it can) and the store's
// owner column (kept only for nodes that have an owner), on hand-made snapshots of both
// formats: whatever order the records come in, a node loads under its true parent or the
// load is refused; node columns that disagree with each other are refused.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { Encoder } from "cbor-x";
import { DecodeError } from "@warden/protocol";
import { DataTree, loadSnapshotSync, serializeSnapshot, treeDigest } from "@warden/tree";
import { NodeStore } from "../src/store.js";
import { Harness } from "./harness.js";
import { propertyRuns } from "../../testing/src/sizes.js";

const cbor = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false, variableMapSize: true });
const OPEN = [[31, "world", "anyone"]];

function frame(value: unknown): Uint8Array {
  const body = cbor.encode(value);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/**
 * A snapshot of the given paths in the given order, one frame per `perFrame` nodes: format 1
 * (a record per node, still read) or format 2 (columns, written since), made here by hand.
 */
function snapshotOf(paths: string[], perFrame = 100, owners: Record<string, bigint> = {}, format: 1 | 2 = 1): Uint8Array[] {
  const frames = [frame(format === 1 ? ["warden-tree", 1, 7n] : ["warden-tree", 2, 7n, paths.length])];
  for (let i = 0; i < paths.length; i += perFrame) {
    const slice = paths.slice(i, i + perFrame);
    frames.push(frame(format === 1 ? slice.map((p, k) => record(p, i + k, owners)) : nodeColumns(slice, i, owners)));
  }
  frames.push(frame(["end", paths.length, []]));
  return frames;
}

function record(p: string, i: number, owners: Record<string, bigint>): unknown[] {
  return [p, new Uint8Array([i & 0xff]), i === 0 ? OPEN : 0, 1, 1, 1, 5, 5, 0, 0, 0, owners[p] ?? 0n];
}

/** Format 2's node frame (snapshot-columns.ts) for `paths`, the first at stream index `first`. */
function nodeColumns(paths: string[], first: number, owners: Record<string, bigint>): unknown[] {
  const fixed = new DataView(new ArrayBuffer(paths.length * 56));
  const lengths = new DataView(new ArrayBuffer(paths.length * 4));
  const owned = paths.flatMap((p, k) => (owners[p] ? [[k, owners[p]] as const] : []));
  const ownerBytes = new DataView(new ArrayBuffer(owned.length * 12));
  paths.forEach((_, k) => {
    [1, 1, 1, 5, 5].forEach((v, j) => fixed.setFloat64(k * 56 + 8 * j, v, true));
    lengths.setInt32(4 * k, 1, true);
  });
  owned.forEach(([k, owner], j) => {
    ownerBytes.setUint32(12 * j, k, true);
    ownerBytes.setBigUint64(12 * j + 4, owner, true);
  });
  const data = new Uint8Array(paths.map((_, k) => (first + k) & 0xff));
  const acls = first === 0 ? [OPEN] : [];
  return ["n", paths, u8(fixed), u8(lengths), data, acls, u8(ownerBytes)];
}

const u8 = (v: DataView): Uint8Array => new Uint8Array(v.buffer);

/** The paths of a snapshot's node records, in order. */
function pathsIn(frames: Iterable<Uint8Array>): string[] {
  const paths: string[] = [];
  for (const f of frames) {
    const value = cbor.decode(f.subarray(4)) as unknown[];
    if (value[0] === "n") paths.push(...(value[1] as string[]));
    else if (Array.isArray(value[0])) for (const record of value as unknown[][]) paths.push(record[0] as string);
  }
  return paths;
}

describe("snapshot loading", () => {
  it("puts each node under its parent, whether the parent is the previous record, its parent, or further back", () => {
    const paths = ["/", "/a", "/a/b", "/a/b/c", "/a/bc", "/ab", "/ab/x", "/a/b/d", "/a/e", "/z", "/a/b/c/q"];
    for (const [perFrame, format] of [
      [1, 1],
      [2, 1],
      [100, 1],
      [1, 2],
      [2, 2],
      [100, 2],
    ] as const) {
      const tree = loadSnapshotSync(snapshotOf(paths, perFrame, {}, format));
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
      for (const format of [1, 2] as const) {
        expect(() => loadSnapshotSync(snapshotOf(paths, 100, {}, format)), paths.join(" ")).toThrow(/before its parent/);
      }
    }
  });

  it("refuses a duplicate node and a first node other than /", () => {
    for (const format of [1, 2] as const) {
      expect(() => loadSnapshotSync(snapshotOf(["/", "/a", "/a"], 100, {}, format))).toThrow(DecodeError);
      expect(() => loadSnapshotSync(snapshotOf(["/", "/a", "/a/b", "/a"], 2, {}, format))).toThrow(/duplicate/);
      // Found where the loader indexes early (a node out of depth-first order), and after it.
      expect(() => loadSnapshotSync(snapshotOf(["/", "/a", "/b", "/b", "/a/c"], 100, {}, format))).toThrow(/duplicate node \/b/);
      expect(() => loadSnapshotSync(snapshotOf(["/", "/a", "/b", "/a/c", "/b"], 100, {}, format))).toThrow(/duplicate node \/b/);
      expect(() => loadSnapshotSync(snapshotOf(["/a", "/"], 100, {}, format))).toThrow(DecodeError);
    }
  });

  it("refuses node columns that disagree: lengths, data, ACL references, owners", () => {
    const paths = ["/", "/a", "/a/b", "/c"];
    const owners = { "/a/b": 9n, "/c": 10n };
    expect(loadSnapshotSync(snapshotOf(paths, 100, owners, 2)).exists("/c")!.ephemeralOwner).toBe(10n);
    const mutated = (change: (columns: unknown[]) => void): Uint8Array[] => {
      const frames = snapshotOf(paths, 100, owners, 2);
      const columns = cbor.decode(frames[1]!.subarray(4)) as unknown[];
      change(columns);
      frames[1] = frame(columns);
      return frames;
    };
    const bytes = (i: number) => (c: unknown[]) => c[i] as Uint8Array;
    const cases: [string, (c: unknown[]) => void, RegExp][] = [
      ["a column too few", (c) => c.pop(), /node columns/],
      ["no paths", (c) => (c[1] = []), /node paths/],
      ["a path that is not a string", (c) => ((c[1] as unknown[])[2] = 7), /node path/],
      ["fields one byte short", (c) => (c[2] = bytes(2)(c).subarray(1)), /node fields/],
      ["a data length too few", (c) => (c[3] = bytes(3)(c).subarray(4)), /node data lengths/],
      ["data longer than its lengths", (c) => (c[4] = new Uint8Array(5)), /longer than its lengths/],
      ["data shorter than its lengths", (c) => (c[4] = new Uint8Array(3)), /node data/],
      ["a data length below -1", (c) => new DataView(bytes(3)(c).buffer, bytes(3)(c).byteOffset).setInt32(4, -2, true), /node data/],
      [
        "an unknown ACL",
        (c) => new DataView(bytes(2)(c).buffer, bytes(2)(c).byteOffset).setInt32(56 + 52, 3, true),
        /unknown ACL reference 3/,
      ],
      ["no ACL list at all", (c) => (c[5] = []), /unknown ACL reference 0/],
      ["owners out of order", (c) => new DataView(bytes(6)(c).buffer, bytes(6)(c).byteOffset).setUint32(12, 1, true), /out of order/],
      [
        "an owner past the last node",
        (c) => new DataView(bytes(6)(c).buffer, bytes(6)(c).byteOffset).setUint32(12, 4, true),
        /past the frame/,
      ],
      ["an owner column cut inside an entry", (c) => (c[6] = bytes(6)(c).subarray(1)), /node owners/],
      ["a zxid that is not an integer", (c) => new DataView(bytes(2)(c).buffer, bytes(2)(c).byteOffset).setFloat64(56, 0.5, true), /zxids/],
    ];
    for (const [what, change, error] of cases) expect(() => loadSnapshotSync(mutated(change)), what).toThrow(error);
  });

  it("checks each node's name after its parent's path: an invalid one is refused wherever it is", () => {
    const invalid = [
      ["/", "/a", "/a/."],
      ["/", "/a", "/a/.."],
      ["/", "/a", "/a/"],
      ["/", "/a", "/a//b"],
      ["/", "/a\u0000"],
      ["/", "/a", "/a/b\u0001c"],
      ["/", "/a", "/b", "/a/\ud800"], // found through the path index (out of depth-first order)
      ["/", "a"],
      ["/", "/a", "a/b"],
      ["/", `/${"x".repeat(4096)}`],
    ];
    for (const paths of invalid) {
      for (const format of [1, 2] as const)
        expect(() => loadSnapshotSync(snapshotOf(paths, 2, {}, format)), JSON.stringify(paths)).toThrow(DecodeError);
    }
    for (const format of [1, 2] as const) {
      const odd = ["/", "/...", "/.a", "/a b", "/a b/\u00e9", "/a b/..x"];
      expect(loadSnapshotSync(snapshotOf(odd, 2, {}, format)).nodeCount).toBe(odd.length);
    }
  });

  it("finds every node it loaded by its path, whatever the order and frames (hashes made while loading)", () => {
    // A tree as a list of (parent index, name): node i's parent comes before it.
    const nameChar = fc.constantFrom("a", "b", ".", "\u00e9", "\u4e00", "0", " ");
    const node = fc.tuple(
      fc.nat(),
      fc.array(nameChar, { minLength: 1, maxLength: 3 }).map((cs) => cs.join("")),
    );
    fc.assert(
      fc.property(fc.array(node, { maxLength: 120 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), (nodes, perFrame, depthFirst) => {
        const paths = ["/"];
        const seen = new Set(paths);
        for (const [parent, name] of nodes) {
          const base = paths[parent % paths.length]!;
          const p = base === "/" ? `/${name}` : `${base}/${name}`;
          if (name === "." || name === ".." || seen.has(p)) continue;
          seen.add(p);
          paths.push(p);
        }
        // Creation order has parents first but is mostly not depth first (the loader's fallback).
        const order = depthFirst ? [...paths].sort((x, y) => (x.split("/").join("\u0000") < y.split("/").join("\u0000") ? -1 : 1)) : paths;
        for (const format of [1, 2] as const) {
          const tree = loadSnapshotSync(snapshotOf(order, perFrame, {}, format));
          expect(tree.nodeCount).toBe(paths.length);
          for (const p of paths) expect(tree.exists(p), p).toBeDefined();
          for (const p of paths) expect(tree.exists(`${p === "/" ? "" : p}/x!`)).toBeUndefined();
        }
      }),
      propertyRuns(150),
    );
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
    for (const format of [1, 2] as const) {
      const loaded = loadSnapshotSync(snapshotOf(["/", "/e", "/p"], 100, { "/e": 0x1234_5678_9abc_def0n }, format));
      expect(loaded.exists("/e")!.ephemeralOwner).toBe(0x1234_5678_9abc_def0n);
      expect(loaded.exists("/p")!.ephemeralOwner).toBe(0n);
    }

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

describe("room for the replay after a load", () => {
  // A restart loads the newest snapshot, then replays the log after it: at most a node per
  // entry. Growing the columns half way copies every one of them (110-150 ms at 1M znodes).
  function replayAfterLoad(replayTo: (snapshotZxid: bigint, lastZxid: bigint) => bigint | undefined): number {
    const h = new Harness();
    h.create("/a");
    for (let i = 0; i < 2000; i++) h.create(`/a/n${i}`);
    const snapshotZxid = h.zxid;
    const chunks = [...serializeSnapshot(h.tree)];
    const before = h.txns.length;
    for (let i = 0; i < 800; i++) h.create(`/a/m${i}`);
    const tree = loadSnapshotSync(chunks, { replayTo: replayTo(snapshotZxid, h.zxid) });
    const grow = vi.spyOn(NodeStore.prototype as unknown as { grow(): void }, "grow");
    try {
      for (const txn of h.txns.slice(before)) tree.apply(txn);
      expect(treeDigest(tree)).toBe(treeDigest(h.tree));
      return grow.mock.calls.length;
    } finally {
      grow.mockRestore();
    }
  }

  it("a load told the log's last zxid reserves a node per entry after the snapshot: the replay never grows the columns", () => {
    expect(replayAfterLoad((_, last) => last)).toBe(0);
  });

  it("a last zxid far ahead (a long tail, mostly sets) reserves at most as many again as the snapshot holds", () => {
    const h = new Harness();
    for (let i = 0; i < 100; i++) h.create(`/n${i}`);
    const reserve = vi.spyOn(NodeStore.prototype, "reserve");
    try {
      loadSnapshotSync([...serializeSnapshot(h.tree)], { replayTo: h.zxid + 2n ** 31n });
      const [[count, slack]] = reserve.mock.calls as [[number, number]];
      expect(count).toBeGreaterThan(100);
      expect(slack).toBe(count);
    } finally {
      reserve.mockRestore();
    }
  });

  it("without it, or with a last zxid of another epoch (not a count of entries), an eighth more room only", () => {
    expect(replayAfterLoad(() => undefined)).toBeGreaterThan(0);
    expect(replayAfterLoad((snapshot) => (1n << 32n) + snapshot)).toBeGreaterThan(0);
  });
});
