import { open, readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";

// Snapshot files live in <dir>/snapshots, named by zxid in fixed-width hex so that names sort
// like zxids. A file becomes visible under its final name only by rename(2) after fsync, then
// the directory is fsynced; anything else in the directory is a leftover of a crash.

const PREFIX = "snapshot.";
const TEMPORARY_MARK = ".tmp-";
const NAME_PATTERN = /^snapshot\.([0-9a-f]{16})$/;
let temporaryCounter = 0;

export function snapshotFileName(zxid: bigint): string {
  return PREFIX + zxid.toString(16).padStart(16, "0");
}

export function temporaryFileName(zxid: bigint): string {
  return `${snapshotFileName(zxid)}${TEMPORARY_MARK}${process.pid}-${++temporaryCounter}`;
}

/** The zxids of the complete snapshot files, ascending. */
export async function listSnapshotZxids(snapshotDir: string): Promise<bigint[]> {
  const zxids: bigint[] = [];
  for (const name of await readdir(snapshotDir)) {
    const match = NAME_PATTERN.exec(name);
    if (match) zxids.push(BigInt(`0x${match[1]}`));
  }
  return zxids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Removes half-written snapshots left by a crash; only safe while holding the directory lock. */
export async function removeTemporaryFiles(snapshotDir: string): Promise<number> {
  const names = (await readdir(snapshotDir)).filter((name) => name.startsWith(PREFIX) && name.includes(TEMPORARY_MARK));
  for (const name of names) await unlink(join(snapshotDir, name));
  if (names.length > 0) await fsyncDirectory(snapshotDir);
  return names.length;
}

export async function deleteSnapshotFiles(snapshotDir: string, zxids: readonly bigint[]): Promise<void> {
  if (zxids.length === 0) return;
  for (const zxid of zxids) await unlink(join(snapshotDir, snapshotFileName(zxid))).catch(ignoreMissing);
  await fsyncDirectory(snapshotDir);
}

export async function publishFile(temporaryPath: string, finalPath: string, directory: string): Promise<void> {
  await rename(temporaryPath, finalPath);
  await fsyncDirectory(directory);
}

/** Makes renames and unlinks in `directory` durable. */
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}
