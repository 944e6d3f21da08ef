// The whole story in one command: a local Warden server, two instances of the "hello"
// service, a caller that discovers them and calls them round robin; one instance is
// killed with SIGKILL and the caller stops calling it once its session has timed out.
//   node examples/registry/demo.mjs          (after npm run build)
// Pass a connect string to use a running ensemble instead: node demo.mjs 127.0.0.1:2281
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@warden/client";
import { HealthChecker } from "@warden/recipes";
import { callRoundRobin } from "./caller.mjs";

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const log = (line) => console.log(`[caller] ${line}`);

async function localServer() {
  const { freePort, loadConfig, startServer } = await import("@warden/server");
  const dataDir = await mkdtemp(join(tmpdir(), "warden-demo-"));
  const nativePort = await freePort();
  const server = await startServer(
    loadConfig(undefined, { dataDir, nativePort: String(nativePort), clientPort: "0", adminPort: "0", tickTime: "200" }),
    { log: () => {} },
  );
  return {
    connectString: `127.0.0.1:${nativePort}`,
    stop: async () => (await server.stop(), await rm(dataDir, { recursive: true, force: true })),
  };
}

function startService(connectString, id) {
  const child = spawn(process.execPath, [here("./service.mjs"), connectString, id], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve) => {
    child.stdout.on("data", (d) => {
      process.stdout.write(`[${id}] ${d}`);
      if (String(d).includes("registered")) resolve(child);
    });
  });
}

const server = process.argv[2] ? { connectString: process.argv[2], stop: async () => {} } : await localServer();
// The registry side: probes each instance's /health and marks it failing or passing.
const checkerClient = createClient(server.connectString);
const checker = new HealthChecker(checkerClient);
checker.on("result", (instance, result) => result.status === "failing" && console.log(`[checker] ${instance.id}: ${result.output}`));
await checker.start();
const services = [await startService(server.connectString, "hello-1"), await startService(server.connectString, "hello-2")];
const stop = new AbortController();
const calling = callRoundRobin(server.connectString, { log, signal: stop.signal, intervalMs: 150 });
await new Promise((r) => setTimeout(r, 1500));
console.log("[demo] killing hello-2 with SIGKILL");
services[1].kill("SIGKILL");
await new Promise((r) => setTimeout(r, 4500));
stop.abort();
await calling;
services[0].kill("SIGTERM");
await new Promise((r) => services[0].once("exit", r));
await checker.close();
await checkerClient.close();
await server.stop();
console.log("[demo] done");
