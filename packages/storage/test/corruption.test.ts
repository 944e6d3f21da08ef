import { ClassicLevel } from "classic-level";
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Storage, StorageErrorReason, type SnapshotReader } from "@warden/storage";
import { logKey, ZXID_MAX, zxidOfLogKey } from "../src/keys.js";
import { collect, entries, formatVersion, payloadOf, range, readZxids, tempDir, track, writeFormat1 } from "./helpers.js";

const readAll = (snapshot: SnapshotReader) => collect(snapshot.chunks);

async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[offset] = bytes[offset]! ^ 0x5a;
  await writeFile(file, bytes);
}

async function databaseFiles(dir: string, pattern: RegExp): Promise<string[]> {
  return (await readdir(join(dir, "db"))).filter((name) => pattern.test(name)).map((name) => join(dir, "db", name));
}

/** Offset of `needle` in whichever of `files` holds it. */
async function locate(files: string[], needle: Uint8Array): Promise<{ file: string; offset: number }> {
  for (const file of files) {
    const offset = (await readFile(file)).indexOf(needle);
    if (offset >= 0) return { file, offset };
  }
  throw new Error("payload not found in the database files");
}

describe("a damaged snapshot", () => {
  it("fails verification wherever a byte is flipped: header, frames, chunk data, trailer", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir));
    const chunks = [payloadOf(1n, 40), payloadOf(2n, 3), payloadOf(3n, 60)];
    await storage.writeSnapshot(7n, chunks);
    const file = join(dir, "snapshots", "snapshot.0000000000000007");
    const original = await readFile(file);
    for (let offset = 0; offset < original.length; offset++) {
      const damaged = Buffer.from(original);
      damaged[offset] = damaged[offset]! ^ 0x01;
      await writeFile(file, damaged);
      const error = await storage
        .openSnapshot(7n)
        .then(readAll)
        .catch((e: unknown) => e);
      expect(error, `byte ${offset} flipped`).toMatchObject({ reason: StorageErrorReason.SNAPSHOT_CORRUPT, zxid: 7n, file });
    }
    await writeFile(file, original.subarray(0, original.length - 1));
    await expect(storage.openSnapshot(7n).then(readAll)).rejects.toThrow(/truncated/);
    await writeFile(file, Buffer.concat([original, Buffer.of(0)]));
    await expect(storage.openSnapshot(7n).then(readAll)).rejects.toThrow(/after its trailer/);
    await writeFile(file, original);
    expect(await storage.openSnapshot(7n).then(readAll)).toEqual(chunks);
  });

  it("makes recovery fall back to the previous snapshot and report the damaged one", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir));
    await storage.append(entries(1n, 30));
    await storage.writeSnapshot(10n, [payloadOf(10n, 5000)]);
    await storage.writeSnapshot(20n, [payloadOf(20n, 5000)]);
    await storage.close();
    const newest = join(dir, "snapshots", "snapshot.0000000000000014");
    await flipByte(newest, 3000);
    const reopened = track(await Storage.open(dir));
    const loaded = await reopened.loadNewestSnapshot(readAll);
    expect(loaded.snapshot?.zxid).toBe(10n);
    expect(loaded.skipped).toEqual([expect.objectContaining({ reason: StorageErrorReason.SNAPSHOT_CORRUPT, zxid: 20n, file: newest })]);
    expect(await readZxids(reopened, 10n)).toEqual(range(11n, 30n));
  });

  it("refuses to start when no snapshot at or above the log floor verifies", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir));
    await storage.append(entries(1n, 40));
    for (const zxid of [10n, 20n, 30n]) await storage.writeSnapshot(zxid, [payloadOf(zxid, 100)]);
    await storage.purge(3);
    await storage.close();
    for (const name of ["000000000000000a", "0000000000000014", "000000000000001e"])
      await truncate(join(dir, "snapshots", `snapshot.${name}`), 30);
    const reopened = track(await Storage.open(dir));
    await expect(reopened.loadNewestSnapshot(readAll)).rejects.toMatchObject({ reason: StorageErrorReason.NO_VALID_BASE, zxid: 9n });
  });

  it("with the whole log still there (floor 0), recovery without any valid snapshot replays it all", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir));
    await storage.append(entries(1n, 10));
    await storage.writeSnapshot(5n, [payloadOf(5n, 100)]);
    await storage.close();
    await flipByte(join(dir, "snapshots", "snapshot.0000000000000005"), 40);
    const reopened = track(await Storage.open(dir));
    const loaded = await reopened.loadNewestSnapshot(readAll);
    expect(loaded.snapshot).toBeUndefined();
    expect(loaded.skipped).toHaveLength(1);
    expect(await readZxids(reopened, 0n)).toEqual(range(1n, 10n));
  });
});

