// Znode data in slabs (data-slab.ts): whatever the sequence of creates, setData and deletes,
// every node reads back its own bytes (null and empty apart, large data kept as strings),
// and the slabs hold at most about twice the live bytes: emptied slabs are dropped and
// holes are compacted away.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DataTree, loadSnapshotSync, serializeSnapshot, treeDigest } from "@warden/tree";
import { DataSlab, ITEM_BYTES_MAX, SLAB_BYTES } from "../src/data-slab.js";
import { Harness, bytes } from "./harness.js";

const MiB = 1024 * 1024;

function fill(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed + i * 31) & 0xff;
  return out;
}

describe("data slabs", () => {
  it("read back every node's data after random creates, setData and deletes, through a snapshot too", () => {
    const sizes = fc.oneof(
      fc.constant(-1),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 300 }),
      fc.constantFrom(ITEM_BYTES_MAX, ITEM_BYTES_MAX + 1, 70_000),
    );
    const op = fc.record({ node: fc.integer({ min: 0, max: 30 }), kind: fc.constantFrom("set", "set", "delete"), size: sizes });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const h = new Harness();
        const model = new Map<string, Uint8Array | null>();
        ops.forEach((o, i) => {
          const path = `/n${o.node}`;
          const data = o.size < 0 ? null : fill(o.size, i);
          if (o.kind === "delete") {
            h.write({ type: "delete", path, version: -1 });
            model.delete(path);
          } else if (model.has(path)) {
            expect(h.write({ type: "setData", path, data, version: -1 }).err).toBe(0);
            model.set(path, data);
          } else {
            expect(h.write({ type: "create", path, data, acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], mode: 0 }).err).toBe(
              0,
            );
            model.set(path, data);
          }
        });
        const loaded = loadSnapshotSync([...serializeSnapshot(h.tree)]);
        for (const tree of [h.tree, loaded]) {
          for (const [path, data] of model) {
            const got = tree.getData(path);
            // Buffer.equals: toEqual walks large arrays element by element.
            expect(got.data === null ? null : Buffer.from(got.data).equals(data ?? Buffer.alloc(0)), path).toBe(
              data === null ? null : true,
            );
            expect(got.stat.dataLength).toBe(data?.length ?? 0);
          }
        }
        expect(treeDigest(loaded)).toBe(treeDigest(h.tree));
        expect(loaded.approximateDataSize).toBe(h.tree.approximateDataSize);
      }),
      { numRuns: 150 },
    );
  });

  it("gives memory back: emptied slabs go, and holes never pass the live bytes by more than the compaction floor", () => {
    const h = new Harness();
    const value = bytes("v".repeat(1000));
    const N = 12_000; // about 11.5 MiB of data
    for (let i = 0; i < N; i++) h.create(`/k${i}`, "");
    for (let i = 0; i < N; i++) h.write({ type: "setData", path: `/k${i}`, data: value, version: -1 });
    const store = h.tree.store;
    expect(store.slabBytes.used).toBe(N * 1002);
    // Overwrite every node a few times: the old copies become holes.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < N; i++) h.write({ type: "setData", path: `/k${i}`, data: value, version: -1 });
      const { allocated, used } = store.slabBytes;
      expect(used).toBe(N * 1002);
      expect(allocated - used).toBeLessThanOrEqual(Math.max(used, 8 * SLAB_BYTES) + SLAB_BYTES);
    }
    // Delete nine in ten, scattered: holes everywhere until compaction.
    for (let i = 0; i < N; i++) if (i % 10 !== 0) h.write({ type: "delete", path: `/k${i}`, version: -1 });
    const { allocated, used } = store.slabBytes;
    expect(used).toBe((N / 10) * 1002);
    expect(allocated).toBeLessThanOrEqual(used + 9 * SLAB_BYTES);
    for (let i = 0; i < N; i += 10) expect(h.tree.getData(`/k${i}`).data).toEqual(value);
    // Delete the rest: every slab but the current one goes.
    for (let i = 0; i < N; i += 10) h.write({ type: "delete", path: `/k${i}`, version: -1 });
    expect(store.slabBytes.used).toBe(0);
    expect(store.slabBytes.allocated).toBeLessThanOrEqual(SLAB_BYTES);
  });

  it("keeps data beyond the item limit out of the slabs and reads an item at the limit back", () => {
    const slab = new DataSlab();
    const big = fill(ITEM_BYTES_MAX + 1, 3);
    expect(slab.add(big, 0, big.length)).toBe(-1);
    const h = slab.add(big, 1, ITEM_BYTES_MAX);
    expect(slab.length(h)).toBe(ITEM_BYTES_MAX);
    const at = DataSlab.start(h);
    expect(slab.slabOf(h).subarray(at, at + ITEM_BYTES_MAX)).toEqual(big.subarray(1));
    const tree = new DataTree();
    expect(tree.nodeCount).toBe(4);
    expect(tree.getData("/zookeeper").data).toEqual(new Uint8Array(0));
    expect(MiB).toBe(SLAB_BYTES);
  });
});
