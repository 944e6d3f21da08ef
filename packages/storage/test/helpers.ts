import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { ClassicLevel } from "classic-level";
import { crc32, type LogEntry, type Storage } from "@warden/storage";
import { decodeCheckedValue, encodeCheckedValue } from "../src/codec.js";
import { FORMAT_KEY, LEGACY_LOG_RANGE, logKey } from "../src/keys.js";

const directories: string[] = [];
const opened: Storage[] = [];

/** A fresh directory under os.tmpdir(), removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "warden-storage-test-"));
  directories.push(dir);
  return dir;
}

/** Registers a storage to be closed after the test (closing twice is harmless). */
export function track(storage: Storage): Storage {
  opened.push(storage);
  return storage;
}

afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close().catch(() => undefined);
  for (const dir of directories.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Deterministic payload for a zxid: recovery checks that nothing was invented or altered. */
export function payloadOf(zxid: bigint, bytes = 100): Uint8Array {
  const data = new Uint8Array(bytes);
  let x = Number(zxid % 4294967291n) + 1;
  for (let i = 0; i < bytes; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return data;
}

export function entries(fromZxid: bigint, count: number, bytes = 100): LogEntry[] {
  return Array.from({ length: count }, (_, i) => ({ zxid: fromZxid + BigInt(i), data: payloadOf(fromZxid + BigInt(i), bytes) }));
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

export async function readZxids(storage: Storage, from = 0n): Promise<bigint[]> {
  return (await collect(storage.readLog(from))).map((e) => e.zxid);
}

export function range(from: bigint, toInclusive: bigint): bigint[] {
  const out: bigint[] = [];
  for (let z = from; z <= toInclusive; z++) out.push(z);
  return out;
}

/**
 * A database as a build of format 1 left it: the format record says 1 and each entry is its
 * own record (key 01 · zxid; value prevZxid · data · crc32 over key and value). The entries
 * in `damaged` get a wrong checksum.
 */
export async function writeFormat1(databaseDir: string, log: readonly LogEntry[], damaged: readonly bigint[] = []): Promise<void> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(databaseDir, { keyEncoding: "view", valueEncoding: "view" });
  const version = new Uint8Array(4);
  new DataView(version.buffer).setUint32(0, 1);
  await db.put(FORMAT_KEY, encodeCheckedValue(FORMAT_KEY, version));
  let prevZxid = 0n;
  for (const { zxid, data } of log) {
    const key = logKey(zxid, LEGACY_LOG_RANGE);
    const value = new Uint8Array(8 + data.length + 4);
    const view = new DataView(value.buffer);
    view.setBigUint64(0, prevZxid);
    value.set(data, 8);
    view.setUint32(8 + data.length, crc32(value.subarray(0, 8 + data.length), crc32(key)) ^ (damaged.includes(zxid) ? 1 : 0));
    await db.put(key, value);
    prevZxid = zxid;
  }
  await db.close();
}

/** The version in a closed database's format record. */
export async function formatVersion(databaseDir: string): Promise<number> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(databaseDir, { keyEncoding: "view", valueEncoding: "view" });
  const payload = decodeCheckedValue(FORMAT_KEY, (await db.get(FORMAT_KEY))!)!;
  await db.close();
  return new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
}
