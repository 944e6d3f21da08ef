// HTTPS on the admin port (admin.forceHttps, admin.portUnification, admin.needClientAuth) with
// ZooKeeper's ssl.quorum.* stores, x509 identities for admin.authRequired (admin.authX509,
// X509AuthenticationProvider.superUser), and containment: plain text, garbage or a refused
// certificate ends that connection, logged and counted, and the port keeps serving.
import { mkdtempSync, rmSync } from "node:fs";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { digestId } from "@warden/tree";
import { hasOpenssl, makeTestCa, type CertFiles, type TestCa } from "@warden/testing";
import { buildConfig, parseProperties, ConfigError } from "../src/config/index.js";
import { startAdminServer } from "../src/admin/http.js";
import { adminListenerTls, type AdminListener } from "../src/admin/listener.js";
import { unifiedFront } from "../src/admin/unified.js";
import { createServer as createHttpServer } from "node:http";
import { waitUntil } from "@warden/testing";

const OPS_DN = "CN=ops,O=Example";
const SUPER_DN = "CN=root,O=Example";

let dir: string;
let ca: TestCa;
let serverCert: CertFiles;
let ops: CertFiles;
let other: CertFiles;
let root: CertFiles;
let stranger: CertFiles;
let listener: AdminListener | undefined;
const opened: Socket[] = [];

beforeAll(() => {
  if (!hasOpenssl()) return;
  dir = mkdtempSync(join(tmpdir(), "warden-admin-https-"));
  ca = makeTestCa(dir, "main");
  serverCert = ca.issue("server", "/O=Example/CN=server-1", { server: true });
  ops = ca.issue("ops", "/O=Example/CN=ops");
  other = ca.issue("other", "/O=Example/CN=other");
  root = ca.issue("root", "/O=Example/CN=root");
  stranger = makeTestCa(dir, "rogue").issue("stranger", "/O=Example/CN=ops");
}, 60_000);
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const s of opened.splice(0)) s.destroy();
  await listener?.close();
  listener = undefined;
});

const source = { ready: () => true, metrics: () => "warden_up 1\n", commands: { ruok: () => ({ command: "ruok", error: null }) } };

/** A configuration of these lines (over dataDir and the ssl.quorum stores); its admin server started on a free port. */
async function start(lines: Record<string, string>) {
  const text = Object.entries({
    dataDir: dir,
    "ssl.quorum.keyStore.location": serverCert.pem,
    "ssl.quorum.trustStore.location": ca.caCert,
    ...lines,
  })
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  const cfg = buildConfig(parseProperties(text, "zoo.cfg"), dir);
  const closed: string[] = [];
  const logged: string[] = [];
  listener = await startAdminServer(
    source,
    0,
    "127.0.0.1",
    { log: (l) => logged.push(l), closed: (port, cause) => closed.push(`${port}:${cause}`) },
    {
      commandUrl: "/commands",
      idleTimeoutMs: 30_000,
      authDigests: cfg.adminAuthDigests,
      authX509: cfg.adminAuthX509,
      tls: adminListenerTls({ ...cfg, adminPort: 1 }),
    },
  );
  return { port: listener.port, closed, logged };
}

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}
/** GET over HTTPS with this client certificate (or none); rejects when the connection is refused. */
function httpsGet(port: number, path: string, cert: CertFiles | undefined, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        headers,
        ca: readFileSync(ca.caCert),
        agent: false,
        ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Sends bytes on a raw TCP connection and resolves with what came back once the server closes it. */
function raw(port: number, bytes: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(port, "127.0.0.1", () => s.write(bytes));
    opened.push(s);
    s.on("data", (c) => chunks.push(c));
    s.on("close", () => resolve(Buffer.concat(chunks)));
    s.on("error", reject);
  });
}

const until = (what: string, check: () => boolean, timeoutMs = 5000): Promise<unknown> => waitUntil(what, check, timeoutMs, 10);

