// A configuration written for Apache ZooKeeper starts Warden unedited: Debian's
// /etc/zookeeper/conf/zoo.cfg (a copy is kept in fixtures/ so CI tests the same text), a myid
// file in dataDir, only dataDir and clientPort overridden to temporary values.
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, loadConfig, lookupKey, startServer, type ServerConfig } from "@warden/server";
import { COMPAT_DIR, fourLetterWord, tempDir } from "./helpers.js";
import { call, closeClient, connectClient } from "./nzk.js";

const FIXTURE = join(COMPAT_DIR, "fixtures/debian-zoo.cfg");
const SYSTEM = "/etc/zookeeper/conf/zoo.cfg";
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function prepare(text: string, extraLines: string[] = [], myid = "1"): { file: string; dataDir: string } {
  const dir = tempDir("zoocfg");
  dirs.push(dir);
  const dataDir = join(dir, "data");
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, "myid"), `${myid}\n`);
  const file = join(dir, "zoo.cfg");
  writeFileSync(file, `${[text, ...extraLines].join("\n")}\n`);
  return { file, dataDir };
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "0.0.0.0", () => s.close(() => resolve(true)));
  });
}

/** Starts the configuration as given; the native and admin defaults (2281, 8080) move only if taken on this machine. */
async function startAsGiven(config: ServerConfig) {
  for (const key of ["nativePort", "adminPort"] as const) {
    if (config[key] !== 0 && !(await isFree(config[key]))) {
      console.warn(`zoo.cfg test: default ${key} ${config[key]} is taken on this machine; using a free port instead`);
      config[key] = await freePort();
    }
  }
  return startServer(config, { log: () => {} });
}

