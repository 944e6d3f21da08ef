// sslQuorum and the ssl.quorum.* keys (ZooKeeper's QuorumX509Util): read by the same code as the
// client ports' ssl.* keys under their own prefix, with the quorum's own defaults
// (clientHostnameVerification on), and the stores read before storage opens.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasOpenssl, makeTestCa, type CertFiles, type TestCa } from "@warden/testing";
import { buildConfig, loadConfig, parseProperties, type ServerConfig } from "../src/config/index.js";
import { freePort } from "../src/index.js";
import { startServer } from "../src/server.js";

const load = (lines: string) => buildConfig(parseProperties(`dataDir=/x\n${lines}`, "zoo.cfg"), "/etc/zk");

describe("the ssl.quorum.* keys", () => {
  it("sslQuorum=false (the default) reads none of them, and says they have no effect", () => {
    const cfg = load("ssl.quorum.keyStore.location=/k.pem\nsslQuorumReloadCertFiles=true");
    expect(cfg.quorumTls).toBeUndefined();
    expect(cfg.warnings).toContain(
      "ssl.quorum.keyStore.location, sslQuorumReloadCertFiles: no effect without sslQuorum=true: the servers talk in plain TCP",
    );
    expect(load("").quorumTls).toBeUndefined();
  });

  it("sslQuorum=true needs ssl.quorum.keyStore.location", () => {
    expect(() => load("sslQuorum=true")).toThrow(/needs ssl\.quorum\.keyStore\.location/);
    expect(() => load("sslQuorum=true\nssl.keyStore.location=/client-port.pem")).toThrow(/needs ssl\.quorum\.keyStore\.location/);
  });

  it("reads ZooKeeper's defaults: clientAuth need, TLSv1.2 to TLSv1.3, both host name checks on, no reload; paths relative to the config's directory", () => {
    const q = load("sslQuorum=true\nssl.quorum.keyStore.location=keys/server.pem\nssl.quorum.trustStore.location=/ca.p12").quorumTls!;
    expect(q.settings.keyStore).toEqual({ location: "/etc/zk/keys/server.pem", password: "", type: "PEM" });
    expect(q.settings.trustStore).toEqual({ location: "/ca.p12", password: "", type: "PKCS12" });
    expect([
      q.settings.clientAuth,
      q.settings.minVersion,
      q.settings.maxVersion,
      q.settings.hostnameVerification,
      q.clientHostnameVerification,
      q.settings.reload,
    ]).toEqual(["need", "TLSv1.2", "TLSv1.3", true, true, false]);
  });

  it("reads every setting under its ssl.quorum. name, never the client port's ssl.* one", () => {
    const q = load(
      [
        "sslQuorum=true",
        "sslQuorumReloadCertFiles=true",
        "ssl.quorum.keyStore.location=/q.p12",
        "ssl.quorum.keyStore.password=quorum-pass",
        "ssl.quorum.protocol=TLSv1.2",
        "ssl.quorum.ciphersuites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "ssl.quorum.clientAuth=want",
        "secureClientPort=2182",
        "ssl.keyStore.location=/client.pem",
        "ssl.protocol=TLSv1.3",
        "ssl.clientAuth=none",
      ].join("\n"),
    ).quorumTls!;
    expect(q.settings.keyStore).toEqual({ location: "/q.p12", password: "quorum-pass", type: "PKCS12" });
    expect([q.settings.minVersion, q.settings.maxVersion, q.settings.ciphers, q.settings.clientAuth, q.settings.reload]).toEqual([
      "TLSv1.2",
      "TLSv1.2",
      "ECDHE-ECDSA-AES128-GCM-SHA256",
      "want",
      true,
    ]);
  });

  it("clientHostnameVerification follows hostnameVerification unless set; it is never on when hostnameVerification is off", () => {
    const q = (more: string) => load(`sslQuorum=true\nssl.quorum.keyStore.location=/k.pem\n${more}`).quorumTls!;
    expect([
      q("ssl.quorum.hostnameVerification=false").settings.hostnameVerification,
      q("ssl.quorum.hostnameVerification=false").clientHostnameVerification,
    ]).toEqual([false, false]);
    expect(q("ssl.quorum.clientHostnameVerification=false").clientHostnameVerification).toBe(false);
    expect(q("ssl.quorum.clientHostnameVerification=false").settings.hostnameVerification).toBe(true);
    expect(q("ssl.quorum.hostnameVerification=false\nssl.quorum.clientHostnameVerification=true").clientHostnameVerification).toBe(false);
  });

  it("refuses JKS, old protocols, unknown suites, revocation checks and a bad clientAuth, naming the ssl.quorum. key", () => {
    const bad = (more: string) => () => load(`sslQuorum=true\nssl.quorum.keyStore.location=/k.pem\n${more}`);
    expect(() => load("sslQuorum=true\nssl.quorum.keyStore.location=/etc/zk/quorum.jks")).toThrow(
      /ssl\.quorum\.keyStore .*Java KeyStore \(JKS\).*keytool -importkeystore .* -deststoretype PKCS12/,
    );
    expect(bad("ssl.quorum.trustStore.location=/t.jks")).toThrow(/ssl\.quorum\.trustStore .*JKS/);
    expect(bad("ssl.quorum.enabledProtocols=TLSv1.1")).toThrow(/ssl\.quorum\.enabledProtocols must be TLSv1\.2 or TLSv1\.3.*not safe/);
    expect(bad("ssl.quorum.ciphersuites=TLS_NOPE_WITH_NOTHING")).toThrow(/ssl\.quorum\.ciphersuites: unknown cipher suite/);
    expect(bad("ssl.quorum.clientAuth=maybe")).toThrow(/ssl\.quorum\.clientAuth must be none, want or need/);
    expect(bad("ssl.quorum.crl=true")).toThrow(/ssl\.quorum\.crl=true is refused: .*revocation/);
    expect(bad("ssl.quorum.ocsp=true")).toThrow(/ssl\.quorum\.ocsp=true is refused/);
  });

  it("accepts the Java-only keys with one start-up line each reason", () => {
    const cfg = load(
      "sslQuorum=true\nssl.quorum.keyStore.location=/k.pem\nssl.quorum.context.supplier.class=com.example.Ctx\nssl.quorum.allowReverseDnsLookup=true",
    );
    expect(cfg.ignored.join("\n")).toMatch(/ssl\.quorum\.context\.supplier\.class: a Java class/);
    expect(cfg.ignored.join("\n")).toMatch(/ssl\.quorum\.allowReverseDnsLookup: .*never a reverse lookup/);
  });
});

