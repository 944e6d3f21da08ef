// Tree snapshots over sizes (a project rule): serialize then load gives back every node (data,
// Stat, ACL, owner) and every session, with node data drawn across the growth boundaries of
// the serializer (the latin1 copies' 4 KiB pooling and 64 KiB pool, the frame target, cbor-x's
// buffer) and of the loader (a frame cut across chunks anywhere), long paths, long child lists
// and ACL lists. Seeded by fast-check: a failure prints its seed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTAINER_EPHEMERAL_OWNER, OPEN_ACL_UNSAFE, PATH_CHARS_MAX, type ACL } from "@warden/protocol";
import { DATA_BYTES_MAX, DataTree, SNAPSHOT_FRAME_BYTES_TARGET, loadSnapshot, serializeSnapshot, ttlOwner } from "@warden/tree";
import { acl as aclList, childName, data, int32, type MessageSizes } from "../../protocol/test/arbitraries.js";
import { countAcrossBoundaries, listOf, propertyRuns, sizeAcrossBoundaries } from "../../testing/src/sizes.js";
import { TXN_SIZES } from "./txn-arbitrary.js";

interface NodeSpec {
  /** Index of an earlier node to be the parent, taken modulo the nodes so far; -1: the root. */
  parent: number;
  name: string;
  data: Uint8Array;
  acl: ACL[];
  owner: "none" | "session" | "container" | "ttl";
  parentCVersion: number;
}

const SESSION_IDS = [1n, 2n ** 40n + 7n, 0x7fffffffffffffffn];
const MiB = 1024 * 1024;

/** Nodes whose data together stay within about 2 MiB: each one's share of the bounds. */
const nodes = listOf(countAcrossBoundaries(1024), (n) => {
  const one: MessageSizes = {
    ...TXN_SIZES,
    dataBytesMax: Math.min(MiB, Math.floor((2 * MiB) / Math.max(1, n))),
    listItemsMax: n > 64 ? 2 : 16,
    stringCharsMax: 64,
  };
  return fc.record({
    parent: fc.integer({ min: -1, max: 1 << 20 }),
    name: childName({ ...one, pathCharsMax: 600 }),
    data: data(one),
    acl: aclList(one).map((a) => (a.length > 0 ? a : [...OPEN_ACL_UNSAFE])),
    owner: fc.constantFrom("none" as const, "session" as const, "container" as const, "ttl" as const),
    parentCVersion: int32,
  });
});

/** The tree the specs describe (names made unique, paths kept within PATH_CHARS_MAX), and what each path holds. */
function build(specs: NodeSpec[]): { tree: DataTree; expected: Map<string, NodeSpec> } {
  const tree = new DataTree();
  let zxid = 0n;
  for (const [i, sessionId] of SESSION_IDS.entries())
    tree.apply({ zxid: ++zxid, timeMs: 1, sessionId, body: { type: "createSession", timeoutMs: 1000 * (i + 1) } });
  const paths: string[] = [];
  const expected = new Map<string, NodeSpec>();
  specs.forEach((spec, i) => {
    const name = `${spec.name}-${i}`;
    let parent = spec.parent < 0 || paths.length === 0 ? "/" : paths[spec.parent % paths.length]!;
    if (parent.length + 1 + name.length > PATH_CHARS_MAX) parent = "/";
    const path = `${parent === "/" ? "" : parent}/${name}`;
    const ephemeralOwner = {
      none: 0n,
      session: SESSION_IDS[i % SESSION_IDS.length]!,
      container: CONTAINER_EPHEMERAL_OWNER,
      ttl: ttlOwner(60_000),
    }[spec.owner];
    tree.apply({
      zxid: ++zxid,
      timeMs: 1_700_000_000_000 + i,
      sessionId: 1n,
      body: { type: "create", path, data: spec.data, acl: spec.acl, ephemeralOwner, parentCVersion: spec.parentCVersion },
    });
    paths.push(path);
    expected.set(path, spec);
  });
  return { tree, expected };
}

/** The snapshot's bytes cut into pieces of `cut` bytes (at most 256 of them: the loader copies a split frame per piece). */
function recut(chunks: Uint8Array[], cut: number): Uint8Array[] {
  const whole = Buffer.concat(chunks);
  const size = Math.max(cut, Math.ceil(whole.length / 256));
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < whole.length; at += size) pieces.push(whole.subarray(at, at + size));
  return pieces;
}

/** One line per node: its path, Stat and ACL (one comparison for thousands of nodes). */
function nodeLines(paths: Iterable<string>, node: (path: string) => { stat: unknown; acl: ACL[] }): string[] {
  return [...paths].map((path) => {
    const { stat, acl } = node(path);
    return JSON.stringify([path, stat, acl], (_, v) => (typeof v === "bigint" ? v.toString() : v));
  });
}

