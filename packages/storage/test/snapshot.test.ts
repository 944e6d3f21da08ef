import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Storage, StorageErrorReason, type SnapshotReader } from "@warden/storage";
import { collect, entries, payloadOf, readZxids, tempDir, track } from "./helpers.js";

function* chunksOf(zxid: bigint, count: number): Generator<Uint8Array> {
  for (let i = 0; i < count; i++) yield payloadOf(zxid * 1000n + BigInt(i), 1 + ((i * 7919) % 5000));
}

// Byte comparison through Buffer.equals: vitest's deep equality is slow on megabytes.
function expectSameChunks(actual: Uint8Array[], expected: Uint8Array[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((chunk, i) =>
    expect(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).equals(expected[i]!), `chunk ${i}`).toBe(true),
  );
}

async function readAll(snapshot: SnapshotReader): Promise<Uint8Array[]> {
  return collect(snapshot.chunks);
}

describe("snapshots", () => {
  it("give back exactly the chunks written, sync or async, after a reopen", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir, { snapshotIoBytes: 4096 }));
    await storage.append(entries(1n, 20));
    const written = await storage.writeSnapshot(10n, chunksOf(10n, 300));
    expect(written).toMatchObject({ zxid: 10n, chunkCount: 300 });
    async function* asyncChunks() {
      yield* chunksOf(20n, 50);
      yield new Uint8Array(0); // empty chunks are dropped
      yield new Uint8Array(100_000); // larger than the io buffer: written straight through
    }
    await storage.writeSnapshot(20n, asyncChunks());
    await storage.close();
    const reopened = track(await Storage.open(dir, { snapshotIoBytes: 4096 }));
    expect(await reopened.listSnapshots()).toEqual([10n, 20n]);
    expectSameChunks(await readAll(await reopened.openSnapshot(10n)), [...chunksOf(10n, 300)]);
    expectSameChunks(await readAll(await reopened.openSnapshot(20n)), [...chunksOf(20n, 50), new Uint8Array(100_000)]);
  });

  it("loads the newest snapshot, then the log after it rebuilds the state", async () => {
    const storage = track(await Storage.open(await tempDir()));
    await storage.append(entries(1n, 30));
    await storage.writeSnapshot(10n, chunksOf(10n, 5));
    await storage.writeSnapshot(25n, chunksOf(25n, 5));
    const loaded = await storage.loadNewestSnapshot(readAll);
    expect(loaded.snapshot?.zxid).toBe(25n);
    expect(loaded.snapshot?.value).toEqual([...chunksOf(25n, 5)]);
    expect(await readZxids(storage, loaded.snapshot!.zxid)).toEqual([26n, 27n, 28n, 29n, 30n]);
  });

  it("returns no snapshot when there is none: replay the whole log", async () => {
    const storage = track(await Storage.open(await tempDir()));
    expect(await storage.loadNewestSnapshot(readAll)).toEqual({ snapshot: undefined, skipped: [] });
  });

  it("never shows a half-written snapshot: a failing producer leaves nothing, leftovers go at open", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir));
    function* failing() {
      yield new Uint8Array(10);
      throw new Error("tree serializer broke");
    }
    await expect(storage.writeSnapshot(5n, failing())).rejects.toThrow("tree serializer broke");
    expect(await storage.listSnapshots()).toEqual([]);
    expect(await readdir(join(dir, "snapshots"))).toEqual([]);
    await storage.close();
    await writeFile(join(dir, "snapshots", "snapshot.0000000000000009.tmp-1-1"), "partial");
    const reopened = track(await Storage.open(dir));
    expect(reopened.recovery.removedTemporaryFiles).toBe(1);
    expect(await readdir(join(dir, "snapshots"))).toEqual([]);
  });

  it("bounds chunk size at snapshotChunkBytesMax and allows one snapshot write at a time", async () => {
    const storage = track(await Storage.open(await tempDir(), { snapshotChunkBytesMax: 1000 }));
    await storage.writeSnapshot(1n, [new Uint8Array(1000)]);
    await expect(storage.writeSnapshot(2n, [new Uint8Array(1001)])).rejects.toMatchObject({ reason: StorageErrorReason.INVALID_ARGUMENT });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slow() {
      yield new Uint8Array(1);
      await gate;
    }
    const first = storage.writeSnapshot(3n, slow());
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(storage.writeSnapshot(4n, [new Uint8Array(1)])).rejects.toMatchObject({ reason: StorageErrorReason.SNAPSHOT_ABORTED });
    release();
    await first;
    expect(await storage.listSnapshots()).toEqual([1n, 3n]);
  });

  it("truncating below a snapshot deletes it and abandons one being written above the zxid", async () => {
    const storage = track(await Storage.open(await tempDir()));
    await storage.append(entries(1n, 20));
    await storage.writeSnapshot(5n, chunksOf(5n, 2));
    await storage.writeSnapshot(15n, chunksOf(15n, 2));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slow() {
      yield new Uint8Array(1);
      await gate;
      yield new Uint8Array(1);
    }
    const inProgress = storage.writeSnapshot(18n, slow()).catch((error: unknown) => error);
    await storage.truncateAfter(10n);
    release();
    expect(await inProgress).toMatchObject({ reason: StorageErrorReason.SNAPSHOT_ABORTED, zxid: 18n });
    expect(await storage.listSnapshots()).toEqual([5n]);
    expect(storage.lastZxid).toBe(10n);
  });

  it("an installed snapshot ahead of the log raises the floor: appends continue after it", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir));
    await storage.append(entries(1n, 5));
    await storage.writeSnapshot(100n, chunksOf(100n, 3));
    expect(storage.lastZxid).toBe(100n);
    expect(storage.logFloorZxid).toBe(100n);
    expect(() => storage.readLog(50n)).toThrow(expect.objectContaining({ reason: StorageErrorReason.LOG_PURGED }));
    await storage.append(entries(101n, 2));
    await storage.close();
    const reopened = track(await Storage.open(dir));
    expect(reopened.recovery).toMatchObject({ lastZxid: 102n, logFloorZxid: 100n });
    const loaded = await reopened.loadNewestSnapshot(readAll);
    expect(loaded.snapshot?.zxid).toBe(100n);
    expect(await readZxids(reopened, 100n)).toEqual([101n, 102n]);
  });
});

