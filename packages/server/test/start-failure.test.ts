// A start that fails late (the admin port is taken) closes what it had opened: the storage lock,
// the tick timer and the client ports, so the same dataDir starts again in the same process.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { freePort } from "../src/index.js";
import { startServer, type WardenServer } from "../src/server.js";

const HOST = "127.0.0.1";
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function holdPort(): Promise<number> {
  const port = await freePort(HOST);
  const holder: Server = createServer();
  await new Promise<void>((resolve, reject) => holder.once("error", reject).listen(port, HOST, resolve));
  cleanup.push(() => new Promise((r) => holder.close(r)));
  return port;
}

async function canListen(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once("error", () => resolve(false));
    probe.listen(port, HOST, () => probe.close(() => resolve(true)));
  });
}

describe("a start that fails after storage is open", () => {
  it("closes the storage, the timers and the client ports it had opened, and the same dataDir starts again", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "warden-start-failure-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const keys = async (adminPort: number) => ({
      dataDir,
      tickTime: "100",
      clientPortAddress: HOST,
      "admin.serverAddress": HOST,
      nativePort: String(await freePort(HOST)),
      clientPort: String(await freePort(HOST)),
      adminPort: String(adminPort),
    });
    const failing = await keys(await holdPort());
    const lines: string[] = [];
    await expect(startServer(loadConfig(undefined, failing), { log: (l) => lines.push(l) })).rejects.toThrow(/EADDRINUSE/);
    // The client ports opened before the admin port failed are free again.
    expect(await canListen(Number(failing.nativePort))).toBe(true);
    expect(await canListen(Number(failing.clientPort))).toBe(true);
    expect(lines.filter((l) => l.includes("after a failed start"))).toEqual([]);

    // The storage lock was released: the same dataDir starts, in this process, and serves.
    const server: WardenServer = await startServer(loadConfig(undefined, await keys(await freePort(HOST))), { log: () => {} });
    cleanup.push(() => server.stop());
    expect(server.node.serving).toBe(true);
  });
});
