// The path index against a Map: adds (refused, changing nothing, when the path is present),
// deletes that leave tombstones, reserve() ahead of a load, and rehashes on the way; and a
// snapshot load's one-pass addRange over ids whose keys are set.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { finishHash, HASH_START, hashChars, PathIndex, pathHash } from "../src/path-index.js";
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

  it("adds a range of ids in one pass as one add each would, and names a duplicate when there is one", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(path, { maxLength: 300 }),
        fc.array(path, { maxLength: 3000 }),
        fc.boolean(),
        (before, range, withHashes) => {
          const keys: string[] = [...before];
          const index = new PathIndex(keys, 1);
          before.forEach((p, id) => expect(index.add(p, id)).toBe(true));
          const from = keys.length;
          keys.push(...range);
          // As a load does (store.ts: deferIndex), half the time with the hashes computed already.
          const hashes = withHashes ? Int32Array.from(range, pathHash) : undefined;
          const dup = index.addRange(from, keys.length, hashes);
          const seen = new Set(before);
          const firstDup = range.findIndex((p) => (seen.has(p) ? true : (seen.add(p), false)));
          if (firstDup < 0) {
            expect(dup).toBe(-1);
            expect(index.size).toBe(keys.length);
            keys.forEach((p, id) => expect(index.get(p)).toBe(id));
          } else {
            // Some id in the range whose path an earlier id (before or in the range) has too.
            expect(dup).toBeGreaterThanOrEqual(from);
            expect(keys.indexOf(keys[dup]!)).toBeLessThan(dup);
          }
        },
      ),
      propertyRuns(60),
    );
  });

  it("adds 200,000 paths in one range past the 2^16 buckets of its sort", () => {
    const keys = Array.from({ length: 200_000 }, (_, i) => `/a/${i % 1000}/n${i}`);
    const index = new PathIndex(keys, 1);
    expect(index.addRange(0, keys.length)).toBe(-1);
    for (let id = 0; id < keys.length; id += 7) expect(index.get(keys[id]!)).toBe(id);
    expect(index.get("/a/1/n2")).toBe(-1);
    keys.push("/a/5/n5");
    expect(index.addRange(keys.length - 1, keys.length)).toBe(keys.length - 1);
  });

  it("hashes a path as its parent's hash state gone on over the rest, cut anywhere", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), fc.nat(), (p, at) => {
        const cut = at % (p.length + 1);
        expect(finishHash(hashChars(hashChars(HASH_START, p, 0, cut), p, cut, p.length))).toBe(pathHash(p));
      }),
      propertyRuns(500),
    );
  });
});