async function expectSameTree(loaded: DataTree, tree: DataTree, expected: Map<string, NodeSpec>): Promise<void> {
  expect(loaded.lastProcessedZxid).toBe(tree.lastProcessedZxid);
  expect(loaded.nodeCount).toBe(tree.nodeCount);
  expect([...loaded.sessions]).toEqual([...tree.sessions]);
  const otherData = [...expected]
    .filter(([path, spec]) => Buffer.compare(loaded.getData(path).data, spec.data) !== 0)
    .map(([path]) => path);
  expect(otherData).toEqual([]);
  const got = nodeLines(expected.keys(), (path) => ({ stat: loaded.exists(path), acl: loaded.getACL(path).acl }));
  const want = nodeLines(expected.keys(), (path) => ({ stat: tree.exists(path), acl: expected.get(path)!.acl }));
  expect(got).toEqual(want);
}

describe("tree snapshots over sizes", () => {
  it("a tree serialized then loaded from its bytes, cut anywhere, holds every node's data, Stat and ACL and every session", async () => {
    await fc.assert(
      fc.asyncProperty(
        nodes,
        sizeAcrossBoundaries(SNAPSHOT_FRAME_BYTES_TARGET, 1),
        sizeAcrossBoundaries(4 * MiB, 1),
        async (specs, frameBytesTarget, cut) => {
          const { tree, expected } = build(specs);
          const chunks = [...serializeSnapshot(tree, { frameBytesTarget })];
          await expectSameTree(await loadSnapshot(recut(chunks, cut)), tree, expected);
        },
      ),
      propertyRuns(30),
    );
  });

  it("transient chunks, each used before the next is pulled, are the owned chunks' bytes, from one buffer while frames fit it", async () => {
    await fc.assert(
      fc.asyncProperty(nodes, sizeAcrossBoundaries(SNAPSHOT_FRAME_BYTES_TARGET, 1), async (specs, frameBytesTarget) => {
        const { tree, expected } = build(specs);
        const owned = [...serializeSnapshot(tree, { frameBytesTarget })];
        const copies: Uint8Array[] = [];
        const buffers = new Set<ArrayBufferLike>();
        for (const chunk of serializeSnapshot(tree, { frameBytesTarget, transient: true })) {
          copies.push(Uint8Array.from(chunk));
          buffers.add(chunk.buffer);
        }
        expect(copies.length).toBe(owned.length);
        copies.forEach((copy, i) => expect(Buffer.compare(copy, owned[i]!), `chunk ${i}`).toBe(0));
        // The arena starts at twice the frame target and is replaced only by a frame larger than it.
        const largest = Math.max(...owned.map((c) => c.length));
        if (largest <= 2 * SNAPSHOT_FRAME_BYTES_TARGET) expect(buffers.size).toBe(1);
        else expect(buffers.size).toBeLessThan(owned.length + 1);
        // Owned chunks share nothing: each is a buffer of its own.
        expect(new Set(owned.map((c) => c.buffer)).size).toBe(owned.length);
        await expectSameTree(await loadSnapshot(copies), tree, expected);
      }),
      propertyRuns(20),
    );
  });

  it("chunks taken while later chunks are made stay intact (the serializer's CBOR encoder and latin1 pool are shared)", async () => {
    await fc.assert(
      fc.asyncProperty(nodes, nodes, async (first, second) => {
        const a = build(first);
        const b = build(second);
        // Interleave the two snapshots' chunks; each is loaded only once both are complete.
        const one = serializeSnapshot(a.tree, { frameBytesTarget: 4096 });
        const two = serializeSnapshot(b.tree, { frameBytesTarget: 4096 });
        const chunksA: Uint8Array[] = [];
        const chunksB: Uint8Array[] = [];
        for (let doneA = false, doneB = false; !doneA || !doneB; ) {
          const x = one.next();
          if (x.done) doneA = true;
          else chunksA.push(x.value);
          const y = two.next();
          if (y.done) doneB = true;
          else chunksB.push(y.value);
        }
        await expectSameTree(await loadSnapshot(chunksA), a.tree, a.expected);
        await expectSameTree(await loadSnapshot(chunksB), b.tree, b.expected);
      }),
      propertyRuns(10),
    );
  });

  it("a node of exactly DATA_BYTES_MAX bytes, the most the loader takes, is saved and loaded", async () => {
    const big = new Uint8Array(DATA_BYTES_MAX).fill(0x41);
    const { tree, expected } = build([{ parent: -1, name: "big", data: big, acl: [...OPEN_ACL_UNSAFE], owner: "none", parentCVersion: 1 }]);
    await expectSameTree(await loadSnapshot([...serializeSnapshot(tree)]), tree, expected);
  });

  it("a tree dumped with children in the thousands and paths of PATH_CHARS_MAX loads back", async () => {
    const specs: NodeSpec[] = Array.from({ length: 3000 }, (_, i) => ({
      parent: -1,
      name: "c",
      data: Uint8Array.of(i & 0xff),
      acl: [...OPEN_ACL_UNSAFE],
      owner: "none",
      parentCVersion: i,
    }));
    const longName = "n".repeat(PATH_CHARS_MAX - 1 - "-3000".length);
    specs.push({ parent: -1, name: longName, data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], owner: "none", parentCVersion: 1 });
    const { tree, expected } = build(specs);
    expect([...expected.keys()].some((p) => p.length === PATH_CHARS_MAX)).toBe(true);
    await expectSameTree(await loadSnapshot([...serializeSnapshot(tree)]), tree, expected);
  });
});