describe.skipIf(!hasOpenssl())("the peer port's stores at start", () => {
  let dir: string;
  let ca: TestCa;
  let cert: CertFiles;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "warden-quorum-stores-"));
    ca = makeTestCa(dir, "quorum");
    cert = ca.issue("server", "/O=Warden tests/CN=server", { server: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts a server with these ssl.quorum keys on an empty dataDir; the error, and what it left in dataDir. */
  async function startWith(keys: Record<string, string>): Promise<{ error: Error; dataDirEntries: string[] }> {
    const dataDir = mkdtempSync(join(dir, "data-"));
    const host = "127.0.0.1";
    const ports = { clientPort: String(await freePort(host)), nativePort: String(await freePort(host)) };
    const config: ServerConfig = loadConfig(undefined, {
      dataDir,
      sslQuorum: "true",
      clientPortAddress: host,
      ...ports,
      "admin.enableServer": "false",
      ...keys,
    });
    const error = await startServer(config, { log: () => {} }).then(
      async (s) => (await s.stop(), new Error("started")),
      (e: Error) => e,
    );
    return { error, dataDirEntries: readdirSync(dataDir) };
  }

  it("a missing store, a wrong password, or a Java KeyStore under another name stops the start with the reason, before storage opens", async () => {
    const missing = await startWith({ "ssl.quorum.keyStore.location": join(dir, "nope.pem") });
    expect(missing.error.message).toMatch(/^sslQuorum: cannot read the key store .*nope\.pem/);
    expect(missing.dataDirEntries).toEqual([]);

    const wrong = await startWith({ "ssl.quorum.keyStore.location": cert.p12, "ssl.quorum.keyStore.password": "wrong" });
    expect(wrong.error.message).toMatch(/^sslQuorum: the TLS settings do not make a usable context/);
    expect(wrong.dataDirEntries).toEqual([]);

    const disguised = join(dir, "disguised.p12");
    writeFileSync(disguised, Buffer.concat([Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]), Buffer.alloc(64)]));
    const jks = await startWith({ "ssl.quorum.keyStore.location": cert.pem, "ssl.quorum.trustStore.location": disguised });
    expect(jks.error.message).toMatch(/trust store .*is a Java KeyStore \(JKS\).*keytool -importkeystore/);
    expect(jks.dataDirEntries).toEqual([]);
  });

  it("good PEM and PKCS12 stores start", async () => {
    expect((await startWith({ "ssl.quorum.keyStore.location": cert.pem, "ssl.quorum.trustStore.location": ca.caCert })).error.message).toBe(
      "started",
    );
    expect(
      (
        await startWith({
          "ssl.quorum.keyStore.location": cert.p12,
          "ssl.quorum.keyStore.password": cert.password,
          "ssl.quorum.trustStore.location": ca.caP12,
          "ssl.quorum.trustStore.password": cert.password,
        })
      ).error.message,
    ).toBe("started");
  });
});
