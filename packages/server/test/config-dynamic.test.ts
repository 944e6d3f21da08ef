// The membership keys as ZooKeeper 3.9's QuorumPeerConfig reads them: reconfigEnabled,
// standaloneEnabled, dynamicConfigFile (its name's version suffix), version= in zoo.cfg, a
// server line's client address; and the text /zookeeper/config holds for a configuration.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildConfig, loadConfig, parseProperties } from "../src/config/index.js";
import { configNodeText, versionFromFilename } from "../src/config/dynamic.js";

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "warden-dynamic-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const build = (text: string) => buildConfig(parseProperties(`dataDir=/x\n${text}`, "zoo.cfg"), "/");
const THREE = "server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889\nserver.3=127.0.0.1:2890:3890";

describe("reconfigEnabled and standaloneEnabled", () => {
  it("have ZooKeeper's defaults (reconfig off since 3.5.3, standalone on) and are no longer ignored", () => {
    const cfg = build(`reconfigEnabled=true\nstandaloneEnabled=false\n${THREE}`);
    expect([cfg.reconfigEnabled, cfg.standaloneEnabled, cfg.ignored]).toEqual([true, false, []]);
    const dflt = build(THREE);
    expect([dflt.reconfigEnabled, dflt.standaloneEnabled, dflt.configVersion]).toEqual([false, true, 0n]);
  });

  it("standaloneEnabled=false needs a participant; observers alone are refused, as parseDynamicConfig", () => {
    expect(() => build("standaloneEnabled=false")).toThrow("standaloneEnabled = false then number of participants should be >0");
    expect(() => build("server.1=127.0.0.1:1:2:observer")).toThrow("Observers w/o participants is an invalid configuration");
  });
});

describe("server lines, version= and dynamicConfigFile", () => {
  it("a version= line beside the server lines in zoo.cfg is the membership's version (hex)", () => {
    expect(build(`${THREE}\nversion=100000000`).configVersion).toBe(0x100000000n);
    expect(() => build(`${THREE}\nversion=zz`)).toThrow(/zoo.cfg:5: version must be hexadecimal/);
  });

  it("ZooKeeper's own checks of a line apply: equal quorum and election ports, a bad client part", () => {
    expect(() => build("server.1=h:2888:2888")).toThrow("zoo.cfg:2: server.1: Client and election port must be different!");
    expect(() => build("server.1=h:1:2;a:b:c")).toThrow(/zoo.cfg:2: server.1: h:1:2;a:b:c does not have the form/);
  });

  it("dynamicConfigFile holds the server lines; its name's hex suffix is the version", () =>
    withDir((dir) => {
      writeFileSync(join(dir, "zoo.cfg.dynamic.100000003"), `${THREE.replace("3888", "3888;2181")}\n`);
      writeFileSync(join(dir, "myid"), "1");
      writeFileSync(join(dir, "zoo.cfg"), `dataDir=${dir}\ndynamicConfigFile=zoo.cfg.dynamic.100000003\nreconfigEnabled=true\n`);
      const cfg = loadConfig(join(dir, "zoo.cfg"));
      expect(cfg.servers.map((s) => s.id)).toEqual([1, 2, 3]);
      expect(cfg.configVersion).toBe(0x100000003n);
      expect(cfg.dynamicConfigFile).toBe(join(dir, "zoo.cfg.dynamic.100000003"));
      // This server's line names its client port (no clientPort in zoo.cfg): it listens there.
      expect([cfg.clientPort, cfg.clientPortAddress]).toEqual([2181, undefined]);
    }));

  it("a dynamic file with version= inside, or zoo.cfg with server lines beside dynamicConfigFile, is refused as in ZooKeeper", () =>
    withDir((dir) => {
      writeFileSync(join(dir, "dyn"), `${THREE}\nversion=1\n`);
      writeFileSync(join(dir, "zoo.cfg"), `dataDir=${dir}\ndynamicConfigFile=dyn\n`);
      expect(() => loadConfig(join(dir, "zoo.cfg"))).toThrow("dynamic file shouldn't have version inside");
      writeFileSync(join(dir, "zoo.cfg"), `dataDir=${dir}\ndynamicConfigFile=dyn\nserver.1=h:1:2\n`);
      expect(() => loadConfig(join(dir, "zoo.cfg"))).toThrow("parameter: server.1 must be in a separate dynamic config file");
      writeFileSync(join(dir, "dyn"), `${THREE}\ntickTime=2000\n`);
      writeFileSync(join(dir, "zoo.cfg"), `dataDir=${dir}\ndynamicConfigFile=dyn\n`);
      expect(() => loadConfig(join(dir, "zoo.cfg"))).toThrow(/Unrecognised parameter: tickTime/);
    }));

  it("a clientPort that disagrees with this server's line is refused (setupClientPort)", () =>
    withDir((dir) => {
      writeFileSync(join(dir, "myid"), "2");
      writeFileSync(join(dir, "zoo.cfg"), `dataDir=${dir}\nclientPort=2181\n${THREE.replace("3889", "3889;2182")}\n`);
      expect(() => loadConfig(join(dir, "zoo.cfg"))).toThrow(
        "client address for this server (id = 2) in static config file is 0.0.0.0:2181 is different from client address found in dynamic file: 0.0.0.0:2182",
      );
      writeFileSync(join(dir, "zoo.cfg"), `dataDir=${dir}\nclientPort=2182\n${THREE.replace("3889", "3889;127.0.0.1:2182")}\n`);
      expect([loadConfig(join(dir, "zoo.cfg")).clientPort, loadConfig(join(dir, "zoo.cfg")).clientPortAddress]).toEqual([
        2182,
        "127.0.0.1",
      ]);
    }));

  it("getVersionFromFilename: the hex after the last dot", () => {
    expect(versionFromFilename("/a/zoo.cfg.dynamic.100000000")).toBe(0x100000000n);
    expect(versionFromFilename("/a/zoo.cfg.dynamic")).toBeUndefined();
    expect(versionFromFilename("/a/zoo.cfg.dynamic.0")).toBe(0n);
  });
});

describe("the text of /zookeeper/config for a configuration", () => {
  it("a quorum: QuorumMaj.toString, client addresses only where a line gives one, version=0 for a static file", () => {
    const cfg = build(`${THREE.replace("3890", "3890;127.0.0.1:2183")}\nserver.4=127.0.0.1:2891:3891:observer`);
    expect(configNodeText(cfg)).toBe(
      "server.1=127.0.0.1:2888:3888:participant\nserver.2=127.0.0.1:2889:3889:participant\nserver.3=127.0.0.1:2890:3890:participant;127.0.0.1:2183\nserver.4=127.0.0.1:2891:3891:observer\nversion=0",
    );
  });

  it("standalone (no lines, or one voter with standaloneEnabled): empty, as ZooKeeperServerMain leaves it", () => {
    expect(configNodeText(build(""))).toBe("");
    expect(configNodeText(build("server.1=127.0.0.1:1:2"))).toBe("");
    expect(configNodeText(build("standaloneEnabled=false\nserver.1=127.0.0.1:1:2"))).toBe("server.1=127.0.0.1:1:2:participant\nversion=0");
  });
});
