// The server half of pipelined.bench.mjs: a standalone Warden server in this process (so its
// own V8 heap can be read), which samples process.memoryUsage() every 5 ms and answers the
// parent's "peak" message with the peaks since the last one. RSS's peak is the kernel's
// high-water mark (VmHWM), reset through /proc/self/clear_refs, so a burst between two
// samples (the event loop is busy decoding) is not missed.
import { mkdtemp, rm, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { setFlagsFromString } from "node:v8";
import { join } from "node:path";
import { freePort, loadConfig, startServer } from "../packages/server/dist/index.js";

const settings = JSON.parse(process.argv[2] ?? "{}");
const dataDir = await mkdtemp(join(tmpdir(), "warden-bench-pipelined-"));
const host = "127.0.0.1";
const config = loadConfig(undefined, {
  dataDir,
  clientPortAddress: host,
  "admin.serverAddress": host,
  nativePort: String(await freePort(host)),
  clientPort: String(await freePort(host)),
  adminPort: String(await freePort(host)),
  maxClientCnxns: "0",
  ...settings,
});
// As `warden server` does (packages/cli/src/commands/server.ts).
if (config.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
const server = await startServer(config, { log: () => undefined });
while (!server.node.serving) await new Promise((r) => setTimeout(r, 10));

const MIB = 1024 * 1024;
let peak = { heapUsed: 0, heapTotal: 0 };
const sample = () => {
  const m = process.memoryUsage();
  peak = { heapUsed: Math.max(peak.heapUsed, m.heapUsed), heapTotal: Math.max(peak.heapTotal, m.heapTotal) };
};
setInterval(sample, 5).unref();
const hwmMib = async () => Number(/VmHWM:\s+(\d+)/.exec(await readFile("/proc/self/status", "utf8"))[1]) / 1024;

// PIPELINED_PROFILE=file: samples what survived young collections (promoted, then collected or
// still alive), to see which allocations reach the old generation.
let profiler;
if (process.env.PIPELINED_PROFILE) {
  const { Session } = await import("node:inspector/promises");
  profiler = new Session();
  profiler.connect();
  await profiler.post("HeapProfiler.enable");
}

process.on("message", async (msg) => {
  if (msg.type === "reset" && profiler)
    await profiler.post("HeapProfiler.startSampling", {
      samplingInterval: 512,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: process.env.PIPELINED_PROFILE_MINOR === "1",
    });
  if (msg.type === "peak" && profiler) {
    const { profile } = await profiler.post("HeapProfiler.stopSampling");
    await writeFile(process.env.PIPELINED_PROFILE, JSON.stringify(profile));
  }
  if (msg.type === "reset") {
    globalThis.gc?.();
    await writeFile("/proc/self/clear_refs", "5").catch(() => undefined);
    peak = { heapUsed: 0, heapTotal: 0 };
    sample();
    const m = process.memoryUsage();
    process.send({ type: "reset", rssMib: m.rss / MIB, heapUsedMib: m.heapUsed / MIB });
  } else if (msg.type === "peak") {
    sample();
    process.send(
      {
        type: "peak",
        rssMib: await hwmMib(),
        heapUsedMib: peak.heapUsed / MIB,
        heapTotalMib: peak.heapTotal / MIB,
        counts: server.stateCounts(),
      },
      undefined,
      {},
      () => undefined,
    );
  } else if (msg.type === "live") {
    // What the load left alive (its watches, while its connections are open), after a full collection.
    globalThis.gc?.();
    process.send({ type: "live", heapUsedMib: process.memoryUsage().heapUsed / MIB });
  } else if (msg.type === "stop") {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
});
process.send({ type: "ready", ports: server.ports });
