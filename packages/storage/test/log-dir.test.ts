// A separate log directory (ZooKeeper's dataLogDir): the LevelDB log there, snapshots in the
// data directory, and a refusal to start when data sits where this layout does not look.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Storage, StorageErrorReason } from "@warden/storage";
import { entries, range, readZxids, tempDir, track } from "./helpers.js";

const snapshotChunks = [new Uint8Array([1, 2, 3])];

describe("a log directory apart from the data directory", () => {
  it("keeps the log database in the log directory and snapshots in the data directory, and reopens from both", async () => {
    const dataDir = await tempDir();
    const logDir = await tempDir();
    const storage = track(await Storage.open(dataDir, {}, logDir));
    await storage.append(entries(1n, 20));
    await storage.writeSnapshot(10n, snapshotChunks);
    await storage.close();
    expect(readdirSync(join(logDir, "db")).some((n) => n.endsWith(".log"))).toBe(true);
    expect(existsSync(join(dataDir, "db"))).toBe(false);
    expect(readdirSync(join(dataDir, "snapshots"))).toEqual(["snapshot.000000000000000a"]);
    expect(readdirSync(dataDir).sort()).toEqual(["log-dir", "snapshots"]);
    expect(existsSync(join(logDir, "snapshots"))).toBe(false);

    const reopened = track(await Storage.open(dataDir, {}, logDir));
    expect(reopened.recovery.snapshotZxids).toEqual([10n]);
    expect(await readZxids(reopened)).toEqual(range(1n, 20n));
  });

  it("refuses with MISPLACED_DATA when the data directory holds a log (dataLogDir added to a server with data), creating nothing", async () => {
    const dataDir = await tempDir();
    const logDir = await tempDir();
    const before = track(await Storage.open(dataDir));
    await before.append(entries(1n, 5));
    await before.close();
    const error = await Storage.open(dataDir, {}, logDir).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: StorageErrorReason.MISPLACED_DATA, file: join(dataDir, "db") });
    expect((error as Error).message).toMatch(/holds a transaction log.*not starting with an empty log/);
    expect(readdirSync(logDir)).toEqual([]);
  });

  it("refuses with MISPLACED_DATA when the log directory holds snapshots, as ZooKeeper refuses a log directory with snapshot files", async () => {
    const dataDir = await tempDir();
    const logDir = await tempDir();
    mkdirSync(join(logDir, "snapshots"));
    writeFileSync(join(logDir, "snapshots", "snapshot.0000000000000005"), "x");
    const error = await Storage.open(dataDir, {}, logDir).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: StorageErrorReason.MISPLACED_DATA, file: join(logDir, "snapshots") });
  });

  it("refuses with MISPLACED_DATA when snapshots exist but the log database does not (dataLogDir dropped from the configuration)", async () => {
    const dataDir = await tempDir();
    const logDir = await tempDir();
    const before = track(await Storage.open(dataDir, {}, logDir));
    await before.append(entries(1n, 20));
    await before.writeSnapshot(10n, snapshotChunks);
    await before.close();
    rmSync(join(dataDir, "log-dir")); // as a data directory of a build before the record
    const error = await Storage.open(dataDir).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: StorageErrorReason.MISPLACED_DATA, file: join(dataDir, "db") });
    expect((error as Error).message).toMatch(/holds snapshots but there is no transaction log.*set dataLogDir/);
    const wrongLogDir = await tempDir();
    await expect(Storage.open(dataDir, {}, wrongLogDir)).rejects.toMatchObject({ reason: StorageErrorReason.MISPLACED_DATA });
  });

  it("refuses with MISPLACED_DATA when the log is where the data directory last had it and the configured place has none", async () => {
    const dataDir = await tempDir();
    const logDir = await tempDir();
    const before = track(await Storage.open(dataDir, {}, logDir));
    await before.append(entries(1n, 5));
    await before.close();
    const error = await Storage.open(dataDir).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: StorageErrorReason.MISPLACED_DATA, file: join(dataDir, "db") });
    expect((error as Error).message).toContain(`the transaction log of ${dataDir} is in ${join(logDir, "db")}`);
    expect(existsSync(join(dataDir, "db"))).toBe(false);
  });

  it("opens a log moved to a new log directory, and records the new place", async () => {
    const dataDir = await tempDir();
    const first = track(await Storage.open(dataDir));
    await first.append(entries(1n, 5));
    await first.close();
    const logDir = await tempDir();
    renameSync(join(dataDir, "db"), join(logDir, "db"));
    const moved = track(await Storage.open(dataDir, {}, logDir));
    expect(await readZxids(moved)).toEqual(range(1n, 5n));
    expect(readFileSync(join(dataDir, "log-dir"), "utf8")).toBe(`${logDir}\n`);
  });

  it("the same directory given twice is the ordinary layout", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir, {}, dir));
    await storage.append(entries(1n, 3));
    expect(existsSync(join(dir, "db"))).toBe(true);
  });
});
