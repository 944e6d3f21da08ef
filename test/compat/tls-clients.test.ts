// ZooKeeper clients nobody here wrote, over TLS to Warden's secureClientPort: Debian's kazoo
// (use_ssl with PEM files) and zkCli.sh, ZooKeeper's own Java client (Netty, PKCS12 key and
// trust stores, zookeeper.client.secure=true). Each authenticates with a client certificate,
// which is its x509 identity in ACLs.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "@warden/server";
import { hasOpenssl, makeTestCa, type CertFiles, type TestCa } from "@warden/testing";
import {
  describeWithTool,
  hasFile,
  hasJava,
  kazooPython,
  runPython,
  runZkCli,
  startStandalone,
  tempDir,
  ZKCLI,
  type Standalone,
} from "./helpers.js";

const CLIENT_DN = "CN=client,OU=ops,O=Example,C=US";
const ZK_CLASSPATH = [
  "/etc/zookeeper/conf",
  "/usr/share/java/zookeeper.jar",
  "/usr/share/java/netty-resolver.jar",
  "/usr/share/java/netty-codec.jar",
].join(":");
const python = kazooPython();

let dir: string;
let ca: TestCa;
let client: CertFiles;
let other: CertFiles;
let warden: Standalone | undefined;

async function startTlsWarden(): Promise<Standalone> {
  dir = tempDir("tls");
  ca = makeTestCa(dir, "compat");
  const server = ca.issue("server", "/O=Example/CN=warden", { server: true });
  client = ca.issue("client", "/C=US/O=Example/OU=ops/CN=client");
  other = ca.issue("other", "/O=Example/CN=other");
  return startStandalone({
    secureClientPort: String(await freePort()),
    secureClientPortAddress: "127.0.0.1",
    "ssl.keyStore.location": server.pem,
    "ssl.trustStore.location": ca.caCert,
  });
}

describeWithTool(
  "python3-kazoo (Debian) over TLS to secureClientPort",
  hasOpenssl() && python !== undefined,
  "apt-get install -y python3-kazoo openssl",
  () => {
    let result: { code: number | null; out: string };
    beforeAll(async () => {
      warden = await startTlsWarden();
      const hostPort = `127.0.0.1:${warden.server.ports.secureClient}`;
      result = await runPython(
        python!,
        "kazoo_tls.py",
        [hostPort, ca.caCert, client.cert, client.key, other.cert, other.key, CLIENT_DN],
        50_000,
      );
    }, 60_000);
    afterAll(async () => {
      await warden?.stop();
      warden = undefined;
      rmSync(dir, { recursive: true, force: true });
    });

    it.each([
      ["crud_over_tls", "create, get, set and delete over TLS with a client certificate"],
      ["x509_acl", "a node with an x509:<DN> ACL is readable by that certificate's client, NoAuth for another certificate"],
      ["no_certificate_refused", "a client without a certificate gets no session (ssl.clientAuth=need)"],
    ])("kazoo %s: %s", (step) => {
      expect(result.out, result.out).toMatch(new RegExp(`^PASS ${step}$`, "m"));
    });

    it("runs to the end", () => {
      expect(result.out, result.out).toMatch(/^DONE$/m);
      expect(result.code, result.out).toBe(0);
    });
  },
);

/** zkCli.sh with ZooKeeper's client TLS settings (Netty), commands on stdin. */
function zkCliTls(
  hostPort: string,
  keyStore: string,
  trustStore: string,
  password: string,
  stdin: string,
  timeoutMs = 60_000,
): Promise<string> {
  const tls = [
    // Debian's zookeeper.jar names netty-handler and netty-transport in its class path but not
    // netty-resolver and netty-codec, which ClientCnxnSocketNetty needs: a later -cp wins.
    `-cp ${ZK_CLASSPATH}`,
    "-Dzookeeper.client.secure=true",
    "-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
    `-Dzookeeper.ssl.keyStore.location=${keyStore}`,
    `-Dzookeeper.ssl.keyStore.password=${password}`,
    `-Dzookeeper.ssl.trustStore.location=${trustStore}`,
    `-Dzookeeper.ssl.trustStore.password=${password}`,
  ];
  return runZkCli(hostPort, [], stdin, { timeoutMs, jvmFlags: tls.join(" ") });
}

describeWithTool(
  "zkCli.sh (ZooKeeper's Java client, Netty) over TLS to secureClientPort",
  hasOpenssl() && hasFile(ZKCLI) && hasJava(),
  "apt-get install -y zookeeper openjdk-17-jdk-headless openssl",
  () => {
    let trustStore: string;
    beforeAll(async () => {
      warden = await startTlsWarden();
      // Java trusts only certificates marked as trusted entries: keytool writes them.
      trustStore = join(dir, "java-trust.p12");
      execFileSync(
        "keytool",
        [
          "-importcert",
          "-noprompt",
          "-alias",
          "ca",
          "-file",
          ca.caCert,
          "-keystore",
          trustStore,
          "-storetype",
          "PKCS12",
          "-storepass",
          client.password,
        ],
        { stdio: "ignore" },
      );
    }, 60_000);
    afterAll(async () => {
      await warden?.stop();
      warden = undefined;
      rmSync(dir, { recursive: true, force: true });
    });

    it("connects with a PKCS12 key store, works on the tree, is x509:<its certificate's DN>, and an auth ACL stores that identity", async () => {
      const hostPort = `127.0.0.1:${warden!.server.ports.secureClient}`;
      // zkCli splits an ACL list at commas, so a DN is set through the auth scheme (the session's x509 identity).
      const out = await zkCliTls(
        hostPort,
        client.p12,
        trustStore,
        client.password,
        `create /zk-tls hello\nget /zk-tls\nwhoami\nsetAcl /zk-tls auth::cdrwa\ngetAcl /zk-tls\nget /zk-tls\nquit\n`,
      );
      expect(out, out).toContain("Created /zk-tls");
      expect(out.match(/^hello$/gm)?.length, out).toBe(2);
      expect(out, out).toMatch(new RegExp(`^x509: ${CLIENT_DN}$`, "m"));
      // zkCli prints an id URL-encoded (its commas as %2C).
      expect(out, out).toContain(`'x509,'${encodeURIComponent(CLIENT_DN).replace(/%3D/g, "=")}\n: cdrwa`);
    }, 90_000);
  },
);
