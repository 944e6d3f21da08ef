// zoo.cfg after a committed reconfig, as ZooKeeper's editStaticConfig leaves it: no membership
// lines, dynamicConfigFile pointing at the new file; the other lines (comments, order,
// continuations) as they were; the client address lines gone only when this server's own line
// carries its client address.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseDynamicConfig } from "@warden/protocol";
import { dynamicFileName, editedStaticConfig, writeConfigFiles } from "../src/reconfig/static-config.js";
import { loadConfig } from "../src/config/config.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("zoo.cfg edited after a reconfig", () => {
  it("drops the membership lines, keeps the rest in order, and points at the dynamic file", () => {
    const text = [
      "# my ensemble",
      "tickTime=2000",
      "server.1=a:1:2;a:3",
      "version=100000000",
      "dynamicConfigFile=/old/zoo.cfg.dynamic.0",
      "peerType=participant",
      "4lw.commands.whitelist=stat, \\",
      "  ruok",
      "clientPort=2181",
      "clientPortAddress=127.0.0.1",
      "",
    ].join("\n");
    expect(editedStaticConfig(text, "/d/zoo.cfg.dynamic.100000002", false)).toBe(
      [
        "# my ensemble",
        "tickTime=2000",
        "4lw.commands.whitelist=stat, \\",
        "  ruok",
        "clientPort=2181",
        "clientPortAddress=127.0.0.1",
        "dynamicConfigFile=/d/zoo.cfg.dynamic.100000002",
        "",
      ].join("\n"),
    );
    expect(editedStaticConfig(text, "/d/x", true)).not.toMatch(/^clientPort/m);
  });

  it("names the file after zoo.cfg, or after the dynamic file given without one", () => {
    expect(dynamicFileName("/e/zoo.cfg", "/e/other.dynamic.0", 0x100000002n)).toBe("/e/zoo.cfg.dynamic.100000002");
    expect(dynamicFileName(undefined, "/e/zoo.cfg.dynamic.0", 0x100000002n)).toBe("/e/zoo.cfg.dynamic.100000002");
    expect(dynamicFileName(undefined, undefined, 1n)).toBeUndefined();
  });

  it("a server started from the edited file reads the new membership and its own client address", () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-static-cfg-"));
    dirs.push(dir);
    const cfg = join(dir, "zoo.cfg");
    writeFileSync(join(dir, "myid"), "2\n");
    writeFileSync(
      cfg,
      `dataDir=${dir}\nclientPort=2182\nclientPortAddress=127.0.0.1\nserver.1=127.0.0.1:5001:6001;127.0.0.1:2181\nserver.2=127.0.0.1:5002:6002;127.0.0.1:2182\nserver.3=127.0.0.1:5003:6003;127.0.0.1:2183\n`,
    );
    const next = parseDynamicConfig(
      `${[1, 2, 3, 4, 5]
        .map((id) => `server.${id}=127.0.0.1:${5000 + id}:${6000 + id}:participant;127.0.0.1:${id === 2 ? 2992 : 2180 + id}`)
        .join("\n")}\nversion=100000007`,
    );
    expect(writeConfigFiles(next, { configFile: cfg, dynamicConfigFile: undefined }, 2)).toBe(`${cfg}.dynamic.100000007`);
    expect(existsSync(`${cfg}.bak`)).toBe(true);
    expect(readFileSync(`${cfg}.dynamic.100000007`, "utf8")).not.toContain("version");
    const loaded = loadConfig(cfg);
    expect(loaded.servers.map((s) => s.id)).toEqual([1, 2, 3, 4, 5]);
    expect(loaded.configVersion).toBe(0x100000007n);
    expect(loaded.dynamicConfigFile).toBe(`${cfg}.dynamic.100000007`);
    // The reconfig moved this server's client port: it is read from its line, not a stale clientPort.
    expect(loaded.clientPort).toBe(2992);
  });
});
