// A real server's admin port over HTTPS (admin.forceHttps, admin.needClientAuth, ZooKeeper's
// ssl.quorum.* stores), x509 identities for admin.authRequired, and `warden admin` reaching it
// with a CA, a client certificate and a key. Certificates are made with openssl under a
// temporary directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestId } from "@warden/tree";
import { adminCommand } from "@warden/cli";
import { hasOpenssl, makeTestCa, type CertFiles, type TestCa } from "@warden/testing";
import { startStandalone, waitFor, type Standalone } from "./harness.js";

let dir: string;
let ca: TestCa;
let ops: CertFiles;
let other: CertFiles;
let s: Standalone;
let server: string;

/** `warden admin` as a program runs it: the exit code and what it printed. */
async function admin(
  command: string,
  credentials?: string,
  tls: Parameters<typeof adminCommand>[4] = {},
): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await adminCommand(command, server, (t) => (out += t), credentials, tls);
  return { code, out };
}
const withCert = (c: CertFiles) => ({ ca: ca.caCert, cert: c.cert, key: c.key });

describe.skipIf(!hasOpenssl())("the admin port over HTTPS", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "warden-admin-https-e2e-"));
    ca = makeTestCa(dir, "main");
    const serverCert = ca.issue("server", "/O=Example/CN=server-1", { server: true });
    ops = ca.issue("ops", "/O=Example/CN=ops");
    other = ca.issue("other", "/O=Example/CN=other");
    s = await startStandalone({
      "admin.forceHttps": "true",
      "admin.needClientAuth": "true",
      "ssl.quorum.keyStore.location": serverCert.pem,
      "ssl.quorum.trustStore.location": ca.caCert,
      "admin.authRequired": "true",
      "admin.authDigests": digestId("mon", "mon-pw"),
      "admin.authX509": "CN=ops,O=Example",
    });
    server = `127.0.0.1:${s.server.ports.admin}`;
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("says at start that the admin port is HTTPS", () => {
    expect(s.log.join("\n")).toMatch(/serving: .*admin \d+ \(HTTPS\)/);
  });

  it("answers warden admin ruok and metrics with an allowed client certificate", async () => {
    const ruok = await admin("ruok", undefined, withCert(ops));
    expect(ruok.code).toBe(0);
    expect(JSON.parse(ruok.out)).toMatchObject({ command: "ruok", error: null });
    const metrics = await admin("metrics", undefined, withCert(ops));
    expect(metrics.code).toBe(0);
    expect(metrics.out).toContain("warden_connections_closed_total");
  });

  it("refuses plain HTTP and a connection without a certificate at the handshake, counting both, and keeps serving", async () => {
    const plain = await admin("ruok");
    expect(plain.code).toBe(2);
    expect(plain.out).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/commands\/ruok: /);
    const noCert = await admin("ruok", "mon:mon-pw", { ca: ca.caCert });
    expect(noCert.code).toBe(2);
    const count = async () => {
      const text = (await admin("metrics", undefined, withCert(ops))).out;
      return Number(/warden_connections_closed_total\{cause="tls_handshake",port="admin"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    await waitFor("both refused handshakes counted", async () => (await count()) >= 2);
    expect((await admin("srvr", undefined, withCert(ops))).code).toBe(0);
  });

  it("refuses (401) a verified certificate whose identity is not allowed, unless it brings a digest user's credentials", async () => {
    const refused = await admin("srvr", undefined, withCert(other));
    expect(refused.code).toBe(1);
    expect(refused.out).toContain("admin.authRequired");
    expect((await admin("srvr", "mon:mon-pw", withCert(other))).code).toBe(0);
    expect((await admin("srvr", "mon:wrong", withCert(other))).code).toBe(1);
  });

  it("--insecure skips checking the server's certificate, not the server's demand for the client's", async () => {
    expect((await admin("ruok", undefined, { insecure: true, cert: ops.cert, key: ops.key })).code).toBe(0);
    expect((await admin("ruok", undefined, { insecure: true })).code).toBe(2);
    // Without the CA the server's certificate does not verify.
    expect((await admin("ruok", undefined, { cert: ops.cert, key: ops.key })).out).toMatch(/^cannot reach https:/);
  });
});
