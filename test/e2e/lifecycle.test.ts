// Starting and stopping a server in this process: a stop at any moment is clean (no work
// left running against closed storage), and a restart on the same directory keeps the data.
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
});
