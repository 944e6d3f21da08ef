// The path index against a Map: adds (refused, changing nothing, when the path is present),
// deletes that leave tombstones, reserve() ahead of a load, and rehashes on the way.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PathIndex } from "../src/path-index.js";
import { propertyRuns } from "../../testing/src/sizes.js";

type Op = { kind: "add" | "delete" | "get"; path: string } | { kind: "reserve"; count: number };

const path = fc.integer({ min: 0, max: 3000 }).map((n) => `/p/${n}`);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: path.map((p) => ({ kind: "add" as const, path: p })) },
  { weight: 3, arbitrary: path.map((p) => ({ kind: "delete" as const, path: p })) },
  { weight: 2, arbitrary: path.map((p) => ({ kind: "get" as const, path: p })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5000 }).map((count) => ({ kind: "reserve" as const, count })) },
);

describe("the path index", () => {
  it("agrees with a Map over adds, duplicate adds, deletes and reserves", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 4000 }), (ops) => {
        // As the store: keys[id] is the path of id; freed ids are reused.
        const keys: string[] = [];
        const free: number[] = [];
        const index = new PathIndex(keys, 1);
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === "reserve") index.reserve(o.count);
          else if (o.kind === "add") {
            const id = free.length > 0 ? free[free.length - 1]! : keys.length;
            const added = index.add(o.path, id);
            expect(added).toBe(!model.has(o.path));
            if (added) {
              if (free.length > 0) free.pop();
              keys[id] = o.path;
              model.set(o.path, id);
            }
          } else if (o.kind === "delete") {
            const id = model.get(o.path);
            if (id === undefined) continue;
            index.delete(o.path, id);
            keys[id] = "";
            free.push(id);
            model.delete(o.path);
          }
          if (o.kind !== "reserve") expect(index.get(o.path)).toBe(model.get(o.path) ?? -1);
          expect(index.size).toBe(model.size);
        }
        for (const [p, id] of model) expect(index.get(p)).toBe(id);
      }),
      propertyRuns(60),
    );
  });
});
