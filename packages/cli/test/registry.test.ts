// `warden registry` as a child process against a real server: register (permanent and
// held by the command), list services and instances, watch, deregister.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runWarden, startRealServer, type RealServer } from "./e2e-helpers.js";

let real: RealServer;
beforeAll(async () => {
  assertBuilt();
  real = await startRealServer();
});
afterAll(async () => {
  await real?.stop();
});

const WARDEN = new URL("../../../bin/warden", import.meta.url).pathname;

/** Runs a long-lived warden command; resolves `waitFor` when its output contains the text. */
function background(args: string[]) {
  const child = spawn(process.execPath, [WARDEN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  // The exit code, or the signal that ended the process, with its output (for a failure's message).
  const exited = new Promise<string>((r) => child.on("exit", (code, signal) => r(`${code ?? signal}\n${out}`)));
  return {
    output: () => out,
    async waitFor(text: string, timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no "${text}" in the output of warden ${args.join(" ")}:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: async () => {
      child.kill("SIGINT");
      return exited;
    },
  };
}

describe("warden registry", () => {
  it("registers permanently, lists services and instances, and deregisters", async () => {
    const c = ["--connect", real.connectString];
    expect((await runWarden(["registry", "services", ...c])).stdout).toBe("(no services)\n");
    const reg = await runWarden(["registry", "register", "api", "api-1", "10.0.0.5", "8080", "-m", "zone=a", "--permanent", ...c]);
    expect(reg).toEqual({ code: 0, stdout: "registered api/api-1 (permanent)\n", stderr: "" });
    expect((await runWarden(["registry", "services", ...c])).stdout).toBe("api\n");
    const list = (await runWarden(["registry", "instances", "api", ...c])).stdout;
    expect(list).toMatch(/^ID\s+ADDRESS\s+HEALTH/);
    expect(list).toMatch(/api-1\s+10\.0\.0\.5:8080\s+healthy\s+healthy\s+-\s+\{"zone":"a"\}/);
    expect(await runWarden(["registry", "deregister", "api", "api-1", ...c])).toEqual({
      code: 0,
      stdout: "deregistered api/api-1\n",
      stderr: "",
    });
    expect((await runWarden(["registry", "deregister", "api", "api-1", ...c])).code).toBe(1);
    expect((await runWarden(["registry", "instances", "api", ...c])).stdout).toBe("(no instances of api)\n");
  });

  it("a registration held by the command is watched coming and going", async () => {
    const watch = background(["registry", "watch", "web", "--connect", real.connectString]);
    const holder = background(["registry", "register", "web", "web-1", "127.0.0.1", "9000", "--connect", real.connectString]);
    await holder.waitFor("press Ctrl-C to deregister");
    await watch.waitFor("added web-1 127.0.0.1:9000; healthy: web-1");
    expect(await holder.stop()).toMatch(/^0\n.*deregistered web\/web-1\n$/s);
    await watch.waitFor("removed web-1 127.0.0.1:9000; healthy: none");
    expect(await watch.stop()).toMatch(/^0\n/);
  });
});
