import { ClassicLevel } from "classic-level";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crc32, Storage, StorageError, StorageErrorReason, STORAGE_FORMAT_VERSION } from "@warden/storage";
import { crc32Table } from "../src/checksum.js";
import { encodeCheckedValue } from "../src/codec.js";
import { FORMAT_KEY } from "../src/keys.js";
import { payloadOf as fixturePayloadOf } from "./fixtures/payload.mjs";
import { entries, payloadOf, readZxids, tempDir, track } from "./helpers.js";
import { startFixture } from "./process.js";

async function rawDatabase(dir: string) {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "db"), { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  return db;
}

describe("opening a directory", () => {
  it("refuses a second open of the same directory in this process with LOCKED", async () => {
    const dir = await tempDir();
    track(await Storage.open(dir));
    const error = await Storage.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ reason: StorageErrorReason.LOCKED, file: join(dir, "db", "LOCK") });
  });

  it("refuses an open while another process holds the directory, and allows it after that process dies", async () => {
    const dir = await tempDir();
    const holder = startFixture("hold-lock.mjs", [dir]);
    try {
      await holder.waitFor("opened");
      await expect(Storage.open(dir)).rejects.toMatchObject({ reason: StorageErrorReason.LOCKED });
    } finally {
      holder.child.kill("SIGKILL");
      await holder.exited;
    }
    const storage = track(await Storage.open(dir));
    await storage.append(entries(1n, 1));
  });

  it("releases the lock on close", async () => {
    const dir = await tempDir();
    await (await Storage.open(dir)).close();
    track(await Storage.open(dir));
  });

  it("refuses a directory written by a newer format version, and leaves it untouched", async () => {
    const dir = await tempDir();
    await (await Storage.open(dir)).close();
    const db = await rawDatabase(dir);
    const version = new Uint8Array(4);
    new DataView(version.buffer).setUint32(0, STORAGE_FORMAT_VERSION + 1);
    await db.put(FORMAT_KEY, encodeCheckedValue(FORMAT_KEY, version));
    await db.close();
    await expect(Storage.open(dir)).rejects.toMatchObject({ reason: StorageErrorReason.FORMAT_NEWER });
    await expect(Storage.open(dir)).rejects.toMatchObject({ reason: StorageErrorReason.FORMAT_NEWER });
  });

  it("refuses a database holding data but no format record", async () => {
    const dir = await tempDir();
    const db = await rawDatabase(dir);
    await db.put(Uint8Array.of(1, 2, 3), Uint8Array.of(4));
    await db.close();
    await expect(Storage.open(dir)).rejects.toMatchObject({ reason: StorageErrorReason.FORMAT_INVALID });
  });

  it("refuses unknown or out-of-bounds options", async () => {
    const dir = await tempDir();
    await expect(Storage.open(dir, { writeEntriesMax: 0 })).rejects.toMatchObject({ reason: StorageErrorReason.INVALID_ARGUMENT });
    await expect(Storage.open(dir, { queueEntriesMax: 10, writeEntriesMax: 11 })).rejects.toMatchObject({
      reason: StorageErrorReason.INVALID_ARGUMENT,
    });
    await expect(Storage.open(dir, { nonsense: 1 } as never)).rejects.toMatchObject({ reason: StorageErrorReason.INVALID_ARGUMENT });
    const storage = track(await Storage.open(dir));
    expect(await readZxids(storage)).toEqual([]);
  });
});

describe("checksums", () => {
  it("the portable CRC-32 equals the native one on random inputs, and known vectors", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32Table(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    for (let n = 0; n < 300; n += 7) {
      const data = payloadOf(BigInt(n), n);
      expect(crc32Table(data)).toBe(crc32(data));
      expect(crc32Table(data.subarray(n >> 1), crc32Table(data.subarray(0, n >> 1)))).toBe(crc32(data));
    }
  });

  it("the crash fixture writes the same payloads the tests expect", () => {
    for (const zxid of [0n, 1n, 12345n, 2n ** 40n]) expect(fixturePayloadOf(zxid, 64)).toEqual(payloadOf(zxid, 64));
  });
});
