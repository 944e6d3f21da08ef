// The storage codecs over sizes (a project rule): log entries, checked values and snapshot
// files round-trip with lengths drawn across every boundary their writers have (the group's
// slab, the snapshot writer's io buffer and its half, the reader's io buffer, frame headers
// straddling either), up to their bounds. Seeded by fast-check: a failure prints its seed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Storage, StorageErrorReason, crc32 } from "@warden/storage";
import { decodeCheckedValue, decodeLogValue, encodeCheckedValue, encodeLogEntries, type PutOperation } from "../src/codec.js";
import { metaKey, zxidOfLogKey } from "../src/keys.js";
import { DEFAULT_STORAGE_OPTIONS } from "../src/options.js";
import { openSnapshotFile } from "../src/snapshot-reader.js";
import { writeSnapshotFile } from "../src/snapshot-writer.js";
import { bytesAcrossBoundaries, countAcrossBoundaries, listOf, propertyRuns, withBytesAsText } from "../../testing/src/sizes.js";
import { collect, track } from "./helpers.js";

const MiB = 1024 * 1024;
/** Batches of entries of data up to 1 MiB each (the server's data bound), a group of them at most 4 MiB. */
const batches = listOf(fc.integer({ min: 1, max: 4 }), (batchCount) =>
  listOf(
    countAcrossBoundaries(64).map((n) => Math.max(1, n)),
    (n) => bytesAcrossBoundaries(Math.min(MiB, Math.floor((4 * MiB) / (n * batchCount)))),
  ),
);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "warden-storage-sizes-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("log entries over sizes", () => {
  it("every entry of a group encoded into one slab decodes to its zxid, its data and the zxid before it", () => {
    fc.assert(
      fc.property(batches, fc.bigInt({ min: 0n, max: 2n ** 63n }), (datas, prevZxid) => {
        let zxid = prevZxid;
        const groups = datas.map((batch) => batch.map((data) => ({ zxid: ++zxid, data })));
        const ops: PutOperation[] = [];
        expect(encodeLogEntries(groups, prevZxid, ops)).toBe(zxid);
        // Decoded only once all are written: a later entry written over an earlier one shows.
        let previous = prevZxid;
        const entries = groups.flat();
        expect(ops.length).toBe(entries.length);
        ops.forEach((op, i) => {
          const decoded = decodeLogValue(op.key, zxidOfLogKey(op.key), op.value);
          expect(withBytesAsText(decoded)).toEqual(withBytesAsText({ zxid: entries[i]!.zxid, prevZxid: previous, data: entries[i]!.data }));
          previous = entries[i]!.zxid;
        });
      }),
      propertyRuns(80),
    );
  });

  it("an entry of exactly entryBytesMax encodes and decodes among small ones", () => {
    const big = new Uint8Array(DEFAULT_STORAGE_OPTIONS.entryBytesMax).fill(0xee);
    const group = [
      { zxid: 5n, data: Uint8Array.of(1) },
      { zxid: 6n, data: big },
      { zxid: 7n, data: Uint8Array.of(2, 3) },
    ];
    const ops: PutOperation[] = [];
    encodeLogEntries([group], 4n, ops);
    expect(ops.map((op) => withBytesAsText(decodeLogValue(op.key, zxidOfLogKey(op.key), op.value)))).toEqual(
      group.map((e) => withBytesAsText({ ...e, prevZxid: e.zxid - 1n })),
    );
  });

  it("entries appended through LevelDB with sizes across the boundaries read back byte for byte", async () => {
    const storage = track(await Storage.open(join(dir, "log")));
    let next = 1n;
    await fc.assert(
      fc.asyncProperty(
        listOf(fc.integer({ min: 1, max: 8 }), () => bytesAcrossBoundaries(MiB)),
        async (datas) => {
          const from = next - 1n;
          const entries = datas.map((data) => ({ zxid: next++, data }));
          await storage.append(entries);
          expect(withBytesAsText(await collect(storage.readLog(from)))).toEqual(withBytesAsText(entries));
        },
      ),
      propertyRuns(25),
    );
  });

  it("a checked value of any size up to metaValueBytesMax decodes to its payload under its key", () => {
    fc.assert(
      fc.property(
        bytesAcrossBoundaries(DEFAULT_STORAGE_OPTIONS.metaValueBytesMax),
        fc.string({ minLength: 1, maxLength: 20 }),
        (payload, name) => {
          const key = metaKey(name);
          expect(withBytesAsText(decodeCheckedValue(key, encodeCheckedValue(key, payload)))).toEqual(withBytesAsText(payload));
        },
      ),
      propertyRuns(200),
    );
  });
});

