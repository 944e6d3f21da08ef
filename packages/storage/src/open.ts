import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { decodeCheckedValue, decodeU64, encodeCheckedValue, encodeU64 } from "./codec.js";
import { StorageError, StorageErrorReason } from "./errors.js";
import { FLOOR_KEY, FORMAT_KEY } from "./keys.js";
import { databaseFailed } from "./log-reader.js";
import type { ResolvedStorageOptions } from "./options.js";
import type { Database } from "./writer.js";

/** Version of the on-disk layout (keys, value framing). A newer one is refused, never misread. */
export const STORAGE_FORMAT_VERSION = 1;

export interface DirectoryLayout {
  dir: string;
  databaseDir: string;
  snapshotDir: string;
}

export function layoutOf(dir: string): DirectoryLayout {
  return { dir, databaseDir: join(dir, "db"), snapshotDir: join(dir, "snapshots") };
}

/** Opens LevelDB, which takes the directory's lock (fcntl, so across processes and within one). */
export async function openDatabase(layout: DirectoryLayout, options: ResolvedStorageOptions): Promise<Database> {
  await mkdir(layout.databaseDir, { recursive: true });
  await mkdir(layout.snapshotDir, { recursive: true });
  const db = new ClassicLevel<Uint8Array, Uint8Array>(layout.databaseDir, {
    keyEncoding: "view",
    valueEncoding: "view",
    writeBufferSize: options.levelWriteBufferBytes,
  });
  try {
    await db.open();
  } catch (error) {
    if (hasCode(error, "LEVEL_LOCKED")) {
      throw new StorageError(StorageErrorReason.LOCKED, `${layout.dir} is in use by another Warden storage (LevelDB lock held)`, {
        file: join(layout.databaseDir, "LOCK"),
        cause: error,
      });
    }
    throw databaseFailed(error, layout.databaseDir);
  }
  return db;
}

function hasCode(error: unknown, code: string): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === code) return true;
  }
  return false;
}

/** Writes the format record into an empty database; refuses a newer, unknown or missing one. */
export async function checkFormat(db: Database, databaseDir: string): Promise<void> {
  const stored = await db.get(FORMAT_KEY);
  if (stored === undefined) {
    const [anyKey] = await db.keys({ limit: 1 }).all();
    if (anyKey !== undefined) {
      throw new StorageError(StorageErrorReason.FORMAT_INVALID, `${databaseDir} holds data but no Warden format record`, { file: databaseDir });
    }
    const version = new Uint8Array(4);
    new DataView(version.buffer).setUint32(0, STORAGE_FORMAT_VERSION);
    await db.put(FORMAT_KEY, encodeCheckedValue(FORMAT_KEY, version), { sync: true });
    return;
  }
  const payload = decodeCheckedValue(FORMAT_KEY, stored);
  if (payload === undefined || payload.length !== 4) {
    throw new StorageError(StorageErrorReason.FORMAT_INVALID, `the format record of ${databaseDir} fails its checksum`, { file: databaseDir });
  }
  const version = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
  if (version > STORAGE_FORMAT_VERSION) {
    throw new StorageError(
      StorageErrorReason.FORMAT_NEWER,
      `${databaseDir} has format version ${version}; this build understands up to ${STORAGE_FORMAT_VERSION}`,
      { file: databaseDir },
    );
  }
  if (version < 1) throw new StorageError(StorageErrorReason.FORMAT_INVALID, `${databaseDir} has format version ${version}`, { file: databaseDir });
}

export async function readFloor(db: Database, databaseDir: string): Promise<bigint> {
  const stored = await db.get(FLOOR_KEY);
  if (stored === undefined) return 0n;
  const payload = decodeCheckedValue(FLOOR_KEY, stored);
  const floor = payload && decodeU64(payload);
  if (floor === undefined) throw new StorageError(StorageErrorReason.LOG_CORRUPT, `the log floor record of ${databaseDir} fails its checksum`, { file: databaseDir });
  return floor;
}

export function floorValue(floor: bigint): Uint8Array {
  return encodeCheckedValue(FLOOR_KEY, encodeU64(floor));
}
