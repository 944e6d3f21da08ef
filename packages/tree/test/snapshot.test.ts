import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DecodeError } from "@warden/protocol";
import { DataTree, decodeTxn, encodeTxn, loadSnapshot, loadSnapshotSync, serializeSnapshot, treeDigest, type Txn } from "@warden/tree";
import { Harness, bytes } from "./harness.js";

/** A random workload's txns (creates, sequentials, ephemerals, setData, deletes, multi, sessions). */
function workload(seed: number, steps: number): Txn[] {
  const h = new Harness();
  let x = seed >>> 0 || 1;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) % n;
  h.session(1n);
  h.session(2n);
  const paths = ["/a", "/b", "/a/c", "/a/d", "/b/e", "/a/c/f"];
  for (let i = 0; i < steps; i++) {
    const p = paths[rnd(paths.length)]!;
    h.timeMs += 10;
    switch (rnd(7)) {
      case 0:
        h.create(p, `v${i}`, [0, 1, 2, 3, 4, 5][rnd(6)] as 0 | 1 | 2 | 3 | 4 | 5, BigInt(1 + rnd(2)), 60_000);
        break;
      case 1:
        h.create(p, "x".repeat(rnd(300)));
        break;
      case 2:
        h.write({ type: "setData", path: p, data: rnd(4) === 0 ? null : bytes(`d${i}`), version: -1 });
        break;
      case 3:
        h.write({ type: "delete", path: p, version: -1 });
        break;
      case 4:
        h.write({
          type: "multi",
          ops: [
            {
              type: "create",
              path: `${p}/m`,
              data: rnd(2) === 0 ? null : bytes(""),
              acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
              mode: 2,
            },
            { type: "setData", path: p, data: bytes("m"), version: -1 },
          ],
        });
        break;
      case 5:
        h.write({ type: "setACL", path: p, acl: [{ perms: 31 - rnd(8), id: { scheme: "world", id: "anyone" } }], version: -1 });
        break;
      case 6: {
        const s = BigInt(1 + rnd(3));
        if (h.tree.sessions.has(s)) h.write({ type: "closeSession" }, s);
        else h.session(s);
      }
    }
  }
  return h.txns;
}

function replay(txns: Txn[], tree = new DataTree()): DataTree {
  for (const t of txns) tree.apply(t);
  return tree;
}

describe("snapshots", () => {
  it("load(serialize(tree)) equals the tree, byte for byte, whatever the chunking", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: 50 }), async (seed, steps, cut) => {
        const tree = replay(workload(seed, steps));
        const whole = Buffer.concat([...serializeSnapshot(tree, { frameBytesTarget: 200 })]);
        const pieces = [];
        for (let i = 0; i < whole.length; i += cut) pieces.push(whole.subarray(i, i + cut));
        const loaded = await loadSnapshot(pieces);
        expect(Buffer.concat([...serializeSnapshot(loaded, { frameBytesTarget: 200 })])).toEqual(whole);
        expect(loaded.lastProcessedZxid).toBe(tree.lastProcessedZxid);
        expect(loaded.getEphemerals(1n)).toEqual(tree.getEphemerals(1n));
        expect(treeDigest(loaded)).toBe(treeDigest(tree));
      }),
      { numRuns: 60 },
    );
  });

  it("a snapshot taken while txns are applied, plus replay from its zxid, equals the final tree", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 0, max: 150 }),
        fc.nat(),
        fc.integer({ min: 1, max: 4 }),
        async (seed, steps, startAt, perChunk) => {
          const txns = workload(seed, steps);
          const start = startAt % (txns.length + 1);
          const live = replay(txns.slice(0, start));
          const chunks: Uint8Array[] = [];
          let next = start;
          for (const chunk of serializeSnapshot(live, { frameBytesTarget: 100 })) {
            chunks.push(chunk);
            for (let i = 0; i < perChunk && next < txns.length; i++) live.apply(txns[next++]!);
          }
          while (next < txns.length) live.apply(txns[next++]!);
          const restored = await loadSnapshot(chunks);
          replay(
            txns.filter((t) => t.zxid > restored.lastProcessedZxid),
            restored,
          );
          expect(treeDigest(restored)).toBe(treeDigest(live));
          expect(restored.getEphemerals(2n)).toEqual(live.getEphemerals(2n));
          expect(restored.expiredNodes(Number.MAX_SAFE_INTEGER, 100).sort()).toEqual(
            live.expiredNodes(Number.MAX_SAFE_INTEGER, 100).sort(),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("two trees that applied the same txns have equal digests; a different tree does not", () => {
    const txns = workload(7, 80);
    expect(treeDigest(replay(txns))).toBe(treeDigest(replay(txns)));
    expect(treeDigest(replay(txns.slice(0, -1)))).not.toBe(treeDigest(replay(txns)));
  });

  it("skips a txn at or below lastProcessedZxid", () => {
    const txns = workload(3, 30);
    const tree = replay(txns);
    const before = treeDigest(tree);
    expect(tree.apply(txns[5]!).skipped).toBe(true);
    expect(treeDigest(tree)).toBe(before);
  });
});

