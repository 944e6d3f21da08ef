// ZooKeeper's forceSync and fsync.warningthresholdms, as storage options.
import { describe, expect, it } from "vitest";
import { Storage } from "@warden/storage";
import { entries, range, readZxids, tempDir, track } from "./helpers.js";

describe("forceSync", () => {
  it("on (the default): every group write is synced", async () => {
    const storage = track(await Storage.open(await tempDir()));
    await storage.append(entries(1n, 3));
    await storage.append(entries(4n, 3));
    expect(storage.stats).toMatchObject({ syncedWrites: 2, unsyncedWrites: 0, entriesWritten: 6 });
  });

  it("off: writes are not synced (ZooKeeper's forceSync=no), and still read back after a reopen", async () => {
    const dir = await tempDir();
    const storage = track(await Storage.open(dir, { forceSync: false }));
    await storage.append(entries(1n, 3));
    await storage.setMeta("epoch", new Uint8Array([1]));
    expect(storage.stats).toMatchObject({ syncedWrites: 0, unsyncedWrites: 2, entriesWritten: 3 });
    await storage.close();
    expect(await readZxids(track(await Storage.open(dir)))).toEqual(range(1n, 3n));
  });
});

describe("fsync.warningthresholdms", () => {
  it("reports a synced write that took longer than the threshold, with its time", async () => {
    const slow: number[] = [];
    const storage = track(await Storage.open(await tempDir(), { fsyncWarningThresholdMs: 0, onSlowFsync: (ms) => slow.push(ms) }));
    await storage.append(entries(1n, 3));
    expect(slow).toHaveLength(1);
    expect(slow[0]).toBeGreaterThan(0);
  });

  it("reports nothing under the threshold, nor when writes are not synced", async () => {
    const slow: number[] = [];
    const a = track(await Storage.open(await tempDir(), { fsyncWarningThresholdMs: 60_000, onSlowFsync: (ms) => slow.push(ms) }));
    await a.append(entries(1n, 3));
    const b = track(
      await Storage.open(await tempDir(), { forceSync: false, fsyncWarningThresholdMs: 0, onSlowFsync: (ms) => slow.push(ms) }),
    );
    await b.append(entries(1n, 3));
    expect(slow).toEqual([]);
  });
});