/** Debian's file with every commented-out `key=value` line turned on. */
function uncommented(text: string): string {
  return text
    .split("\n")
    .map((l) => (/^#[A-Za-z0-9_.]+=/.test(l) ? l.slice(1) : l))
    .join("\n");
}

const cases: Array<[string, string]> = [["Debian's zoo.cfg (fixture copy)", readFileSync(FIXTURE, "utf8")]];
if (existsSync(SYSTEM)) cases.push(["/etc/zookeeper/conf/zoo.cfg on this machine", readFileSync(SYSTEM, "utf8")]);

describe.each(cases)("%s", (_name, text) => {
  it("loads with only dataDir and clientPort overridden, with ZooKeeper's meanings", async () => {
    const { file, dataDir } = prepare(text);
    const clientPort = await freePort();
    const config = loadConfig(file, { dataDir, clientPort: String(clientPort) });
    expect(config.tickTimeMs).toBe(2000);
    expect(config.initLimitTicks).toBe(10);
    expect(config.syncLimitTicks).toBe(5);
    expect(config.clientPort).toBe(clientPort);
    expect(config.sessionTimeoutMsMin).toBe(4000);
    expect(config.sessionTimeoutMsMax).toBe(40000);
    expect(config.servers).toEqual([]);
  });

  it("starts a standalone server that ZooKeeper clients and four-letter words reach", async () => {
    const { file, dataDir } = prepare(text);
    const config = loadConfig(file, { dataDir, clientPort: String(await freePort()) });
    const server = await startAsGiven(config);
    try {
      const hostPort = `127.0.0.1:${server.ports.client}`;
      const c = await connectClient(hostPort);
      expect(await call(c, "create", "/from-zoo-cfg", Buffer.from("ok"))).toBe("/from-zoo-cfg");
      await closeClient(c);
      // No 4lw.commands.whitelist in the file: ZooKeeper's default, srvr only.
      expect(await fourLetterWord(hostPort, "srvr")).toMatch(/\nMode: standalone\n/);
      expect(await fourLetterWord(hostPort, "ruok")).toBe("ruok is not executed because it is not in the whitelist.\n");
    } finally {
      await server.stop();
    }
  });

  it("every setting the file has commented out (autopurge, maxClientCnxns, metricsProvider.*) is accepted when turned on", async () => {
    const on = uncommented(text);
    expect(on).toMatch(/^metricsProvider\.httpHost=/m);
    const { file, dataDir } = prepare(on);
    const config = loadConfig(file, { dataDir, clientPort: String(await freePort()) });
    expect(config.connectionsPerAddressMax).toBe(60);
    expect(config.snapRetainCount).toBe(3);
    expect(config.purgeIntervalHours).toBe(1);
    const server = await startAsGiven(config);
    await server.stop();
  });

  it("with server.N lines (ZooKeeper 3.4 and 3.5+ forms, an observer) the id comes from dataDir/myid", () => {
    const { file, dataDir } = prepare(
      text,
      [
        "server.1=127.0.0.1:2888:3888",
        "server.2=127.0.0.1:2889:3889;2182",
        "server.3=127.0.0.1:2890:3890:participant;127.0.0.1:2183",
        "server.4=127.0.0.1:2891:3891:observer",
      ],
      "1",
    );
    // Server 1's line has no client address, so the clientPort given stands (a line's address must agree with it, as in ZooKeeper).
    const config = loadConfig(file, { dataDir, clientPort: "0" });
    expect(config.myId).toBe(1);
    expect(config.servers.map((s) => s.client)).toEqual([
      undefined,
      { host: "0.0.0.0", port: 2182 },
      { host: "127.0.0.1", port: 2183 },
      undefined,
    ]);
    expect(config.servers.map((s) => [s.id, s.peerPort, s.electionPort, s.observer])).toEqual([
      [1, 2888, 3888, false],
      [2, 2889, 3889, false],
      [3, 2890, 3890, false],
      [4, 2891, 3891, true],
    ]);
  });
});

describe("a zoo.cfg with every key of ZooKeeper 3.9", () => {
  const zkKeys = readFileSync(join(COMPAT_DIR, "../../packages/server/test/fixtures/zookeeper-3.9-keys.txt"), "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"));
  /** What an administrator would write for the keys Warden acts on (ZooKeeper's defaults or documented examples). */
  const realistic = async (dir: string): Promise<Record<string, string>> => ({
    tickTime: "2000",
    initLimit: "10",
    syncLimit: "5",
    dataDir: join(dir, "data"),
    dataLogDir: join(dir, "log"),
    clientPort: String(await freePort()),
    clientPortAddress: "127.0.0.1",
    clientPortListenBacklog: "128",
    clientTcpKeepAlive: "true",
    tcpKeepAlive: "true",
    "admin.enableServer": "true",
    "admin.serverPort": String(await freePort()),
    "admin.serverAddress": "127.0.0.1",
    "admin.commandURL": "/commands",
    "admin.idleTimeout": "30000",
    "admin.forceHttps": "false",
    "admin.portUnification": "false",
    "admin.needClientAuth": "false",
    minSessionTimeout: "4000",
    maxSessionTimeout: "40000",
    maxClientCnxns: "60",
    maxCnxns: "0",
    globalOutstandingLimit: "1000",
    "4lw.commands.whitelist": "srvr, ruok",
    snapCount: "100000",
    snapSizeLimitInKb: "4194304",
    "autopurge.snapRetainCount": "3",
    "autopurge.purgeInterval": "1",
    forceSync: "yes",
    "fsync.warningthresholdms": "1000",
    "jute.maxbuffer": "1048575",
    peerType: "participant",
    standaloneEnabled: "true",
    quorumListenOnAllIPs: "false",
    commitLogCount: "500",
    "DigestAuthenticationProvider.superDigest": "super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
    "DigestAuthenticationProvider.enabled": "true",
    // Read-only mode takes effect in an ensemble; this server is standalone.
    "readonlymode.enabled": "true",
    "DigestAuthenticationProvider.digestAlg": "SHA1",
    skipACL: "no",
    enforceQuota: "false",
    sslQuorum: "false",
    secureClientPort: "0",
    "quorum.auth.serverRequireSasl": "false",
    "quorum.auth.learnerRequireSasl": "false",
    sessionRequireClientSASLAuth: "false",
    "enforce.auth.enabled": "false",
    "znode.container.checkIntervalMs": "60000",
    "audit.enable": "true",
    // Reconfig off, as ZooKeeper's default; the membership file is empty: this server is standalone.
    reconfigEnabled: "false",
    dynamicConfigFile: emptyFile(join(dir, "zoo.cfg.dynamic")),
    "authProvider.1": "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
    "authProvider.2": "com.example.CustomAuthenticationProvider",
    "enforce.auth.schemes": "sasl",
    "zookeeper.superUser": "admin",
    // TLS keys of the client port: they take effect with secureClientPort, which is off here.
    secureClientPortAddress: "127.0.0.1",
    "ssl.keyStore.location": "/etc/zookeeper/keystore.p12",
    "ssl.keyStore.password": "changeit",
    "ssl.keyStore.passwordPath": "/etc/zookeeper/keystore.pass",
    "ssl.keyStore.type": "PKCS12",
    "ssl.trustStore.location": "/etc/zookeeper/truststore.p12",
    "ssl.trustStore.password": "changeit",
    "ssl.trustStore.passwordPath": "/etc/zookeeper/truststore.pass",
    "ssl.trustStore.type": "PKCS12",
    "ssl.clientAuth": "need",
    "ssl.protocol": "TLSv1.3",
    "ssl.enabledProtocols": "TLSv1.3,TLSv1.2",
    "ssl.ciphersuites": "TLS_AES_128_GCM_SHA256",
    "ssl.hostnameVerification": "true",
    "ssl.crl": "false",
    "ssl.ocsp": "false",
    "ssl.authProvider": "x509",
    "client.certReload": "true",
    "X509AuthenticationProvider.superUser": "CN=admin,O=Example",
    "outstandingHandshake.limit": "250",
    // TLS keys between servers: they take effect with sslQuorum=true, which is off here.
    sslQuorumReloadCertFiles: "true",
    "ssl.quorum.keyStore.location": "/etc/zookeeper/quorum.p12",
    "ssl.quorum.keyStore.password": "changeit",
    "ssl.quorum.keyStore.passwordPath": "/etc/zookeeper/quorum.pass",
    "ssl.quorum.keyStore.type": "PKCS12",
    "ssl.quorum.trustStore.location": "/etc/zookeeper/quorum-trust.p12",
    "ssl.quorum.trustStore.password": "changeit",
    "ssl.quorum.trustStore.passwordPath": "/etc/zookeeper/quorum-trust.pass",
    "ssl.quorum.trustStore.type": "PKCS12",
    "ssl.quorum.clientAuth": "need",
    "ssl.quorum.protocol": "TLSv1.3",
    "ssl.quorum.enabledProtocols": "TLSv1.3,TLSv1.2",
    "ssl.quorum.ciphersuites": "TLS_AES_128_GCM_SHA256",
    "ssl.quorum.hostnameVerification": "true",
    "ssl.quorum.clientHostnameVerification": "true",
    "ssl.quorum.crl": "false",
    "ssl.quorum.ocsp": "false",
  });
  const emptyFile = (file: string) => (writeFileSync(file, ""), file);
  /** Any value of the kind, in range, for a key Warden ignores. */
  const anyValue = (key: string) => {
    const spec = lookupKey(key)!.spec;
    return spec.kind === "int"
      ? String(Math.min(Math.max(1, spec.min ?? 1), spec.max ?? 1))
      : spec.kind === "bool"
        ? "false"
        : `/etc/zookeeper/${key}`;
  };

  it("starts a server that serves, and names the ignored keys at start, one line per reason (peer TLS keys without sslQuorum: no effect, said once)", async () => {
    const dir = tempDir("zoocfg-all");
    dirs.push(dir);
    const values = await realistic(dir);
    const lines = zkKeys.map(
      (k) => `${k}=${values[k] ?? (lookupKey(k)!.spec.ignored ? anyValue(k) : fail(`no realistic value for ${k}`))}`,
    );
    writeFileSync(join(dir, "zoo.cfg"), `${lines.join("\n")}\n`);
    const config = loadConfig(join(dir, "zoo.cfg"), { nativePort: "0" });
    const logs: string[] = [];
    const server = await startServer(config, { log: (l) => logs.push(l) });
    try {
      const c = await connectClient(`127.0.0.1:${server.ports.client}`);
      expect(await call(c, "create", "/all-keys", Buffer.from("ok"))).toBe("/all-keys");
      await closeClient(c);
      const ignoredLines = logs.filter((l) => l.startsWith("ignored: "));
      const reasons = ignoredLines.map((l) => l.slice(l.lastIndexOf(": ") + 2));
      expect(new Set(reasons).size).toBe(reasons.length);
      expect(ignoredLines.filter((l) => l.includes("ssl.quorum.context.supplier.class"))).toHaveLength(1);
      const quorum = logs.filter((l) => l.includes("no effect without sslQuorum=true"));
      expect(quorum).toHaveLength(1);
      expect(quorum[0]).toContain("ssl.quorum.keyStore.location");
    } finally {
      await server.stop();
    }
  });

  it("TLS between peers, or a TLS client port, without a key store does not start, naming the key", async () => {
    const { file, dataDir } = prepare("tickTime=2000", ["secureClientPort=2182"]);
    expect(() => loadConfig(file, { dataDir })).toThrow(/a TLS port needs ssl.keyStore.location/);
    const quorum = prepare("tickTime=2000", ["sslQuorum=true"]);
    expect(() => loadConfig(quorum.file, { dataDir: quorum.dataDir })).toThrow(/needs ssl.quorum.keyStore.location/);
  });
});

function fail(message: string): never {
  throw new Error(message);
}