describe("a damaged log record", () => {
  /** Appends 20 entries as four writes, so four records (ending at 5, 10, 15 and 20), then damages the records named. */
  async function writeThenDamage(dir: string, damagedRecords: bigint[]) {
    const storage = await Storage.open(dir);
    for (let zxid = 1n; zxid <= 20n; zxid += 5n) await storage.append(entries(zxid, 5));
    await storage.close();
    const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "db"), { keyEncoding: "view", valueEncoding: "view" });
    expect((await db.keys({ gte: logKey(0n), lte: logKey(ZXID_MAX) }).all()).map(zxidOfLogKey)).toEqual([5n, 10n, 15n, 20n]);
    for (const zxid of damagedRecords) {
      const value = (await db.get(logKey(zxid)))!;
      const damaged = Uint8Array.from(value);
      damaged[damaged.length - 1]! ^= 0x01;
      await db.put(logKey(zxid), damaged);
    }
    await db.close();
  }

  it("in the middle: open succeeds, reading refuses naming the record's zxid; the server must not start", async () => {
    const dir = await tempDir();
    await writeThenDamage(dir, [10n]);
    const storage = track(await Storage.open(dir));
    await expect(storage.verifyLog(0n)).rejects.toMatchObject({ reason: StorageErrorReason.LOG_CORRUPT, zxid: 10n, file: join(dir, "db") });
    await expect(collect(storage.readLog(7n))).rejects.toThrow(/log entry 0xa \(the record of the group ending there\) fails its checksum/);
    expect(await readZxids(storage, 10n)).toEqual(range(11n, 20n));
  });

  it("at the tail: cut off at open, reported, and appends continue from the last good entry", async () => {
    const dir = await tempDir();
    await writeThenDamage(dir, [20n]);
    const storage = track(await Storage.open(dir));
    expect(storage.recovery.truncatedTail).toEqual({ afterZxid: 15n, toZxid: 20n, records: 1 });
    expect(storage.lastZxid).toBe(15n);
    await storage.append(entries(16n, 1));
    expect(await storage.verifyLog(0n)).toEqual({ entries: 16, lastZxid: 16n });
  });

  it("at the tail but more than one write holds: refuses instead of cutting", async () => {
    const dir = await tempDir();
    await writeThenDamage(dir, [15n, 20n]);
    await expect(Storage.open(dir)).rejects.toMatchObject({ reason: StorageErrorReason.LOG_CORRUPT, zxid: 15n });
  });
});

