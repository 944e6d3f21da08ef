import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, KEYS, loadConfig, lookupKey, parseProperties, buildConfig, configurationDoc } from "../src/config/index.js";

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
      expect(cfg.sessionTimeoutMsMin).toBe(4000);
      expect(cfg.sessionTimeoutMsMax).toBe(40000);
      expect(cfg.clientPort).toBe(2181);
      expect(cfg.nativePort).toBe(2281);
      expect(cfg.adminPort).toBe(8080);
      expect(cfg.connectionsPerAddressMax).toBe(60);
      expect(cfg.servers).toEqual([]);
      expect(cfg.fourLetterWords).toEqual(new Set(["srvr", "ruok"]));
      expect(cfg.frameBytesMax).toBe(0xfffff);
    }));

  it("session bounds scale with tickTime", () => {
    const cfg = buildConfig(parseProperties("tickTime=100\ndataDir=/x", "t"), "/");
    expect([cfg.sessionTimeoutMsMin, cfg.sessionTimeoutMsMax]).toEqual([200, 2000]);
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
        { id: 3, host: "::1", peerPort: 2890, electionPort: 3890, observer: true, client: { host: "0.0.0.0", port: 2181 } },
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
    expect(() => buildConfig(parseProperties("dataDir=/x\ntickTime=fast\n", "zoo.cfg"), "/")).toThrow(
      /zoo.cfg:2: tickTime must be an integer/,
    );
    expect(() => buildConfig(parseProperties("dataDir=/x\nclientPort=70000\n", "zoo.cfg"), "/")).toThrow(
      /zoo.cfg:2: clientPort=70000 is out of range/,
    );
    expect(() => buildConfig(parseProperties("dataDir=/x\nserver.1=h:1\n", "zoo.cfg"), "/")).toThrow(
      /zoo.cfg:2: server.1 has a bad election port/,
    );
  });

  it("lets flags override the file and run without a file", () =>
    withDir((dir) => {
      const cfg = loadConfig(undefined, { dataDir: dir, nativePort: "2999" });
      expect(cfg.dataDir).toBe(dir);
      expect(cfg.nativePort).toBe(2999);
      expect(() => loadConfig(undefined, { nativePort: "2999" })).toThrow(/dataDir is required/);
      expect(() => loadConfig(undefined, { dataDir: dir, nativePort: "x" })).toThrow(/--nativePort: nativePort must be an integer/);
    }));

  it("accepts ZooKeeper keys Warden has no use for, and reports them one line per reason", () => {
    const cfg = buildConfig(parseProperties("dataDir=/x\npreAllocSize=65536\nreconfigEnabled=false\ntxnLogSizeLimitInKb=1024", "z"), "/");
    expect(cfg.ignored).toEqual(["preAllocSize, txnLogSizeLimitInKb: the log is LevelDB, which sizes and compacts its own files"]);
  });
});

