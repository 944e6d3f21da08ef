import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ClassicLevel } from "classic-level";
import { decodeCheckedValue, decodeU64, encodeCheckedValue, encodeU64 } from "./codec.js";
import { StorageError, StorageErrorReason } from "./errors.js";
import { FLOOR_KEY, FORMAT_KEY } from "./keys.js";
import { databaseFailed } from "./log-reader.js";
import type { ResolvedStorageOptions } from "./options.js";
import type { Database } from "./writer.js";

/** Version of the on-disk layout (keys, value framing). A newer one is refused, never misread. */
/**
 * 2: a log record per group commit. A database of format 1 (a record per entry) is marked 2 at
 * open and its records are read where they lie until truncated or purged: a build that knows
 * only 1 must refuse it from then on, since it would not see the records written after.
 */
export const STORAGE_FORMAT_VERSION = 2;

export interface DirectoryLayout {
  dir: string;
  /** Where the log database lives: `dir` unless a separate log directory is given. */
  logDir: string;
  databaseDir: string;
  snapshotDir: string;
}

export function layoutOf(dir: string, logDir = dir): DirectoryLayout {
  if (resolve(logDir) === resolve(dir)) logDir = dir;
  return { dir, logDir, databaseDir: join(logDir, "db"), snapshotDir: join(dir, "snapshots") };
}

/**
 * Refuses to start on data this layout would half read: with a separate log directory, a log
 * database in `dir` or snapshots in `logDir`; with no log database where configured, a log
 * where `dir` last had it (its `log-dir` record) or snapshots in `dir` (the log is elsewhere).
 */
export async function checkPlacement(layout: DirectoryLayout): Promise<void> {
  if (layout.logDir !== layout.dir) await checkSeparateLogDir(layout);
  if ((await listOrEmpty(layout.databaseDir)).length > 0) return;
  // No log where the configuration says: find out whether this data directory had one elsewhere.
  const recorded = await readLogDirRecord(layout.dir);
  if (recorded !== undefined && recorded !== resolve(layout.logDir) && (await listOrEmpty(join(recorded, "db"))).length > 0) {
    misplaced(
      `the transaction log of ${layout.dir} is in ${join(recorded, "db")} (recorded in ${join(layout.dir, LOG_DIR_RECORD)}), and ${layout.databaseDir} has none: ` +
        `set dataLogDir to match, or move the log there with the server stopped; not starting with an empty log`,
      layout.databaseDir,
    );
  }
  if (await hasSnapshots(layout.snapshotDir)) {
    misplaced(
      `${layout.snapshotDir} holds snapshots but there is no transaction log at ${layout.databaseDir}: ` +
        `if the log is elsewhere, set dataLogDir to the directory that holds warden/db; not starting without the log`,
      layout.databaseDir,
    );
  }
}

async function checkSeparateLogDir(layout: DirectoryLayout): Promise<void> {
  const misplacedLog = join(layout.dir, "db");
  if ((await listOrEmpty(misplacedLog)).length > 0) {
    misplaced(
      `${misplacedLog} holds a transaction log, but the log is configured to live in ${layout.databaseDir} (dataLogDir): ` +
        `move ${misplacedLog} to ${layout.databaseDir} with the server stopped, or remove dataLogDir; not starting with an empty log`,
      misplacedLog,
    );
  }
  const misplacedSnapshots = join(layout.logDir, "snapshots");
  if (await hasSnapshots(misplacedSnapshots)) {
    misplaced(
      `${misplacedSnapshots} holds snapshots, but snapshots are configured to live in ${layout.snapshotDir} (dataDir): check dataDir and dataLogDir`,
      misplacedSnapshots,
    );
  }
}

function misplaced(message: string, file: string): never {
  throw new StorageError(StorageErrorReason.MISPLACED_DATA, message, { file });
}

const hasSnapshots = (dir: string) => listOrEmpty(dir).then((names) => names.some((name) => name.startsWith("snapshot.")));

/** A file in `dir` naming the log directory last opened with it: a log left elsewhere is found, not replaced by an empty one. */
const LOG_DIR_RECORD = "log-dir";

async function readLogDirRecord(dir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, LOG_DIR_RECORD), "utf8")).trim() || undefined;
  } catch (error) {
    if (hasCode(error, "ENOENT")) return undefined;
    throw error;
  }
}

/** Records where the log of `dir` lives, once the database there is open (so it exists). */
export async function recordLogDir(layout: DirectoryLayout): Promise<void> {
  const logDir = resolve(layout.logDir);
  if ((await readLogDirRecord(layout.dir)) !== logDir) await writeFile(join(layout.dir, LOG_DIR_RECORD), `${logDir}\n`);
}

async function listOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (hasCode(error, "ENOENT")) return [];
    throw error;
  }
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

/** Writes the format record into an empty database, or over an older one; refuses a newer, unknown or missing one. */
export async function checkFormat(db: Database, databaseDir: string): Promise<void> {
  const stored = await db.get(FORMAT_KEY);
  if (stored === undefined) {
    const [anyKey] = await db.keys({ limit: 1 }).all();
    if (anyKey !== undefined) {
      throw new StorageError(StorageErrorReason.FORMAT_INVALID, `${databaseDir} holds data but no Warden format record`, {
        file: databaseDir,
      });
    }
    await db.put(FORMAT_KEY, formatValue(), { sync: true });
    return;
  }
  const payload = decodeCheckedValue(FORMAT_KEY, stored);
  if (payload === undefined || payload.length !== 4) {
    throw new StorageError(StorageErrorReason.FORMAT_INVALID, `the format record of ${databaseDir} fails its checksum`, {
      file: databaseDir,
    });
  }
  const version = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
  if (version > STORAGE_FORMAT_VERSION) {
    throw new StorageError(
      StorageErrorReason.FORMAT_NEWER,
      `${databaseDir} has format version ${version}; this build understands up to ${STORAGE_FORMAT_VERSION}`,
      { file: databaseDir },
    );
  }
  if (version < 1)
    throw new StorageError(StorageErrorReason.FORMAT_INVALID, `${databaseDir} has format version ${version}`, { file: databaseDir });
  if (version < STORAGE_FORMAT_VERSION) await db.put(FORMAT_KEY, formatValue(), { sync: true });
}

function formatValue(): Uint8Array {
  const version = new Uint8Array(4);
  new DataView(version.buffer).setUint32(0, STORAGE_FORMAT_VERSION);
  return encodeCheckedValue(FORMAT_KEY, version);
}

export async function readFloor(db: Database, databaseDir: string): Promise<bigint> {
  const stored = await db.get(FLOOR_KEY);
  if (stored === undefined) return 0n;
  const payload = decodeCheckedValue(FLOOR_KEY, stored);
  const floor = payload && decodeU64(payload);
  if (floor === undefined)
    throw new StorageError(StorageErrorReason.LOG_CORRUPT, `the log floor record of ${databaseDir} fails its checksum`, {
      file: databaseDir,
    });
  return floor;
}

export function floorValue(floor: bigint): Uint8Array {
  return encodeCheckedValue(FLOOR_KEY, encodeU64(floor));
}