describe("a database of format 1 (a record per entry)", () => {
  async function format1(dir: string, count: number, damaged: bigint[] = []): Promise<void> {
    await writeFormat1(join(dir, "db"), entries(1n, count), damaged);
  }

  it("opens as format 2, reads its entries and then the records written after them, and truncates and purges across both", async () => {
    const dir = await tempDir();
    await format1(dir, 20);
    const storage = track(await Storage.open(dir));
    expect(storage.lastZxid).toBe(20n);
    expect(await readZxids(storage, 0n)).toEqual(range(1n, 20n));
    await storage.append(entries(21n, 5));
    await storage.append(entries(26n, 5));
    expect(await readZxids(storage, 0n)).toEqual(range(1n, 30n));
    expect(await readZxids(storage, 17n)).toEqual(range(18n, 30n));
    expect(await readZxids(storage, 22n)).toEqual(range(23n, 30n));
    await storage.close();
    expect(await formatVersion(join(dir, "db"))).toBe(2);

    const reopened = track(await Storage.open(dir));
    expect(await reopened.verifyLog(0n)).toEqual({ entries: 30, lastZxid: 30n });
    await reopened.truncateAfter(23n);
    expect(await readZxids(reopened, 0n)).toEqual(range(1n, 23n));
    await reopened.truncateAfter(12n);
    expect(await readZxids(reopened, 0n)).toEqual(range(1n, 12n));
    await reopened.append(entries(13n, 3));
    expect(await readZxids(reopened, 10n)).toEqual(range(11n, 15n));
    for (const zxid of [4n, 8n, 11n]) await reopened.writeSnapshot(zxid, [Uint8Array.of(1)]);
    expect(await reopened.purge(3)).toMatchObject({ logFloorZxid: 3n, deletedEntries: 3 });
    expect(await readZxids(reopened, 3n)).toEqual(range(4n, 15n));
  });

  it("a damaged tail of format 1 entries is cut at open, up to a write's entries (writeEntriesMax)", async () => {
    const dir = await tempDir();
    await format1(dir, 20, [18n, 19n, 20n]);
    await expect(Storage.open(dir, { writeEntriesMax: 2 })).rejects.toMatchObject({ reason: StorageErrorReason.LOG_CORRUPT, zxid: 18n });
    const storage = track(await Storage.open(dir, { writeEntriesMax: 3 }));
    expect(storage.recovery.truncatedTail).toEqual({ afterZxid: 17n, toZxid: 20n, records: 3 });
    expect(await storage.verifyLog(0n)).toEqual({ entries: 17, lastZxid: 17n });
  });

  it("a damaged format 1 entry in the middle is refused when read, naming it", async () => {
    const dir = await tempDir();
    await format1(dir, 20, [7n]);
    const storage = track(await Storage.open(dir));
    await expect(storage.verifyLog(0n)).rejects.toMatchObject({ reason: StorageErrorReason.LOG_CORRUPT, zxid: 7n });
    expect(await readZxids(storage, 7n)).toEqual(range(8n, 20n));
  });
});

describe("bytes flipped in LevelDB's own files", () => {
  it("in a table file (.ldb), mid-log: reading refuses naming the record; at the tail: its record is cut at open", async () => {
    const dir = await tempDir();
    const storage = await Storage.open(dir);
    for (let zxid = 1n; zxid <= 200n; zxid += 10n) await storage.append(entries(zxid, 10));
    await storage.close();
    await (await Storage.open(dir)).close(); // LevelDB replays its write-ahead log into a table file
    const tables = await databaseFiles(dir, /\.ldb$/);
    const middle = await locate(tables, payloadOf(77n));
    await flipByte(middle.file, middle.offset + 50);
    const last = await locate(tables, payloadOf(200n));
    await flipByte(last.file, last.offset + 50);
    const reopened = track(await Storage.open(dir));
    expect(reopened.recovery.truncatedTail).toEqual({ afterZxid: 190n, toZxid: 200n, records: 1 });
    expect(reopened.lastZxid).toBe(190n);
    await expect(reopened.verifyLog(0n)).rejects.toMatchObject({ reason: StorageErrorReason.LOG_CORRUPT, zxid: 80n });
  });

  it("in the write-ahead log (.log): LevelDB drops the damaged records; a gap is refused, a lost tail is a clean prefix", async () => {
    const dir = await tempDir();
    const storage = await Storage.open(dir);
    for (let zxid = 1n; zxid <= 1000n; zxid += 10n) await storage.append(entries(zxid, 10)); // ~120 KB: several 32 KB blocks
    await storage.close();
    const [wal] = await databaseFiles(dir, /^\d+\.log$/);
    await flipByte(wal!, 1000);
    const gapped = await Storage.open(dir);
    const error = await gapped.verifyLog(0n).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: StorageErrorReason.LOG_CORRUPT });
    expect(String((error as Error).message)).toMatch(/entries are missing/);
    await gapped.close();

    const dir2 = await tempDir();
    const storage2 = await Storage.open(dir2);
    for (let zxid = 1n; zxid <= 1000n; zxid += 10n) await storage2.append(entries(zxid, 10));
    await storage2.close();
    const [wal2] = await databaseFiles(dir2, /^\d+\.log$/);
    const lastRecord = await locate([wal2!], payloadOf(995n));
    await flipByte(wal2!, lastRecord.offset + 10);
    const cut = track(await Storage.open(dir2));
    expect(cut.lastZxid).toBe(990n);
    expect(await cut.verifyLog(0n)).toEqual({ entries: 990, lastZxid: 990n });
  });
});