describe.skipIf(!hasOpenssl())("admin.forceHttps", () => {
  it("serves /commands/ruok and /metrics over HTTPS, with Jetty's Strict-Transport-Security", async () => {
    const { port } = await start({ "admin.forceHttps": "true" });
    const ruok = await httpsGet(port, "/commands/ruok", undefined);
    expect([ruok.status, JSON.parse(ruok.body)]).toEqual([200, { command: "ruok", error: null }]);
    expect(ruok.headers["strict-transport-security"]).toBe("max-age=86400; includeSubDomains");
    const metrics = await httpsGet(port, "/metrics", undefined);
    expect([metrics.status, metrics.body]).toEqual([200, "warden_up 1\n"]);
  });

  it("ends a plain HTTP request (no answer in clear), logged and counted, and keeps serving HTTPS", async () => {
    const { port, closed, logged } = await start({ "admin.forceHttps": "true" });
    const answer = await raw(port, "GET /commands/ruok HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(answer.toString("latin1")).not.toContain("ruok");
    await expect(fetch(`http://127.0.0.1:${port}/commands/ruok`)).rejects.toThrow();
    await until("the refusals counted", () => closed.length >= 2);
    expect(closed).toEqual(["admin:tls_handshake", "admin:tls_handshake"]);
    expect(logged[0]).toMatch(/^closing admin connection 127\.0\.0\.1:\d+: tls_handshake: /);
    expect((await httpsGet(port, "/commands/ruok", undefined)).status).toBe(200);
  });

  it("ends garbage and a handshake cut short, and keeps serving", async () => {
    const { port, closed } = await start({ "admin.forceHttps": "true" });
    await raw(port, Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x00, 0x01, 0x02]));
    await raw(port, Buffer.alloc(64, 0xa5));
    await until("the refusals counted", () => closed.length >= 2);
    expect(closed.every((c) => c === "admin:tls_handshake")).toBe(true);
    expect((await httpsGet(port, "/metrics", undefined)).status).toBe(200);
  });

  it("bounds the handshakes in progress (outstandingHandshake.limit): one more connection is closed at once", async () => {
    const { port, closed } = await start({ "admin.forceHttps": "true", "outstandingHandshake.limit": "2" });
    const silent = [connect(port, "127.0.0.1"), connect(port, "127.0.0.1")];
    opened.push(...silent);
    await Promise.all(silent.map((s) => new Promise((r) => s.once("connect", r))));
    // The server has taken both once it refuses the third; the third's close proves the bound.
    await raw(port, "");
    expect(closed).toContain("admin:too_many_connections");
    for (const s of silent) s.destroy();
    await until("the silent connections gone", () => silent.every((s) => s.destroyed));
  });
});

describe.skipIf(!hasOpenssl())("admin.needClientAuth", () => {
  it("refuses a connection without a certificate, or with one the trust store does not verify, and serves one that verifies", async () => {
    const { port, closed } = await start({ "admin.forceHttps": "true", "admin.needClientAuth": "true" });
    await expect(httpsGet(port, "/commands/ruok", undefined)).rejects.toThrow();
    await expect(httpsGet(port, "/commands/ruok", stranger)).rejects.toThrow();
    await until("the refusals counted", () => closed.length >= 2);
    expect(closed).toEqual(["admin:tls_handshake", "admin:tls_handshake"]);
    expect((await httpsGet(port, "/commands/ruok", ops)).status).toBe(200);
  });
});