describe("null data", () => {
  const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
  function nullAndEmpty(): Harness {
    const h = new Harness();
    h.write({ type: "create", path: "/null", data: null, acl: OPEN, mode: 0 });
    h.write({ type: "create", path: "/empty", data: new Uint8Array(0), acl: OPEN, mode: 0 });
    h.write({ type: "create", path: "/set", data: bytes("x"), acl: OPEN, mode: 0 });
    h.write({ type: "setData", path: "/set", data: null, version: -1 });
    h.write({
      type: "multi",
      ops: [
        { type: "create", path: "/multi", data: null, acl: OPEN, mode: 0 },
        { type: "setData", path: "/empty", data: new Uint8Array(0), version: -1 },
      ],
    });
    return h;
  }

  it("reads back as null, apart from empty data, after create, setData and multi (the txns cross the codec)", () => {
    const { tree, txns } = nullAndEmpty();
    for (const path of ["/null", "/set", "/multi"]) {
      expect(tree.getData(path).data).toBeNull();
      expect(tree.getData(path).stat.dataLength).toBe(0);
    }
    expect(tree.getData("/empty").data).toEqual(new Uint8Array(0));
    expect(txns.map((t) => decodeTxn(encodeTxn(t)))).toEqual(txns);
  });

  it("survives a snapshot: null stays null and empty stays empty, and the two give different digests", async () => {
    const { tree } = nullAndEmpty();
    const loaded = await loadSnapshot([...serializeSnapshot(tree)]);
    for (const path of ["/null", "/set", "/multi"]) expect(loaded.getData(path).data).toBeNull();
    expect(loaded.getData("/empty").data).toEqual(new Uint8Array(0));
    expect(treeDigest(loaded)).toBe(treeDigest(tree));
    const h = new Harness();
    h.write({ type: "create", path: "/null", data: new Uint8Array(0), acl: OPEN, mode: 0 });
    const withNull = new Harness();
    withNull.write({ type: "create", path: "/null", data: null, acl: OPEN, mode: 0 });
    expect(treeDigest(withNull.tree)).not.toBe(treeDigest(h.tree));
  });
});

describe("the session secret", () => {
  const secretTxn = (zxid: bigint, fill: number): Txn => ({
    zxid,
    timeMs: 1,
    sessionId: 0n,
    body: { type: "sessionSecret", secret: new Uint8Array(32).fill(fill) },
  });

  it("is set by the first sessionSecret txn committed; a later one changes nothing", () => {
    const tree = new DataTree();
    expect(tree.sessionSecret).toBeUndefined();
    tree.apply(decodeTxn(encodeTxn(secretTxn(1n, 7))));
    tree.apply(decodeTxn(encodeTxn(secretTxn(2n, 9))));
    expect(tree.sessionSecret).toEqual(new Uint8Array(32).fill(7));
  });

  it("survives a snapshot, and a tree without one loads without one", async () => {
    const tree = new DataTree();
    expect((await loadSnapshot([...serializeSnapshot(tree)])).sessionSecret).toBeUndefined();
    tree.apply(secretTxn(1n, 7));
    expect((await loadSnapshot([...serializeSnapshot(tree)])).sessionSecret).toEqual(new Uint8Array(32).fill(7));
  });

  it("a txn or a snapshot trailer with a secret of any other length is refused", () => {
    const short = { ...secretTxn(1n, 7), body: { type: "sessionSecret" as const, secret: new Uint8Array(31) } };
    expect(() => decodeTxn(encodeTxn(short))).toThrow(DecodeError);
    const tree = new DataTree();
    tree.sessionSecret = new Uint8Array(33);
    expect(() => loadSnapshotSync([...serializeSnapshot(tree)])).toThrow(DecodeError);
  });
});

describe("decoding untrusted bytes", () => {
  const onlyDecodeErrors = async (f: () => unknown) => {
    try {
      await f();
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
    }
  };

  it("decodeTxn throws only DecodeError, and round-trips real txns", async () => {
    for (const t of workload(11, 60)) expect(decodeTxn(encodeTxn(t))).toEqual(t);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), (b) => onlyDecodeErrors(() => decodeTxn(b))),
      { numRuns: 2000 },
    );
    const valid = workload(5, 40).map(encodeTxn);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (which, at, value) => {
        const b = Uint8Array.from(valid[which % valid.length]!);
        b[at % b.length] = value;
        return onlyDecodeErrors(() => decodeTxn(b));
      }),
      { numRuns: 2000 },
    );
  });

  it("loadSnapshot throws only DecodeError on random, mutated and truncated input", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), (b) => onlyDecodeErrors(() => loadSnapshot([b]))),
      { numRuns: 1000 },
    );
    const whole = Buffer.concat([...serializeSnapshot(replay(workload(9, 60)), { frameBytesTarget: 100 })]);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (at, value, cut) => {
        const b = Uint8Array.from(whole);
        b[at % b.length] = value;
        return onlyDecodeErrors(() => loadSnapshot([b.subarray(0, b.length - (cut % 3))]));
      }),
      { numRuns: 1000 },
    );
    await expect(loadSnapshot([whole.subarray(0, whole.length - 1)])).rejects.toBeInstanceOf(DecodeError);
    await expect(loadSnapshot([Uint8Array.of(0xff, 0xff, 0xff, 0xff)])).rejects.toMatchObject({ reason: "WARDEN_ERR_FRAME_TOO_LARGE" });
  });
});
