// warden shell's config and reconfig, with zkCli's flags, checks and output (GetConfigCommand,
// ReconfigCommand), against a real server: a quorum of one (standaloneEnabled=false) with
// reconfigEnabled, whose /zookeeper/config lists it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDynamicConfig } from "@warden/client";
import { freePort, loadConfig, startServer, type WardenServer } from "@warden/server";
import { Shell } from "../src/shell/shell.js";
import { parseCommand } from "../src/shell/command.js";
import { CONFIG_COMMANDS, reconfigSpecOf } from "../src/shell/commands/config.js";

const reconfigSpec = CONFIG_COMMANDS.find((c) => c.name === "reconfig")!;
const parse = (line: string, files: Record<string, string> = {}) =>
  reconfigSpecOf(reconfigSpec, parseCommand(reconfigSpec, line.split(" ").slice(1)), (p) => {
    if (files[p] === undefined) throw new Error(` (No such file or directory)`);
    return files[p];
  });

describe("reconfig's flags, as ReconfigCommand.parse reads them", () => {
  it("-add, -remove and -members are lower-cased; -v is hexadecimal", () => {
    expect(parse("reconfig -remove 3 -add server.5=ZK5:1234:1235;1236 -v 100000000")).toEqual({
      joining: "server.5=zk5:1234:1235;1236",
      leaving: "3",
      fromConfig: 0x100000000n,
    });
    expect(parse("reconfig -members server.1=a:1:2;3,server.2=b:1:2;3")).toEqual({ newMembers: "server.1=a:1:2;3,server.2=b:1:2;3" });
  });

  it("-file is checked as parseDynamicConfig checks it and sent as QuorumMaj's text", () => {
    expect(parse("reconfig -file /cfg", { "/cfg": "server.2=b:1:2;3\nserver.1=a:1:2:observer;3\n" })).toEqual({
      newMembers: "server.1=a:1:2:observer;0.0.0.0:3\nserver.2=b:1:2:participant;0.0.0.0:3\nversion=0",
    });
    expect(() => parse("reconfig -file /cfg", { "/cfg": "tickTime=1" })).toThrow("Error processing /cfgUnrecognised parameter: tickTime");
  });

  it("refuses what zkCli refuses, with its messages", () => {
    expect(() => parse("reconfig -s")).toThrow(/usage: reconfig \[-s\]/);
    expect(() => parse("reconfig -file f -add 1=a:1:2;3")).toThrow(
      "Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)",
    );
    expect(() => parse("reconfig -file f -members x")).toThrow("Can't use -file and -members together (conflicting non-incremental modes)");
    expect(() => parse("reconfig -remove 1 -v xyz")).toThrow("-v must be followed by a long (configuration version)");
  });
});

describe("config and reconfig in the shell", () => {
  let server: WardenServer;
  let dir: string;
  let line: string;
  const out: string[] = [];
  const err: string[] = [];
  let shell: Shell;
  const run = async (command: string) => {
    const [o, e] = [out.length, err.length];
    const ok = await shell.execute(command);
    return { ok, out: out.slice(o).join(""), err: err.slice(e).join("") };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "warden-cli-config-"));
    const [peer, election, client, native, admin] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    line = `127.0.0.1:${peer}:${election}:participant;127.0.0.1:${client}`;
    const config = loadConfig(undefined, {
      dataDir: dir,
      nativePort: String(native),
      clientPort: String(client),
      clientPortAddress: "127.0.0.1",
      adminPort: String(admin),
      tickTime: "200",
      standaloneEnabled: "false",
      reconfigEnabled: "true",
      "server.1": line,
      myid: "1",
      superDigest: "super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
    });
    server = await startServer(config, { log: () => undefined });
    const deadline = Date.now() + 10_000;
    while (!server.node.serving && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    shell = new Shell({ io: { out: (t) => out.push(t), err: (t) => err.push(t) }, connectTimeoutMs: 5000 });
    await shell.connect(`127.0.0.1:${native}`);
  });
  afterAll(async () => {
    await shell?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("config prints /zookeeper/config; -c the client connection string; -s the Stat", async () => {
    expect(await run("config")).toEqual({ ok: true, out: `server.1=${line}\nversion=0\n`, err: "" });
    const port = line.slice(line.lastIndexOf(":") + 1);
    expect((await run("config -c")).out).toBe(`0 127.0.0.1:${port}\n`);
    const withStat = await run("config -s");
    expect(withStat.out).toContain(`server.1=${line}\nversion=0\ncZxid = 0x0\n`);
    expect(withStat.out).toContain("dataVersion = -1\n");
  });

  it("config -w prints the event when the configuration changes", async () => {
    await run("config -w");
    server.membership.replace(parseDynamicConfig(`server.1=${line}\nversion=100000003`));
    const deadline = Date.now() + 5000;
    while (!out.join("").includes("path:/zookeeper/config") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(out.join("")).toMatch(/type:NodeDataChanged path:\/zookeeper\/config/);
    expect((await run("config")).out).toBe(`server.1=${line}\nversion=100000003\n`);
  });

  it("reconfig prints zkCli's messages for the server's refusals", async () => {
    expect(await run("reconfig -remove 1 -v 5")).toMatchObject({ ok: false, err: "version No is not valid : \n" });
    expect(await run(`reconfig -add server.1=${line}`)).toMatchObject({ ok: false, err: "Insufficient permission : \n" });
    await run("addauth digest super:test");
    expect((await run("reconfig -add server.2=127.0.0.1:1:2;3")).err).toBe(
      "No quorum of new config is connected and up-to-date with the leader of last commmitted config - try invoking reconfiguration after new servers are connected and synced\n",
    );
    // Every check passes: committed through the log, printed as zkCli prints it.
    const committed = await run(`reconfig -add server.1=${line}`);
    expect(committed).toMatchObject({ ok: true, err: "" });
    expect(committed.out).toMatch(
      new RegExp(`^Committed new configuration:\\nserver\\.1=${line.replace(/[.;]/g, (c) => `\\${c}`)}\\nversion=[0-9a-f]+\\n`),
    );
  });
});