describe.skipIf(!hasOpenssl())("admin.portUnification", () => {
  it("serves HTTP and HTTPS on the one port, told apart by the first byte", async () => {
    const { port } = await start({ "admin.portUnification": "true" });
    const plain = await fetch(`http://127.0.0.1:${port}/commands/ruok`);
    expect([plain.status, plain.headers.get("strict-transport-security")]).toEqual([200, null]);
    const secure = await httpsGet(port, "/commands/ruok", undefined);
    expect([secure.status, secure.headers["strict-transport-security"]]).toEqual([200, "max-age=86400; includeSubDomains"]);
  });

  it("ends a broken handshake and a malformed request, each counted, and keeps serving both", async () => {
    const { port, closed, logged } = await start({ "admin.portUnification": "true" });
    await raw(port, Buffer.from([0x16, 0x00, 0x00, 0x00, 0x10, 0x01]));
    expect((await raw(port, "NOT HTTP\r\n\r\n")).toString("latin1")).toMatch(/^HTTP\/1\.1 400 /);
    await until("the refusals counted", () => closed.length >= 2);
    expect([...closed].sort()).toEqual(["admin:bad_frame", "admin:tls_handshake"]);
    expect(logged.join("\n")).toMatch(/closing admin connection 127\.0\.0\.1:\d+: tls_handshake: /);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect((await httpsGet(port, "/health", undefined)).status).toBe(200);
  });

  it("closes a connection that sends nothing within the bound, logged and counted", async () => {
    const closed: string[] = [];
    const logged: string[] = [];
    const idle = createHttpServer();
    const front = unifiedFront(
      idle,
      idle,
      { log: (l) => logged.push(l), closed: (port, cause) => closed.push(`${port}:${cause}`) },
      new Set(),
      100,
    );
    await new Promise<void>((r) => front.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (front.address() as { port: number }).port;
      const silent = connect(port, "127.0.0.1");
      opened.push(silent);
      await new Promise((r) => silent.once("close", r));
      expect(closed).toEqual(["admin:handshake_timeout"]);
      expect(logged[0]).toMatch(/: handshake_timeout: nothing sent within 100 ms$/);
    } finally {
      await new Promise((r) => front.close(r));
    }
  });

  it("with admin.needClientAuth binds HTTPS only: plain HTTP stays open, as ZooKeeper's", async () => {
    const { port } = await start({ "admin.portUnification": "true", "admin.needClientAuth": "true" });
    await expect(httpsGet(port, "/commands/ruok", undefined)).rejects.toThrow();
    expect((await httpsGet(port, "/commands/ruok", ops)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/commands/ruok`)).status).toBe(200);
  });
});

describe.skipIf(!hasOpenssl())("x509 identities for admin.authRequired", () => {
  const auth = {
    "admin.forceHttps": "true",
    "admin.authRequired": "true",
    "admin.authDigests": digestId("mon", "mon-pw"),
    "admin.authX509": OPS_DN,
    "X509AuthenticationProvider.superUser": SUPER_DN,
  };

  it("accepts a verified certificate whose identity is admin.authX509 or the x509 superuser, without a password", async () => {
    const { port } = await start(auth);
    expect((await httpsGet(port, "/commands/ruok", ops)).status).toBe(200);
    expect((await httpsGet(port, "/metrics", root)).status).toBe(200);
    // ZooKeeper 3.9's admin header for x509 names the scheme; the identity is the certificate's.
    expect((await httpsGet(port, "/commands/ruok", ops, { authorization: "x509" })).status).toBe(200);
  });

  it("refuses a verified certificate of another identity (401) unless it brings digest credentials too", async () => {
    const { port } = await start(auth);
    const refused = await httpsGet(port, "/commands/ruok", other);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error).toContain("or an allowed client certificate");
    expect((await httpsGet(port, "/commands/ruok", other, { authorization: "x509" })).status).toBe(401);
    expect((await httpsGet(port, "/commands/ruok", other, { authorization: "digest mon:mon-pw" })).status).toBe(200);
  });

  it("keeps digest users without certificates, and refuses a certificate that does not verify at the handshake", async () => {
    const { port, closed } = await start(auth);
    expect((await httpsGet(port, "/commands/ruok", undefined)).status).toBe(401);
    expect(
      (await httpsGet(port, "/commands/ruok", undefined, { authorization: `Basic ${Buffer.from("mon:mon-pw").toString("base64")}` }))
        .status,
    ).toBe(200);
    expect((await httpsGet(port, "/health", undefined)).status).toBe(200);
    // Same subject as ops, another CA: asked for (want), it must verify; it ends the connection.
    await expect(httpsGet(port, "/commands/ruok", stranger)).rejects.toThrow();
    await until("the refusal counted", () => closed.length >= 1);
    expect(closed[0]).toMatch(/^admin:tls_(handshake|unauthorized)$/);
  });

  it("does not take the superuser's identity when admin.authRequired is off: no credentials needed at all", async () => {
    const { port } = await start({ "admin.forceHttps": "true", "X509AuthenticationProvider.superUser": SUPER_DN });
    expect((await httpsGet(port, "/commands/ruok", undefined)).status).toBe(200);
  });
});

describe.skipIf(!hasOpenssl())("admin HTTPS configuration", () => {
  const load = (lines: Record<string, string>) =>
    buildConfig(
      parseProperties(
        Object.entries({ dataDir: dir, ...lines })
          .map(([k, v]) => `${k}=${v}`)
          .join("\n"),
        "zoo.cfg",
      ),
      dir,
    );
  const stores = () => ({ "ssl.quorum.keyStore.location": serverCert.pem, "ssl.quorum.trustStore.location": ca.caCert });

  it("reads ZooKeeper's admin server's stores: the ssl.quorum.* keys, not ssl.*", () => {
    expect(() => load({ "admin.forceHttps": "true", "ssl.keyStore.location": serverCert.pem, secureClientPort: "2182" })).toThrow(
      /reads the ssl\.quorum\.\* keys.*ssl\.quorum\.keyStore\.location/,
    );
    const cfg = load({ "admin.forceHttps": "true", ...stores(), "ssl.quorum.enabledProtocols": "TLSv1.3" });
    expect(cfg.adminHttps).toMatchObject({
      mode: "https",
      tls: { clientAuth: "none", minVersion: "TLSv1.3", maxVersion: "TLSv1.3", keyStore: { location: serverCert.pem } },
    });
    expect(load({ "admin.portUnification": "true", "admin.needClientAuth": "true", ...stores() }).adminHttps).toMatchObject({
      mode: "unified",
      tls: { clientAuth: "need" },
    });
    expect(load({}).adminHttps).toBeUndefined();
  });

  it("refuses admin.needClientAuth or admin.authX509 without HTTPS, naming the line; forceHttps wins over portUnification, as in ZooKeeper", () => {
    expect(() => load({ "admin.needClientAuth": "true" })).toThrow(/^zoo\.cfg:2: admin\.needClientAuth=true needs admin\.forceHttps=true/);
    expect(() => load({ "admin.authRequired": "true", "admin.authX509": OPS_DN })).toThrow(
      /^zoo\.cfg:3: admin\.authX509 needs HTTPS on the admin port/,
    );
    expect(load({ "admin.forceHttps": "true", "admin.portUnification": "true", ...stores() }).adminHttps?.mode).toBe("https");
    expect(() => load({ "admin.forceHttps": "true", ...stores(), "admin.authX509": "ops" })).toThrow(
      /admin\.authX509 must be a certificate's subject/,
    );
  });

  it("lets admin.authRequired rest on x509 identities alone, admin.authX509.N naming more", () => {
    const cfg = load({
      "admin.forceHttps": "true",
      ...stores(),
      "admin.authRequired": "true",
      "admin.authX509": OPS_DN,
      "admin.authX509.2": "CN=b,O=Example",
      "X509AuthenticationProvider.superUser": SUPER_DN,
    });
    expect([...cfg.adminAuthX509].sort()).toEqual(["CN=b,O=Example", OPS_DN, SUPER_DN]);
    expect(cfg.adminAuthDigests).toEqual(new Set());
    expect(cfg.adminHttps?.tls.clientAuth).toBe("want");
    // Without HTTPS the superuser's certificate cannot come: nobody could pass.
    expect(() => load({ "admin.authRequired": "true", "X509AuthenticationProvider.superUser": SUPER_DN })).toThrow(
      /admin\.authRequired needs superDigest or admin\.authDigests/,
    );
  });

  it("stops the start with the reason when a store cannot be used", () => {
    const cfg = load({ "admin.forceHttps": "true", "ssl.quorum.keyStore.location": join(dir, "missing.pem") });
    expect(() => adminListenerTls({ ...cfg, adminPort: 8080 })).toThrow(ConfigError);
    expect(() => adminListenerTls({ ...cfg, adminPort: 8080 })).toThrow(/admin port's HTTPS.*missing\.pem/);
  });
});