describe("purge", () => {
  it("keeps the newest retainCount snapshots and exactly the log recovery from the oldest of them needs", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir));
    for (let zxid = 1n; zxid <= 100n; zxid += 10n) await storage.append(entries(zxid, 10)); // records ending at 10, 20, ... 100
    for (const zxid of [10n, 20n, 30n, 40n, 50n]) await storage.writeSnapshot(zxid, chunksOf(zxid, 2));
    const result = await storage.purge(3);
    expect(result).toEqual({
      retainedSnapshotZxids: [30n, 40n, 50n],
      deletedSnapshotZxids: [10n, 20n],
      deletedEntries: 20, // the records of 1-10 and 11-20; 21-30 holds 29 and 30, and stays whole
      logFloorZxid: 29n,
    });
    await storage.close();
    const reopened = track(await Storage.open(dir));
    expect(await reopened.listSnapshots()).toEqual([30n, 40n, 50n]);
    expect(await readZxids(reopened, 29n)).toEqual(entries(30n, 71).map((e) => e.zxid));
    expect(() => reopened.readLog(28n)).toThrow(expect.objectContaining({ reason: StorageErrorReason.LOG_PURGED }));
    // Recovery from each kept snapshot still works: the log after the oldest is complete.
    for (const zxid of [30n, 40n, 50n]) expect((await reopened.verifyLog(zxid)).lastZxid).toBe(100n);
  });

  it("does nothing until retainCount snapshots exist and refuses a retainCount below 3", async () => {
    const storage = track(await Storage.open(await tempDir()));
    await storage.append(entries(1n, 10));
    await storage.writeSnapshot(5n, chunksOf(5n, 1));
    await storage.writeSnapshot(8n, chunksOf(8n, 1));
    expect(await storage.purge(3)).toEqual({ retainedSnapshotZxids: [], deletedSnapshotZxids: [], deletedEntries: 0, logFloorZxid: 0n });
    expect(() => storage.purge(2)).toThrow(expect.objectContaining({ reason: StorageErrorReason.INVALID_ARGUMENT }));
    expect(await readZxids(storage)).toHaveLength(10);
  });

  it("refuses to truncate below the floor: the follower needs a snapshot instead", async () => {
    const storage = track(await Storage.open(await tempDir()));
    await storage.append(entries(1n, 50));
    for (const zxid of [10n, 20n, 30n]) await storage.writeSnapshot(zxid, chunksOf(zxid, 1));
    await storage.purge(3);
    await expect(storage.truncateAfter(5n)).rejects.toMatchObject({ reason: StorageErrorReason.LOG_PURGED });
  });
});