describe("empty payloads", () => {
  it("the CRC of no bytes is the CRC it continues from, however the empty array was made", () => {
    const materialized = new Uint8Array(0);
    void materialized.buffer; // reading .buffer leaves the array without a backing store
    for (const empty of [new Uint8Array(0), materialized, new Uint8Array(new ArrayBuffer(0)), new Uint8Array(new ArrayBuffer(8), 8, 0)]) {
      expect(crc32(empty, 0x1234abcd)).toBe(0x1234abcd);
      expect(crc32(empty)).toBe(0);
    }
  });

  it("a meta value of zero bytes reads back as zero bytes, not as corrupt", async () => {
    const storage = track(await Storage.open(join(dir, "meta")));
    const empty = new Uint8Array(new ArrayBuffer(0));
    await storage.setMeta("empty", empty);
    expect(await storage.getMeta("empty")).toEqual(new Uint8Array(0));
  });
});

describe("snapshot files over sizes", () => {
  // The io buffer's own boundaries: 32 bytes (its least), small, and the default 1 MiB.
  const ioBytes = fc.constantFrom(32, 100, 4096, DEFAULT_STORAGE_OPTIONS.snapshotIoBytes);

  it("chunks of sizes across the io buffer's boundaries, up to snapshotChunkBytesMax, read back exactly as written", async () => {
    let zxid = 0n;
    await fc.assert(
      fc.asyncProperty(
        ioBytes,
        listOf(countAcrossBoundaries(40), (n) => bytesAcrossBoundaries(Math.floor((4 * MiB) / Math.max(1, n)))),
        async (io, chunks) => {
          const limits = { chunkBytesMax: 4 * MiB, ioBytes: io };
          const written = await writeSnapshotFile(dir, ++zxid, chunks, limits, () => undefined);
          const stored = chunks.filter((c) => c.length > 0);
          expect(written).toMatchObject({ chunkCount: stored.length, dataBytes: stored.reduce((n, c) => n + c.length, 0) });
          const reader = await openSnapshotFile(written.file, zxid, limits);
          expect(withBytesAsText(await collect(reader.chunks))).toEqual(withBytesAsText(stored));
          await rm(written.file);
        },
      ),
      propertyRuns(30),
    );
  });

  it("a chunk of exactly snapshotChunkBytesMax is written and read; one byte more is refused", async () => {
    const limits = { chunkBytesMax: 4096, ioBytes: 100 };
    const atBound = new Uint8Array(4096).fill(7);
    const written = await writeSnapshotFile(dir, 1_000_000n, [atBound], limits, () => undefined);
    expect(withBytesAsText(await collect((await openSnapshotFile(written.file, 1_000_000n, limits)).chunks))).toEqual(
      withBytesAsText([atBound]),
    );
    await expect(writeSnapshotFile(dir, 1_000_001n, [new Uint8Array(4097)], limits, () => undefined)).rejects.toMatchObject({
      reason: StorageErrorReason.INVALID_ARGUMENT,
    });
    // A reader with a smaller bound refuses the chunk from its length, before reading it.
    await expect(
      collect((await openSnapshotFile(written.file, 1_000_000n, { ...limits, chunkBytesMax: 4095 })).chunks),
    ).rejects.toMatchObject({ reason: StorageErrorReason.SNAPSHOT_CORRUPT });
  });
});
