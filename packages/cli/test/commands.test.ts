// `warden server` and `warden ensemble` as child processes, and the server flags' mapping.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "@warden/server";
import { serverOverrides } from "../src/commands/server.js";
import { WARDEN, assertBuilt, runWarden, tempDir } from "./e2e-helpers.js";

describe("warden server flags", () => {
  it("become configuration overrides under ZooKeeper's key names, --set for any key", () => {
    expect(
      serverOverrides({
        dataDir: "/d",
        dataLogDir: "/l",
        nativePort: "1",
        clientPort: "2",
        adminPort: "3",
        myid: "4",
        tickTime: "500",
        set: ["maxClientCnxns=10", "autopurge.snapRetainCount = 5"],
      }),
    ).toEqual({
      dataDir: "/d",
      dataLogDir: "/l",
      nativePort: "1",
      clientPort: "2",
      adminPort: "3",
      myid: "4",
      tickTime: "500",
      maxClientCnxns: "10",
      "autopurge.snapRetainCount": "5",
    });
  });
  it("named flags win over --set", () => {
    expect(serverOverrides({ dataDir: "/flag", set: ["dataDir=/set"] })).toEqual({ dataDir: "/flag" });
  });
  it("refuses a --set without key=value", () => {
    expect(() => serverOverrides({ set: ["tickTime"] })).toThrow("--set tickTime: expected key=value");
  });
});

/** Starts `warden server ...` and resolves once it serves; the child and its output so far. */
async function serve(args: string[]) {
  const child = spawn(process.execPath, [WARDEN, "server", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const deadline = Date.now() + 20_000;
  while (!output.includes("serving:")) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`warden server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, exited, output: () => output };
}

describe("warden server", () => {
  it("serves from flags alone, stops on SIGTERM with exit 0, and keeps its data for the next start", async () => {
    assertBuilt();
    const dir = tempDir("warden-server-");
    const ports = [await freePort(), await freePort(), await freePort()].map(String);
    const args = [
      "--dataDir",
      dir.path,
      "--nativePort",
      ports[0]!,
      "--clientPort",
      ports[1]!,
      "--adminPort",
      ports[2]!,
      "--tickTime",
      "200",
    ];
    const cs = `127.0.0.1:${ports[0]}`;
    try {
      const first = await serve(args);
      expect((await runWarden(["shell", cs, "-c", "create /kept yes"])).code).toBe(0);
      // SIGQUIT (what a JVM tool like jcmd sends) prints diagnostics and does not stop it.
      first.child.kill("SIGQUIT");
      const deadline = Date.now() + 5000;
      while (!first.output().includes("Mode: standalone") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(first.output()).toContain("SIGQUIT: diagnostics");
      expect(first.output()).toContain("zk_znode_count\t");
      expect((await runWarden(["shell", cs, "-c", "get /kept"])).code).toBe(0);
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);
      const second = await serve(args);
      expect(await runWarden(["shell", cs, "-c", "get /kept"])).toMatchObject({ code: 0, stdout: "yes\n" });
      second.child.kill("SIGINT");
      expect(await second.exited).toBe(0);
    } finally {
      dir.remove();
    }
  });

  it("--dataLogDir puts the transaction log there; a server whose log is elsewhere exits 2 naming it", async () => {
    assertBuilt();
    const dir = tempDir("warden-server-");
    const logDir = tempDir("warden-server-log-");
    const ports = [await freePort(), await freePort(), await freePort()].map(String);
    const args = [
      "--dataDir",
      dir.path,
      "--dataLogDir",
      logDir.path,
      "--nativePort",
      ports[0]!,
      "--clientPort",
      ports[1]!,
      "--adminPort",
      ports[2]!,
      "--tickTime",
      "200",
    ];
    try {
      const first = await serve(args);
      expect(first.output()).toContain(`log ${logDir.path}`);
      expect((await runWarden(["shell", `127.0.0.1:${ports[0]}`, "-c", "create /in-log yes"])).code).toBe(0);
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);
      expect(existsSync(join(logDir.path, "warden", "db", "CURRENT"))).toBe(true);
      expect(existsSync(join(dir.path, "warden", "db"))).toBe(false);
      const second = await serve(args);
      expect(await runWarden(["shell", `127.0.0.1:${ports[0]}`, "-c", "get /in-log"])).toMatchObject({ code: 0, stdout: "yes\n" });
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
      // Back in dataDir with the log left in logDir: the log is missing, said plainly.
      const moved = await runWarden(["server", ...args.filter((_, i) => i !== 2 && i !== 3)]);
      expect(moved.code).toBe(2);
      expect(moved.stderr).toMatch(
        /^warden server: WARDEN_ERR_STORAGE_MISPLACED_DATA: the transaction log of .* is in .*warden-server-log-.*not starting with an empty log/,
      );
    } finally {
      dir.remove();
      logDir.remove();
    }
  });

  it("exits 2 with the configuration error's message", async () => {
    assertBuilt();
    const dir = tempDir("warden-server-");
    try {
      const run = await runWarden(["server", "--dataDir", dir.path, "--set", "noSuchKey=1"]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^warden server: .*noSuchKey/);
      const missing = await runWarden(["server", "--config", `${dir.path}/absent.cfg`]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("cannot read configuration");
    } finally {
      dir.remove();
    }
  });
});

describe("warden ensemble", () => {
  it("starts servers in the background, reports them, is the shell's default, and stops", async () => {
    assertBuilt();
    const cwd = tempDir("warden-ensemble-");
    try {
      const start = await runWarden(["ensemble", "start", "-n", "1", "--tick-time", "200"], { cwd: cwd.path, timeoutMs: 40_000 });
      expect(start.code).toBe(0);
      expect(start.stdout).toMatch(/^started 1 server in .*\.warden\/ensemble\nconnect string: +127\.0\.0\.1:\d+\n/);
      expect(start.stdout).toContain("warden ensemble stop\n");
      const status = await runWarden(["ensemble", "status"], { cwd: cwd.path });
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/^id +pid +state +native +client +admin\n1 +\d+ +(standalone|leader) +\d+/);
      expect(await runWarden(["shell", "-c", "ls /"], { cwd: cwd.path })).toEqual({ code: 0, stdout: "[zookeeper]\n", stderr: "" });
      expect((await runWarden(["ensemble", "start", "-n", "1"], { cwd: cwd.path })).stderr).toContain("already running");
      expect(await runWarden(["ensemble", "stop", "--wipe"], { cwd: cwd.path })).toMatchObject({
        code: 0,
        stdout: "stopped 1 server; removed .warden/ensemble\n",
      });
      expect(await runWarden(["ensemble", "status"], { cwd: cwd.path })).toMatchObject({
        code: 1,
        stdout: "no ensemble in .warden/ensemble\n",
      });
    } finally {
      await runWarden(["ensemble", "stop", "--wipe"], { cwd: cwd.path });
      cwd.remove();
    }
  });
});
