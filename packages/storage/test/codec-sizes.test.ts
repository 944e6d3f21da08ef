// The storage codecs over sizes (a project rule): log entries, checked values and snapshot
// files round-trip with lengths drawn across every boundary their writers have (the group's
// slab, the snapshot writer's io buffer and its half, the reader's io buffer, frame headers
// straddling either), up to their bounds. Seeded by fast-check: a failure prints its seed.
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Storage, StorageErrorReason, crc32 } from "@warden/storage";
import {
  decodeCheckedValue,
  decodeLogRecord,
  encodeCheckedValue,
  encodeLogRecord,
  entriesOfLogValue,
  logRecordBytes,
} from "../src/codec.js";
import { logKey, metaKey, zxidOfLogKey } from "../src/keys.js";
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
  it("a group's batches encoded as one record decode to every entry, its zxid and its data, and to the zxid before them", () => {
    fc.assert(
      fc.property(batches, fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.integer({ min: 1, max: 3 }), (datas, prevZxid, step) => {
        let zxid = prevZxid;
        const groups = datas.map((batch) => batch.map((data) => ({ zxid: (zxid += BigInt(step)), data })));
        const record = encodeLogRecord(groups, prevZxid);
        expect(record.lastZxid).toBe(zxid);
        expect(zxidOfLogKey(record.key)).toBe(zxid);
        const entries = groups.flat();
        expect(record.value.length).toBe(
          logRecordBytes(
            entries.length,
            entries.reduce((n, e) => n + e.data.length, 0),
          ),
        );
        const decoded = decodeLogRecord(record.key, zxid, record.value);
        expect(withBytesAsText(decoded)).toEqual(withBytesAsText({ prevZxid, entries }));
        expect(entriesOfLogValue(record.value, false)).toBe(entries.length);
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
    const record = encodeLogRecord([group], 4n);
    expect(withBytesAsText(decodeLogRecord(record.key, 7n, record.value))).toEqual(withBytesAsText({ prevZxid: 4n, entries: group }));
  });

  it("a record with any byte changed, cut short or under another key does not decode", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (datas, at, flip) => {
          const record = encodeLogRecord([datas.map((data, i) => ({ zxid: 10n + BigInt(i), data }))], 9n);
          const last = 9n + BigInt(datas.length);
          const damaged = Uint8Array.from(record.value);
          damaged[at % damaged.length]! ^= flip;
          expect(decodeLogRecord(record.key, last, damaged)).toBeUndefined();
          expect(decodeLogRecord(record.key, last, record.value.subarray(0, record.value.length - 1 - (at % 4)))).toBeUndefined();
          const otherKey = Uint8Array.from(record.key);
          otherKey[8]! ^= flip;
          expect(decodeLogRecord(otherKey, zxidOfLogKey(otherKey)!, record.value)).toBeUndefined();
        },
      ),
      propertyRuns(200),
    );
  });

  it("a checksummed record whose entries do not match its key or do not increase is refused", () => {
    const sealed = (body: Uint8Array, zxid: bigint) => {
      const key = logKey(zxid);
      const value = new Uint8Array(body.length + 4);
      value.set(body);
      new DataView(value.buffer).setUint32(body.length, crc32(body, crc32(key)));
      return { key, value };
    };
    const body = (prev: bigint, zxids: bigint[]) => {
      const bytes = new Uint8Array(8 + 13 * zxids.length);
      const view = new DataView(bytes.buffer);
      view.setBigUint64(0, prev);
      zxids.forEach((z, i) => {
        view.setBigUint64(8 + 13 * i, z);
        view.setUint32(16 + 13 * i, 1);
      });
      return bytes;
    };
    const decode = ({ key, value }: { key: Uint8Array; value: Uint8Array }) => decodeLogRecord(key, zxidOfLogKey(key)!, value);
    expect(decode(sealed(body(1n, [2n, 3n]), 3n))?.entries.map((e) => e.zxid)).toEqual([2n, 3n]);
    expect(decode(sealed(body(1n, [2n, 3n]), 4n))).toBeUndefined(); // the key names another last entry
    expect(decode(sealed(body(1n, [3n, 2n]), 2n))).toBeUndefined(); // entries out of order
    expect(decode(sealed(body(2n, [2n, 3n]), 3n))).toBeUndefined(); // an entry not after prevZxid
    expect(decode(sealed(body(1n, []), 1n))).toBeUndefined(); // no entry
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

  /** The chunks, each copied into one scratch buffer that is first scribbled over: a chunk kept past the next pull reads wrong. */
  function* transient(chunks: Uint8Array[]): Generator<Uint8Array> {
    const scratch = new Uint8Array(Math.max(1, ...chunks.map((c) => c.length)));
    for (const chunk of chunks) {
      scratch.fill(0xee);
      scratch.set(chunk);
      yield scratch.subarray(0, chunk.length);
    }
    scratch.fill(0xee);
  }

  it("chunks of sizes across the io buffer's boundaries, up to snapshotChunkBytesMax, read back exactly as written, also when each is a view of one buffer rewritten at the next pull (SnapshotChunks)", async () => {
    let zxid = 0n;
    await fc.assert(
      fc.asyncProperty(
        ioBytes,
        fc.constantFrom(64, 100_000, DEFAULT_STORAGE_OPTIONS.snapshotSyncBytes),
        listOf(countAcrossBoundaries(40), (n) => bytesAcrossBoundaries(Math.floor((4 * MiB) / Math.max(1, n)))),
        fc.boolean(),
        async (io, syncBytes, chunks, reused) => {
          const limits = { chunkBytesMax: 4 * MiB, ioBytes: io, syncBytes };
          const written = await writeSnapshotFile(dir, ++zxid, reused ? transient(chunks) : chunks, limits, () => undefined);
          const stored = chunks.filter((c) => c.length > 0);
          expect(written).toMatchObject({ chunkCount: stored.length, dataBytes: stored.reduce((n, c) => n + c.length, 0) });
          const reader = await openSnapshotFile(written.file, zxid, limits);
          expect(withBytesAsText(await collect(reader.chunks))).toEqual(withBytesAsText(stored));
          await rm(written.file);
        },
      ),
      propertyRuns(40),
    );
  });

  it("a chunk of exactly snapshotChunkBytesMax is written and read; one byte more is refused", async () => {
    const limits = { chunkBytesMax: 4096, ioBytes: 100, syncBytes: DEFAULT_STORAGE_OPTIONS.snapshotSyncBytes };
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

  it("syncs a snapshot every syncBytes while it is written, not only at its end", async () => {
    const probe = await open(join(dir, "probe"), "w");
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const datasync = vi.spyOn(proto, "datasync");
    try {
      const chunks = Array.from({ length: 40 }, (_, i) => new Uint8Array(25_000).fill(i));
      const limits = { chunkBytesMax: MiB, ioBytes: 4096, syncBytes: 100_000 };
      const written = await writeSnapshotFile(dir, 2_000_000n, chunks, limits, () => undefined);
      // 1,000,000 bytes of chunks (and their frames) in pieces of 100,000 at least.
      expect(datasync.mock.calls.length).toBeGreaterThanOrEqual(9);
      expect(datasync.mock.calls.length).toBeLessThanOrEqual(11);
      datasync.mockClear();
      await writeSnapshotFile(dir, 2_000_001n, chunks, { ...limits, syncBytes: 8 * MiB }, () => undefined);
      expect(datasync).not.toHaveBeenCalled();
      expect(withBytesAsText(await collect((await openSnapshotFile(written.file, 2_000_000n, limits)).chunks))).toEqual(
        withBytesAsText(chunks),
      );
    } finally {
      datasync.mockRestore();
    }
  });

  it("a reader left after its first chunk closes its file once the block read ahead is in", async () => {
    const chunks = Array.from({ length: 20 }, (_, i) => new Uint8Array(3000).fill(i));
    const limits = { chunkBytesMax: MiB, ioBytes: 1024, syncBytes: MiB };
    const written = await writeSnapshotFile(dir, 3_000_000n, chunks, limits, () => undefined);
    for (let r = 0; r < 20; r++) {
      for await (const chunk of (await openSnapshotFile(written.file, 3_000_000n, limits)).chunks) {
        expect(chunk[0]).toBe(0);
        break;
      }
    }
    // A truncated file: the read ahead meets its end, and the reader names the byte.
    const cut = join(dir, "cut");
    await writeFile(cut, (await readFile(written.file)).subarray(0, 10_000));
    await expect(collect((await openSnapshotFile(cut, 3_000_000n, limits)).chunks)).rejects.toThrow(/truncated at byte/);
  });
});
