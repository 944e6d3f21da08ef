import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { LogEntry, Storage } from "@warden/storage";

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