describe("ZooKeeper 3.9's keys", () => {
  const fixture = fileURLToPath(new URL("./fixtures/zookeeper-3.9-keys.txt", import.meta.url));
  const zkKeys = readFileSync(fixture, "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"));
  /** A value of the key's kind that the table does not refuse. */
  const valueFor = (key: string) => {
    const spec = lookupKey(key)!.spec;
    const candidates =
      spec.kind === "int"
        ? [String(Math.max(spec.min ?? 0, Math.min(spec.max ?? 0, 0))), String(spec.min)]
        : spec.kind === "bool"
          ? ["false", "true"]
          : key.endsWith("digestAlg")
            ? ["SHA1"]
            : key === "ssl.authProvider"
              ? ["x509"]
              : ["x"];
    return candidates.find((v) => !spec.refused?.when(v))!;
  };

  it("every key of the administrator guide, QuorumPeerConfig, X509Util and QuorumAuth is known", () => {
    expect(zkKeys.length).toBeGreaterThan(200);
    expect(zkKeys.filter((k) => lookupKey(k) === undefined)).toEqual([]);
  });

  it("a zoo.cfg holding all of them at once loads", () => {
    // A dynamicConfigFile must exist, and standaloneEnabled=false needs server lines (as in ZooKeeper).
    const text = [
      "dataDir=/x",
      "standaloneEnabled=true",
      ...zkKeys
        .filter(
          (k) =>
            !["dataDir", "superDigest", "DigestAuthenticationProvider.superDigest", "dynamicConfigFile", "standaloneEnabled"].includes(k),
        )
        .map((k) => `${k}=${valueFor(k)}`),
    ].join("\n");
    const cfg = buildConfig(parseProperties(text, "all.cfg"), "/");
    expect(cfg.ignored.join("\n")).toContain("ssl.quorum.context.supplier.class");
  });

  it("the zookeeper.<key> spelling (ZooKeeper's system property) is the same key; both at once are refused", () => {
    const cfg = buildConfig(parseProperties("dataDir=/x\nzookeeper.forceSync=no\nzookeeper.snapCount=50", "z"), "/");
    expect([cfg.forceSync, cfg.snapCount]).toEqual([false, 50]);
    expect(() => buildConfig(parseProperties("dataDir=/x\nsnapCount=20\nzookeeper.snapCount=50", "z"), "/")).toThrow(
      "z:3: zookeeper.snapCount is snapCount, already given at z:2",
    );
    expect(() => buildConfig(parseProperties("dataDir=/x\nzookeeper.noSuchKey=1", "z"), "/")).toThrow('unknown key "zookeeper.noSuchKey"');
    withDir((dir) => {
      writeFileSync(join(dir, "zoo.cfg"), `dataDir=${dir}\nzookeeper.snapCount=50\n`);
      expect(loadConfig(join(dir, "zoo.cfg"), { snapCount: "70" }).snapCount).toBe(70);
    });
  });

  it("refuses, naming the line and why, the values that would silently lower security", () => {
    for (const line of [
      "ssl.quorum.crl=true",
      "ssl.quorum.ocsp=true",
      "quorum.auth.serverRequireSasl=true",
      "quorum.auth.learnerRequireSasl=true",
      "DigestAuthenticationProvider.enabled=false",
    ]) {
      expect(() => buildConfig(parseProperties(`dataDir=/x\n${line}`, "z"), "/"), line).toThrow(
        new RegExp(`^z:2: ${line.replace(".", "\\.")} is refused: `),
      );
    }
    // HTTPS on the admin port without its key store would serve it in plain text: refused.
    expect(() => buildConfig(parseProperties("dataDir=/x\nadmin.forceHttps=true", "z"), "/")).toThrow(
      /admin.forceHttps.*needs ssl.quorum.keyStore.location/,
    );
    const safe = buildConfig(
      parseProperties(
        "dataDir=/x\nsecureClientPort=0\nsslQuorum=false\nquorum.auth.serverRequireSasl=false\nDigestAuthenticationProvider.enabled=true",
        "z",
      ),
      "/",
    );
    expect(safe.ignored).toEqual([]);
  });

  it("forceSync is off only for no, skipACL on only for yes, as ZooKeeper reads them; other spellings are warned about", () => {
    const load = (text: string) => buildConfig(parseProperties(`dataDir=/x\n${text}`, "z"), "/");
    expect([load("").forceSync, load("forceSync=no").forceSync, load("forceSync=false").forceSync]).toEqual([true, false, true]);
    expect([load("").skipACL, load("skipACL=yes").skipACL, load("skipACL=true").skipACL]).toEqual([false, true, false]);
    expect(load("skipACL=true").warnings).toEqual(["z:2: skipACL=true keeps ACL checks on: ZooKeeper skips them only for the value yes"]);
  });

  it("DigestAuthenticationProvider.superDigest is superDigest", () => {
    const digest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=";
    expect(buildConfig(parseProperties(`dataDir=/x\nDigestAuthenticationProvider.superDigest=${digest}`, "z"), "/").superDigest).toBe(
      digest,
    );
  });
});

describe("docs/configuration.md", () => {
  // npm run docs:config writes it anew from keys.ts; review the diff.
  const file = fileURLToPath(new URL("../../../docs/configuration.md", import.meta.url));

  it("is what keys.ts generates (run npm run docs:config after changing a key)", () => {
    expect(readFileSync(file, "utf8")).toBe(configurationDoc());
  });

  it("has a row for every key, with what Warden does with it", () => {
    const text = readFileSync(file, "utf8");
    for (const [key, spec] of Object.entries(KEYS)) {
      const row = text.split("\n").find((l) => l.startsWith(`| \`${key}\` |`));
      expect(row, key).toBeDefined();
      if (spec.ignored) expect(row).toContain(`ignored: ${spec.ignored}`);
      if (spec.refused) expect(row).toContain("**refused**");
    }
    expect(text).toContain("| `metricsProvider.httpHost` |");
    expect(text).toContain("| `authProvider.N` |");
  });
});
