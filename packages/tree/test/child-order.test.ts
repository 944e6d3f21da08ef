// The store's record of whether a child list, newest first, is in descending name order
// (NodeStore.childrenDescending): the snapshot writer skips sorting such a list, so a list it
// calls ordered must be, whatever the creates and deletes; and the lists a fill, sequential
// nodes or a load make must be called ordered, or every snapshot sorts them. The container
// parent checks that the order bit and the owner bit share their slot without harm.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTAINER_EPHEMERAL_OWNER } from "@warden/protocol";
import { loadSnapshotSync, serializeSnapshot } from "@warden/tree";
import { Harness } from "./harness.js";

const PARENT = "/p";

function childPaths(h: Harness, parent: string): string[] {
  const s = h.tree.store;
  return s.childIds(s.idOf(parent)).map((id) => s.path(id));
}

function descending(paths: string[]): boolean {
  return paths.every((p, i) => i === 0 || paths[i - 1]! > p);
}

/** The paths a snapshot writes, in order. */
function snapshotOrder(h: Harness): string[] {
  const loaded = loadSnapshotSync([...serializeSnapshot(h.tree, { frameBytesTarget: 100 })]);
  const out: string[] = [];
  const visit = (path: string) => {
    out.push(path);
    for (const c of childPaths({ tree: loaded } as Harness, path).reverse()) visit(c);
  };
  visit("/");
  return out;
}

describe("child order", () => {
  it("a list called descending is, after any creates and deletes; a snapshot writes children sorted either way", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 120 }), (container, ops) => {
        const h = new Harness();
        h.create(PARENT, "", container ? 4 : 0);
        const live = new Set<number>();
        for (const [create, k] of ops) {
          const path = `${PARENT}/c${String(k).padStart(2, "0")}`;
          if (create && !live.has(k)) {
            expect(h.create(path).err).toBe(0);
            live.add(k);
          } else if (!create && live.has(k)) {
            expect(h.write({ type: "delete", path, version: -1 }).err).toBe(0);
            live.delete(k);
          } else continue;
          const s = h.tree.store;
          const paths = childPaths(h, PARENT);
          if (s.childrenDescending(s.idOf(PARENT))) expect(descending(paths)).toBe(true);
          expect(h.tree.exists(PARENT)!.ephemeralOwner).toBe(container ? CONTAINER_EPHEMERAL_OWNER : 0n);
        }
        const sorted = [...live].sort((a, b) => a - b).map((k) => `${PARENT}/c${String(k).padStart(2, "0")}`);
        expect(snapshotOrder(h).filter((p) => p.startsWith(PARENT))).toEqual([PARENT, ...sorted]);
      }),
      { numRuns: 300 },
    );
  });

  it("children created in name order, sequential children, a loaded tree and an emptied list are called descending", () => {
    const h = new Harness();
    h.create(PARENT);
    h.create("/q");
    h.create("/r");
    const s = h.tree.store;
    for (let i = 0; i < 50; i++) h.create(`${PARENT}/n${String(i).padStart(4, "0")}`);
    for (let i = 0; i < 50; i++) h.create("/q/lock-", "", 2); // persistent sequential
    h.create("/r/b");
    h.create("/r/a");
    expect(s.childrenDescending(s.idOf(PARENT))).toBe(true);
    expect(s.childrenDescending(s.idOf("/q"))).toBe(true);
    expect(s.childrenDescending(s.idOf("/r"))).toBe(false);
    // Deleting the oldest (a queue, a lock's holders) keeps the order.
    for (let i = 0; i < 10; i++) h.write({ type: "delete", path: `${PARENT}/n${String(i).padStart(4, "0")}`, version: -1 });
    expect(s.childrenDescending(s.idOf(PARENT))).toBe(true);
    const loaded = loadSnapshotSync([...serializeSnapshot(h.tree)]);
    expect(loaded.store.childrenDescending(loaded.store.idOf("/r"))).toBe(true);
    h.write({ type: "delete", path: "/r/a", version: -1 });
    h.write({ type: "delete", path: "/r/b", version: -1 });
    expect(s.childrenDescending(s.idOf("/r"))).toBe(true);
  });
});
