import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, parseProperties, buildConfig, configurationTable } from "../src/config/index.js";

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "warden-config-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("configuration", () => {
  it("reads an unedited ZooKeeper zoo.cfg with ZooKeeper's defaults", () =>
    withDir((dir) => {
      writeFileSync(
        join(dir, "zoo.cfg"),
        [
          "# The number of milliseconds of each tick",
          "tickTime=2000",
          "initLimit=10",
          "syncLimit=5",
          `dataDir=${dir}/data`,
          "clientPort=2181",
          "#maxClientCnxns=60",
          "autopurge.snapRetainCount=3",
          "autopurge.purgeInterval=1",
          "4lw.commands.whitelist=srvr, ruok",
        ].join("\n"),
      );
      const cfg = loadConfig(join(dir, "zoo.cfg"));
      expect(cfg.tickTimeMs).toBe(2000);
      expect(cfg.minSessionTimeoutMs).toBe(4000);
      expect(cfg.maxSessionTimeoutMs).toBe(40000);
      expect(cfg.clientPort).toBe(2181);
      expect(cfg.nativePort).toBe(2281);
      expect(cfg.adminPort).toBe(8080);
      expect(cfg.maxClientCnxns).toBe(60);
      expect(cfg.servers).toEqual([]);
      expect(cfg.fourLetterWords).toEqual(new Set(["srvr", "ruok"]));
      expect(cfg.frameBytesMax).toBe(0xfffff);
    }));

  it("session bounds scale with tickTime", () => {
    const cfg = buildConfig(parseProperties("tickTime=100\ndataDir=/x", "t"), "/");
    expect([cfg.minSessionTimeoutMs, cfg.maxSessionTimeoutMs]).toEqual([200, 2000]);
  });

  it("reads server.N lines and this server's id from dataDir/myid", () =>
    withDir((dir) => {
      writeFileSync(join(dir, "myid"), "2\n");
      writeFileSync(
        join(dir, "zoo.cfg"),
        `dataDir=${dir}\nserver.1=127.0.0.1:2888:3888\nserver.2=127.0.0.2:2889:3889:participant\nserver.3=[::1]:2890:3890:observer;2181\n`,
      );
      const cfg = loadConfig(join(dir, "zoo.cfg"));
      expect(cfg.myId).toBe(2);
      expect(cfg.servers).toEqual([
        { id: 1, host: "127.0.0.1", peerPort: 2888, electionPort: 3888, observer: false },
        { id: 2, host: "127.0.0.2", peerPort: 2889, electionPort: 3889, observer: false },
        { id: 3, host: "::1", peerPort: 2890, electionPort: 3890, observer: true },
      ]);
    }));

  it("refuses a missing myid with a message naming the file", () =>
    withDir((dir) => {
      writeFileSync(join(dir, "zoo.cfg"), `dataDir=${dir}\nserver.1=127.0.0.1:2888:3888\n`);
      expect(() => loadConfig(join(dir, "zoo.cfg"))).toThrow(/myid is missing/);
    }));

  it("names the line of an unknown key", () => {
    expect(() => buildConfig(parseProperties("dataDir=/x\n\ntickTim=2000\n", "zoo.cfg"), "/")).toThrow(
      new ConfigError('zoo.cfg:3: unknown key "tickTim"'),
    );
  });

  it("names the line of a malformed value", () => {
    expect(() => buildConfig(parseProperties("dataDir=/x\ntickTime=fast\n", "zoo.cfg"), "/")).toThrow(/zoo.cfg:2: tickTime must be an integer/);
    expect(() => buildConfig(parseProperties("dataDir=/x\nclientPort=70000\n", "zoo.cfg"), "/")).toThrow(/zoo.cfg:2: clientPort=70000 is out of range/);
    expect(() => buildConfig(parseProperties("dataDir=/x\nserver.1=h:1\n", "zoo.cfg"), "/")).toThrow(/zoo.cfg:2: server.1 has a bad election port/);
  });

  it("lets flags override the file and run without a file", () =>
    withDir((dir) => {
      const cfg = loadConfig(undefined, { dataDir: dir, nativePort: "2999" });
      expect(cfg.dataDir).toBe(dir);
      expect(cfg.nativePort).toBe(2999);
      expect(() => loadConfig(undefined, { nativePort: "2999" })).toThrow(/dataDir is required/);
      expect(() => loadConfig(undefined, { dataDir: dir, nativePort: "x" })).toThrow(/--nativePort: nativePort must be an integer/);
    }));

  it("accepts ZooKeeper keys Warden has no use for, and reports them", () => {
    const cfg = buildConfig(parseProperties("dataDir=/x\npreAllocSize=65536\nreconfigEnabled=false", "z"), "/");
    expect(cfg.ignored).toEqual(["preAllocSize (LevelDB manages files)", "reconfigEnabled (no dynamic reconfiguration)"]);
  });
});

describe("docs/configuration.md", () => {
  // WARDEN_REWRITE=1 npx vitest run packages/server/test/config.test.ts writes the table anew; review the diff.
  it("lists every key with the type, bounds and meaning keys.ts gives it", () => {
    const file = fileURLToPath(new URL("../../../docs/configuration.md", import.meta.url));
    const text = readFileSync(file, "utf8");
    const start = text.indexOf("| key | type | meaning |");
    const end = text.indexOf("\n\n", start) < 0 ? text.length : text.indexOf("\n\n", start) + 1;
    if (process.env.WARDEN_REWRITE) writeFileSync(file, text.slice(0, start) + configurationTable() + text.slice(end));
    else expect(text.slice(start, end)).toBe(configurationTable());
  });
});
