// Starting and stopping a server in this process: a stop at any moment is clean (no work
// left running against closed storage), and a restart on the same directory keeps the data.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, startServer } from "@warden/server";
import { startStandalone, waitFor } from "./harness.js";

describe("server lifecycle", () => {
  it("a stop right after start, while the lone voter elects itself, leaves nothing running", async () => {
    const s = await startStandalone({}, { serving: false });
    await s.stop();
    await new Promise((r) => setImmediate(r));
    expect(s.log.filter((l) => l.startsWith("FATAL"))).toEqual([]);
  });

  it("a stop in the middle of a write load is clean, and the acknowledged writes are there after a restart", async () => {
    const s = await startStandalone();
    const c = await s.client();
    await c.create("/busy");
    let acked = 0;
    const writes = Array.from({ length: 200 }, (_, n) =>
      c.create(`/busy/n${n}`).then(
        () => acked++,
        () => undefined,
      ),
    );
    await waitFor("some writes to be acknowledged", () => acked >= 20);
    // Stop the server itself (the harness would also close clients and remove the directory).
    await s.server.stop();
    await Promise.all(writes);
    expect(s.log.filter((l) => l.startsWith("FATAL"))).toEqual([]);
    const again = await startServer(loadConfig(undefined, { dataDir: s.dataDir, nativePort: "0", clientPort: "0", adminPort: "0" }), {
      log: () => undefined,
    });
    try {
      await waitFor("the restarted server to serve", () => again.node.serving);
      expect(again.node.tree.nodeCount).toBeGreaterThanOrEqual(acked);
    } finally {
      await again.stop();
      await s.stop();
    }
  });

  it("a restart whose newest snapshot is damaged loads the one before and replays the log from there", async () => {
    // The log after the newest snapshot is read while it loads; when it turns out damaged, the
    // entries between the older snapshot and it must be read too.
    const s = await startStandalone({ snapCount: "20" });
    const snapshots = join(s.dataDir, "warden", "snapshots");
    const files = () =>
      readdirSync(snapshots)
        .filter((n) => /^snapshot\.[0-9a-f]+$/.test(n))
        .sort();
    let again: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const c = await s.client();
      let n = 0;
      // Two snapshots at least, then entries after the newest.
      while (files().length < 2 || n < 60) await c.create(`/n${n++}`, "x");
      for (let k = 0; k < 5; k++) await c.create(`/n${n++}`, "x");
      await s.server.stop();
      const newest = join(snapshots, files().at(-1)!);
      const bytes = readFileSync(newest);
      bytes.fill(0x55, bytes.length >> 1, (bytes.length >> 1) + 16);
      writeFileSync(newest, bytes);
      const log: string[] = [];
      again = await startServer(loadConfig(undefined, { dataDir: s.dataDir, nativePort: "0", clientPort: "0", adminPort: "0" }), {
        log: (l) => log.push(l),
      });
      const restarted = again;
      await waitFor("the restarted server to serve", () => restarted.node.serving);
      expect(log.some((l) => l.startsWith("skipped a damaged snapshot"))).toBe(true);
      const missing = Array.from({ length: n }, (_, k) => `/n${k}`).filter((p) => !restarted.node.tree.exists(p));
      expect(missing).toEqual([]);
    } finally {
      await again?.stop();
      await s.stop();
    }
  });
});
