// The built `warden shell` as a child process against a real Warden server: one command
// with -c, and commands piped on standard input, with their exit codes.
import { createHash } from "node:crypto";
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

describe("warden shell -c", () => {
  it("runs one command, prints its result on stdout and exits 0", async () => {
    expect(await runWarden(["shell", real.connectString, "-c", "create /c hello"])).toEqual({
      code: 0,
      stdout: "Created /c\n",
      stderr: "",
    });
    expect(await runWarden(["shell", real.connectString, "-c", "get /c"])).toEqual({ code: 0, stdout: "hello\n", stderr: "" });
  });

  it("exits 1 with zkCli's message on stderr when the command fails", async () => {
    expect(await runWarden(["shell", real.connectString, "-c", "get /absent"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Node does not exist: /absent\n",
    });
    const usage = await runWarden(["shell", real.connectString, "-c", "ls"]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toBe("missing arguments\nusage: ls [-s] [-w] [-R] path\n");
  });

  it("exits 1 when no server answers within --timeout", async () => {
    const run = await runWarden(["shell", "127.0.0.1:1", "--timeout", "300", "-c", "ls /"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Not connected to 127.0.0.1:1 after 300 ms");
  });
});

describe("warden shell with commands piped on standard input", () => {
  it("runs the lines in order in one session and exits 0 when all succeed", async () => {
    const input = "create /p one\nset /p two\n\ncreate -e /p/e\ngetEphemerals\nget /p\nls /p\n";
    expect(await runWarden(["shell", real.connectString], { input })).toEqual({
      code: 0,
      stdout: "Created /p\nCreated /p/e\n[/p/e]\ntwo\n[e]\n",
      stderr: "",
    });
  });

  it("goes on after a failed command and exits 1", async () => {
    const run = await runWarden(["shell", real.connectString], { input: "create /f\ncreate /f\ndelete -v 7 /f\nls /f\n" });
    expect(run).toEqual({ code: 1, stdout: "Created /f\n[]\n", stderr: "Node already exists: /f\nversion No is not valid : /f\n" });
  });

  it("stops at quit", async () => {
    const run = await runWarden(["shell", real.connectString], { input: "ls /zookeeper\nquit\ncreate /never\n" });
    expect(run.code).toBe(0);
    expect((await runWarden(["shell", real.connectString, "-c", "stat /never"])).code).toBe(1);
  });

  it("prints watch events as they arrive, between results", async () => {
    const run = await runWarden(["shell", real.connectString], { input: "create /w 1\nget -w /w\nset /w 2\nsync /w\n" });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("Created /w\n1\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/w\nSync is OK\n");
  });

  it("enforces ACLs set from the shell and lets addauth in", async () => {
    const hash = createHash("sha1").update("bob:pw").digest("base64");
    const input = `create /acl x digest:bob:${hash}:cdrwa\nget /acl\naddauth digest bob:pw\nget /acl\nsetAcl /acl world:anyone:r\nset /acl y\ngetAcl /acl\n`;
    const run = await runWarden(["shell", real.connectString], { input });
    expect(run).toEqual({
      code: 1,
      stdout: "Created /acl\nx\n'world,'anyone\n: r\n",
      stderr: "Insufficient permission : /acl\nInsufficient permission : /acl\n",
    });
  });

  it("deleteall / removes everything but /zookeeper", async () => {
    const run = await runWarden(["shell", real.connectString], { input: "create /d1\ncreate /d1/d2\ndeleteall /\nls /\n" });
    expect(run).toEqual({ code: 0, stdout: "Created /d1\nCreated /d1/d2\n[zookeeper]\n", stderr: "" });
  });
});
