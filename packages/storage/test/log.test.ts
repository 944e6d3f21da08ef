import { describe, expect, it } from "vitest";
import { Storage, StorageError, StorageErrorReason } from "@warden/storage";
import { collect, entries, payloadOf, range, readZxids, tempDir, track } from "./helpers.js";

describe("the transaction log", () => {
  it("returns appended entries in zxid order, byte for byte, after a reopen", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir));
    await storage.append(entries(1n, 10));
    await storage.append(entries(11n, 5, 3000));
    await storage.close();
    const reopened = track(await Storage.open(dir));
    expect(reopened.lastZxid).toBe(15n);
    expect(reopened.recovery).toMatchObject({ lastZxid: 15n, logFloorZxid: 0n, truncatedTail: undefined });
    const read = await collect(reopened.readLog(0n));
    expect(read.map((e) => e.zxid)).toEqual(range(1n, 15n));
    for (const e of read) expect(e.data).toEqual(payloadOf(e.zxid, e.zxid <= 10n ? 100 : 3000));
  });

  it("reads from a zxid, exclusive, including zxids that are not in the log", async () => {
    const storage = track(await Storage.open(await tempDir()));
    await storage.append([10n, 20n, 30n, 40n].map((zxid) => ({ zxid, data: payloadOf(zxid) })));
    expect(await readZxids(storage, 20n)).toEqual([30n, 40n]);
    expect(await readZxids(storage, 25n)).toEqual([30n, 40n]);
    expect(await readZxids(storage, 40n)).toEqual([]);
  });

  it("refuses a zxid that does not increase, without accepting any of the batch", async () => {
    const storage = track(await Storage.open(await tempDir()));
    await storage.append(entries(1n, 3));
    const bad = [
      { zxid: 4n, data: payloadOf(4n) },
      { zxid: 4n, data: payloadOf(4n) },
    ];
    expect(() => storage.append(bad)).toThrow(expect.objectContaining({ reason: StorageErrorReason.ZXID_ORDER, zxid: 4n }));
    expect(() => storage.append(entries(2n, 1))).toThrow(StorageError);
    expect(storage.lastZxid).toBe(3n);
    await storage.append(entries(4n, 1));
    expect(await readZxids(storage)).toEqual(range(1n, 4n));
  });

  it("merges appends made while a write is in flight into one synced write (group commit)", async () => {
    const storage = track(await Storage.open(await tempDir()));
    const before = storage.stats.syncedWrites;
    await Promise.all(range(1n, 200n).map((zxid) => storage.append(entries(zxid, 1))));
    expect(storage.stats.entriesWritten).toBe(200);
    expect(storage.stats.syncedWrites - before).toBeLessThanOrEqual(2);
    expect(await readZxids(storage)).toEqual(range(1n, 200n));
  });

  it("splits queued appends into writes of at most writeEntriesMax entries", async () => {
    const storage = track(await Storage.open(await tempDir(), { writeEntriesMax: 10, queueEntriesMax: 100 }));
    await Promise.all(range(0n, 9n).map((i) => storage.append(entries(1n + i * 4n, 4))));
    expect(storage.stats.entriesWritten).toBe(40);
    expect(storage.stats.syncedWrites).toBeGreaterThanOrEqual(5);
    expect(await readZxids(storage)).toEqual(range(1n, 40n));
  });

  it("bounds a batch by writeEntriesMax, writeBytesMax and entryBytesMax, at the bound and one past it", async () => {
    const storage = track(
      await Storage.open(await tempDir(), {
        writeEntriesMax: 5,
        entryBytesMax: 100,
        writeBytesMax: 300,
        queueEntriesMax: 5,
        queueBytesMax: 300,
      }),
    );
    await storage.append(entries(1n, 3, 100));
    const invalid = expect.objectContaining({ reason: StorageErrorReason.INVALID_ARGUMENT });
    expect(() => storage.append(entries(4n, 4, 100))).toThrow(invalid);
    expect(() => storage.append(entries(4n, 6, 10))).toThrow(invalid);
    expect(() => storage.append(entries(4n, 1, 101))).toThrow(invalid);
    await storage.append(entries(4n, 5, 10));
    expect(storage.lastZxid).toBe(8n);
  });

  it("makes appends wait when the queue is full and refuses one past blockedAppendsMax", async () => {
    const storage = track(await Storage.open(await tempDir(), { writeEntriesMax: 2, queueEntriesMax: 2, blockedAppendsMax: 3 }));
    const first = storage.append(entries(1n, 2));
    const blocked = [storage.append(entries(3n, 2)), storage.append(entries(5n, 2)), storage.append(entries(7n, 2))];
    expect(() => storage.append(entries(9n, 2))).toThrow(expect.objectContaining({ reason: StorageErrorReason.QUEUE_FULL }));
    expect(storage.lastZxid).toBe(8n);
    await first;
    await Promise.all(blocked);
    await storage.append(entries(9n, 2));
    expect(await readZxids(storage)).toEqual(range(1n, 10n));
  });

  it("resolves each append only after the synced write that carries it, readable at once", async () => {
    const storage = track(await Storage.open(await tempDir()));
    const writtenAtResolve = await Promise.all([
      storage.append(entries(1n, 100)).then(() => storage.stats.entriesWritten),
      storage.append(entries(101n, 50)).then(() => storage.stats.entriesWritten),
    ]);
    expect(writtenAtResolve).toEqual([150, 150]);
    expect(await readZxids(storage)).toHaveLength(150);
  });

  it("truncates after a zxid, then appends continue above it, also across a reopen", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir));
    await storage.append(entries(1n, 20));
    await storage.truncateAfter(12n);
    expect(storage.lastZxid).toBe(12n);
    expect(() => storage.append(entries(12n, 1))).toThrow(expect.objectContaining({ reason: StorageErrorReason.ZXID_ORDER }));
    await storage.append([
      { zxid: 13n, data: new Uint8Array([1, 2, 3]) },
      { zxid: 14n, data: payloadOf(14n) },
    ]);
    await storage.close();
    const reopened = track(await Storage.open(dir));
    const read = await collect(reopened.readLog(0n));
    expect(read.map((e) => e.zxid)).toEqual(range(1n, 14n));
    expect(read[12]!.data).toEqual(new Uint8Array([1, 2, 3]));
    await reopened.verifyLog(0n);
  });

  it("orders truncate after earlier appends and before later ones, without awaiting in between", async () => {
    const storage = track(await Storage.open(await tempDir()));
    const writes = [storage.append(entries(1n, 10)), storage.truncateAfter(5n), storage.append(entries(6n, 3, 7))];
    await Promise.all(writes);
    const read = await collect(storage.readLog(0n));
    expect(read.map((e) => e.zxid)).toEqual(range(1n, 8n));
    expect(read[6]!.data).toEqual(payloadOf(7n, 7));
  });

  it("truncating to a zxid between entries keeps the chain intact for the next append", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir));
    await storage.append([10n, 20n, 30n].map((zxid) => ({ zxid, data: payloadOf(zxid) })));
    await storage.truncateAfter(25n);
    await storage.append([{ zxid: 26n, data: payloadOf(26n) }]);
    await storage.close();
    const reopened = track(await Storage.open(dir));
    expect(await reopened.verifyLog(0n)).toEqual({ entries: 3, lastZxid: 26n });
  });

  it("stores meta values durably, ordered with appends, and bounds them", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir, { metaValueBytesMax: 16 }));
    expect(await storage.getMeta("acceptedEpoch")).toBeUndefined();
    await Promise.all([
      storage.append(entries(1n, 2)),
      storage.setMeta("acceptedEpoch", Uint8Array.of(7)),
      storage.setMeta("currentEpoch", Uint8Array.of(6)),
    ]);
    await storage.setMeta("currentEpoch", new Uint8Array(16).fill(9));
    expect(() => storage.setMeta("x", new Uint8Array(17))).toThrow(
      expect.objectContaining({ reason: StorageErrorReason.INVALID_ARGUMENT }),
    );
    expect(() => storage.setMeta("", new Uint8Array(1))).toThrow(StorageError);
    await storage.close();
    const reopened = track(await Storage.open(dir));
    expect(await reopened.getMeta("acceptedEpoch")).toEqual(Uint8Array.of(7));
    expect(await reopened.getMeta("currentEpoch")).toEqual(new Uint8Array(16).fill(9));
    expect(await readZxids(reopened)).toEqual([1n, 2n]);
  });

  it("rejects every operation after close with CLOSED", async () => {
    const storage = await Storage.open(await tempDir());
    await storage.close();
    expect(() => storage.append(entries(1n, 1))).toThrow(expect.objectContaining({ reason: StorageErrorReason.CLOSED }));
    expect(() => storage.readLog(0n)).toThrow(expect.objectContaining({ reason: StorageErrorReason.CLOSED }));
  });
});
