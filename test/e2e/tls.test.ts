// TLS on the client ports (secureClientPort: ZooKeeper's protocol; secureNativePort: wss) with
// ZooKeeper's ssl.* keys, the x509 identity of a verified client certificate (ACLs, superuser),
// refusals that end one connection and never the server, and certificates reloaded from disk.
// Certificates are made with openssl under a temporary directory.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as connectTls, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, NoAuthError, Perms, jute, type ACL } from "@warden/protocol";
import { createClient, type Client, type ClientOptions } from "@warden/client";
import { freePort, loadConfig } from "@warden/server";
import { WARDEN_BIN, hasOpenssl, makeTestCa, type CertFiles, type TestCa } from "@warden/testing";
import { spawn } from "node:child_process";
import { startStandalone, text, waitFor, type Standalone } from "./harness.js";

const CLIENT_DN = "CN=client,OU=ops,O=Example,C=US";
const ADMIN_DN = "CN=admin,O=Example";

let dir: string;
let ca: TestCa;
let rogue: TestCa;
let serverCert: CertFiles;
let client: CertFiles;
let other: CertFiles;
let admin: CertFiles;
let stranger: CertFiles;
let s: Standalone;
const clients: Client[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "warden-tls-"));
  ca = makeTestCa(dir, "main");
  rogue = makeTestCa(dir, "rogue");
  serverCert = ca.issue("server", "/O=Example/CN=server-1", { server: true });
  client = ca.issue("client", "/C=US/O=Example/OU=ops/CN=client");
  other = ca.issue("other", "/O=Example/CN=other");
  admin = ca.issue("admin", "/O=Example/CN=admin");
  stranger = rogue.issue("stranger", "/O=Example/CN=client");
  // The served key store is a copy the reload test replaces.
  copyFileSync(serverCert.pem, join(dir, "served.pem"));
  s = await startStandalone({
    secureClientPort: String(await freePort()),
    secureNativePort: String(await freePort()),
    secureClientPortAddress: "127.0.0.1",
    "ssl.keyStore.location": join(dir, "served.pem"),
    "ssl.trustStore.location": ca.caCert,
    "X509AuthenticationProvider.superUser": ADMIN_DN,
    "client.certReload": "true",
    // A 4-byte "ruok" is less than a TLS record header: the handshake times out instead of failing.
    clientHandshakeTimeoutMs: "1000",
  });
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await s?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tlsOf = (c: CertFiles) => ({ ca: readFileSync(ca.caCert), cert: readFileSync(c.cert), key: readFileSync(c.key) });
async function wss(cert: CertFiles | undefined, options: ClientOptions = {}, connectedMs = 5000): Promise<Client> {
  const c = createClient(`wss://127.0.0.1:${s.server.ports.secureNative}`, {
    sessionTimeoutMs: 4000,
    reconnectDelayMsMin: 20,
    reconnectDelayMsMax: 200,
    tls: cert ? tlsOf(cert) : { ca: readFileSync(ca.caCert) },
    ...options,
  });
  clients.push(c);
  await c.connected({ timeoutMs: connectedMs });
  return c;
}

/** A TLS connection to a secure port; resolves with the socket once the handshake is done, rejects when the server refuses. */
function tlsSocket(port: number, cert: CertFiles | undefined): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const sock = connectTls({
      host: "127.0.0.1",
      port,
      ca: readFileSync(ca.caCert),
      ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}),
    });
    sock.once("secureConnect", () => resolve(sock));
    sock.once("error", reject);
  });
}

const connectRequest = () =>
  jute.encodeConnectRequest({
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeoutMs: 4000,
    sessionId: 0n,
    password: new Uint8Array(16),
    readOnly: false,
  });
/** ZooKeeper's handshake over TLS: the ConnectResponse's session id, or undefined when the connection ends first. */
function zkHandshake(sock: TLSSocket): Promise<bigint | undefined> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      // length, protocolVersion, timeout, sessionId
      if (got.length >= 4 + 4 + 4 + 8) resolve(got.readBigInt64BE(12));
    });
    sock.on("close", () => resolve(undefined));
    sock.on("error", () => undefined);
    sock.write(connectRequest());
  });
}

/** Whether the server refused this socket (closed, or the handshake failed) without ever answering. */
function refused(port: number, cert: CertFiles | undefined): Promise<boolean> {
  return tlsSocket(port, cert).then(
    (sock) => zkHandshake(sock).then((session) => (sock.destroy(), session === undefined)),
    () => true,
  );
}

const closedCount = async (cause: string, port: string): Promise<number> => {
  const body = await (await fetch(`http://127.0.0.1:${s.server.ports.admin}/metrics`)).text();
  const line = body
    .split("\n")
    .find((l) => l.startsWith("warden_connections_closed_total{") && l.includes(`cause="${cause}"`) && l.includes(`port="${port}"`));
  return line ? Number(line.split(" ").pop()) : 0;
};

describe.skipIf(!hasOpenssl())("TLS client ports", () => {
  it("serves Warden's client over wss:// with a CA and a client certificate", async () => {
    const c = await wss(client);
    await c.create("/tls-hello", "over wss");
    expect(text((await c.getData("/tls-hello")).data)).toBe("over wss");
  });

  it("serves ZooKeeper's protocol on secureClientPort: a ConnectRequest over TLS gets a session", async () => {
    const sock = await tlsSocket(s.server.ports.secureClient, client);
    expect(sock.getPeerX509Certificate()!.subject).toContain("CN=server-1");
    expect(await zkHandshake(sock)).not.toBe(0n);
    sock.destroy();
  });

  it("ssl.clientAuth=need (the default) refuses a client without a certificate, or with one from another CA: that connection ends, counted, the server goes on", async () => {
    const before = await closedCount("tls_handshake", "zookeeper");
    expect(await refused(s.server.ports.secureClient, undefined)).toBe(true);
    expect(await refused(s.server.ports.secureClient, stranger)).toBe(true);
    await waitFor("both refusals counted", async () => (await closedCount("tls_handshake", "zookeeper")) >= before + 2);
    await expect(wss(undefined, { connectTimeoutMs: 500 }, 1500)).rejects.toThrow();
    expect(await refused(s.server.ports.secureClient, client)).toBe(false);
  });

  it("plain text (a ZooKeeper client, ruok, ws://) and garbage on either TLS port end that connection, counted; the server goes on serving", async () => {
    const upgrade = Buffer.from(
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff));
    for (const [port, name] of [
      [s.server.ports.secureClient, "zookeeper"],
      [s.server.ports.secureNative, "native"],
    ] as const) {
      const before = await closedCount("tls_handshake", name);
      for (const bytes of [connectRequest(), Buffer.from("ruok"), upgrade, garbage]) {
        const ended = await new Promise<boolean>((resolve) => {
          const raw = connectTcp(port, "127.0.0.1", () => raw.write(bytes));
          raw.on("data", () => undefined);
          raw.on("error", () => undefined);
          raw.on("close", () => resolve(true));
        });
        expect(ended).toBe(true);
      }
      await waitFor(
        `the four failed handshakes on the ${name} port counted`,
        async () => (await closedCount("tls_handshake", name)) >= before + 4,
      );
    }
    const c = await wss(client);
    expect(await c.exists("/")).not.toBeNull();
    expect(await refused(s.server.ports.secureClient, client)).toBe(false);
  });

  it("a verified certificate is the identity x509:<subject, RFC 2253, as Java names it>", async () => {
    const c = await wss(client);
    expect(await c.whoAmI()).toContainEqual({ scheme: "x509", id: CLIENT_DN });
  });

  it("an x509 ACL lets that certificate's client in and answers NoAuth to another certificate; the superuser certificate reads it all", async () => {
    const owner = await wss(client);
    const acl: ACL[] = [{ perms: Perms.ALL, id: { scheme: "x509", id: CLIENT_DN } }];
    await owner.create("/x509-only", "for client", { acl });
    expect(text((await owner.getData("/x509-only")).data)).toBe("for client");
    const intruder = await wss(other);
    await expect(intruder.getData("/x509-only")).rejects.toBeInstanceOf(NoAuthError);
    await expect(intruder.setData("/x509-only", "mine")).rejects.toBeInstanceOf(NoAuthError);
    const root = await wss(admin);
    expect(await root.whoAmI()).toContainEqual({ scheme: "super", id: ADMIN_DN });
    expect(text((await root.getData("/x509-only")).data)).toBe("for client");
    await root.setData("/x509-only", "by admin");
    expect(text((await owner.getData("/x509-only")).data)).toBe("by admin");
  });

  it("the auth scheme stores the certificate's x509 identity; a plain client cannot addAuth x509", async () => {
    const owner = await wss(client);
    await owner.create("/x509-auth", "", { acl: [{ perms: Perms.ALL, id: { scheme: "auth", id: "" } }] });
    expect(await owner.getACL("/x509-auth")).toMatchObject({ acl: [{ perms: Perms.ALL, id: { scheme: "x509", id: CLIENT_DN } }] });
    const plain = await s.client();
    await expect(plain.addAuth("x509", "")).rejects.toThrow();
  });

  it("conf names the TLS port (ZooKeeper's secureClientPort line)", async () => {
    const answer = await new Promise<string>((resolve) => {
      let got = "";
      const raw = connectTcp(s.server.ports.client, "127.0.0.1", () => raw.write("conf"));
      raw.on("data", (c) => (got += c));
      raw.on("close", () => resolve(got));
    });
    expect(answer).toContain(`secureClientPort=${s.server.ports.secureClient}\n`);
  });

  it("warden shell connects with --ca, --cert and --key to a wss:// connect string", async () => {
    const args = [
      "shell",
      `wss://127.0.0.1:${s.server.ports.secureNative}`,
      "--ca",
      ca.caCert,
      "--cert",
      client.cert,
      "--key",
      client.key,
      "-c",
      "whoami",
    ];
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, [WARDEN_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (c) => (text += c));
      child.stderr.on("data", (c) => (text += c));
      child.on("close", (code) => resolve({ code, text }));
    });
    expect(out.text, out.text).toContain(`x509: ${CLIENT_DN}`);
    expect(out.code, out.text).toBe(0);
  });

  it("reloads the certificate when its file changes: a new connection sees the new one; a broken file keeps the old", async () => {
    const next = ca.issue("server-2", "/O=Example/CN=server-2", { server: true });
    const served = join(dir, "served.pem");
    writeFileSync(served, "not a certificate\n");
    await waitFor(
      "the failed reload logged",
      () => s.log.some((l) => l.includes("reloading") && l.includes("failed, the previous certificates stay in use")),
      10_000,
    );
    const still = await tlsSocket(s.server.ports.secureClient, client);
    expect(still.getPeerX509Certificate()!.subject).toContain("CN=server-1");
    still.destroy();
    writeFileSync(served, readFileSync(next.pem));
    await waitFor(
      "a new connection to present CN=server-2",
      async () => {
        const sock = await tlsSocket(s.server.ports.secureClient, client);
        const subject = sock.getPeerX509Certificate()!.subject;
        sock.destroy();
        return subject.includes("CN=server-2");
      },
      10_000,
    );
    const c = await wss(client);
    expect(await c.exists("/")).not.toBeNull();
    const body = await (await fetch(`http://127.0.0.1:${s.server.ports.admin}/metrics`)).text();
    expect(body).toMatch(/^warden_tls_reloads_total\{result="failed"\} [1-9]/m);
    expect(body).toMatch(/^warden_tls_reloads_total\{result="ok"\} [1-9]/m);
    // The reloaded context still asks for a certificate (ssl.clientAuth=need).
    expect(await refused(s.server.ports.secureClient, undefined)).toBe(true);
    expect(await c.whoAmI()).toContainEqual({ scheme: "x509", id: CLIENT_DN });
  });
});

describe.skipIf(!hasOpenssl())("TLS settings at start", () => {
  const base = (more: Record<string, string>) => ({ dataDir: join(tmpdir(), "unused"), secureClientPort: "2182", ...more });

  it("refuses a JKS key store, saying to convert it with keytool to PKCS12", () => {
    expect(() => loadConfig(undefined, base({ "ssl.keyStore.location": "/etc/zk/keystore.jks" }))).toThrow(
      /Java KeyStore \(JKS\).*keytool -importkeystore .* -deststoretype PKCS12/,
    );
    expect(() => loadConfig(undefined, base({ "ssl.keyStore.location": "/etc/zk/keystore", "ssl.keyStore.type": "JKS" }))).toThrow(
      /convert it to PKCS12/,
    );
  });

  it("refuses a Java KeyStore by its content too, whatever its name says", async () => {
    const jks = join(dir, "disguised.p12");
    writeFileSync(jks, Buffer.concat([Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]), Buffer.alloc(64)]));
    await expect(startStandalone({ secureClientPort: String(await freePort()), "ssl.keyStore.location": jks })).rejects.toThrow(
      /is a Java KeyStore \(JKS\).*keytool -importkeystore/,
    );
  });

  it("needs a key store, and a type it can tell from the extension or ssl.keyStore.type", () => {
    expect(() => loadConfig(undefined, base({}))).toThrow(/needs ssl.keyStore.location/);
    expect(() => loadConfig(undefined, base({ "ssl.keyStore.location": "/etc/zk/keys.bin" }))).toThrow(
      /cannot tell the type .* set ssl.keyStore.type/,
    );
    expect(
      loadConfig(undefined, base({ "ssl.keyStore.location": "/etc/zk/keys.bin", "ssl.keyStore.type": "pkcs12" })).clientTls!.keyStore.type,
    ).toBe("PKCS12");
  });

  it("reads ZooKeeper's defaults: clientAuth need, TLSv1.2 to TLSv1.3, no reload; and refuses old protocols and unknown suites", () => {
    const cfg = loadConfig(undefined, base({ "ssl.keyStore.location": "/k.pem" })).clientTls!;
    expect([cfg.clientAuth, cfg.minVersion, cfg.maxVersion, cfg.reload, cfg.hostnameVerification]).toEqual([
      "need",
      "TLSv1.2",
      "TLSv1.3",
      false,
      true,
    ]);
    const v12 = loadConfig(undefined, base({ "ssl.keyStore.location": "/k.pem", "ssl.protocol": "TLSv1.2" })).clientTls!;
    expect([v12.minVersion, v12.maxVersion]).toEqual(["TLSv1.2", "TLSv1.2"]);
    expect(() => loadConfig(undefined, base({ "ssl.keyStore.location": "/k.pem", "ssl.enabledProtocols": "TLSv1.1,TLSv1.2" }))).toThrow(
      /not safe/,
    );
    const suites = loadConfig(
      undefined,
      base({ "ssl.keyStore.location": "/k.pem", "ssl.ciphersuites": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256" }),
    ).clientTls!;
    expect(suites.ciphers).toBe("ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256");
    expect(() => loadConfig(undefined, base({ "ssl.keyStore.location": "/k.pem", "ssl.ciphersuites": "TLS_NOPE_WITH_NOTHING" }))).toThrow(
      /unknown cipher suite TLS_NOPE_WITH_NOTHING/,
    );
  });

  it("a server with a PKCS12 key store and trust store serves; a wrong password stops the start with the reason", async () => {
    const keys = {
      secureNativePort: String(await freePort()),
      secureClientPortAddress: "127.0.0.1",
      "ssl.keyStore.location": serverCert.p12,
      "ssl.keyStore.password": serverCert.password,
      "ssl.trustStore.location": ca.caP12,
      "ssl.trustStore.password": serverCert.password,
    };
    const p12 = await startStandalone(keys);
    try {
      const c = createClient(`wss://127.0.0.1:${p12.server.ports.secureNative}`, { tls: tlsOf(client), sessionTimeoutMs: 4000 });
      await c.connected({ timeoutMs: 5000 });
      expect(await c.whoAmI()).toContainEqual({ scheme: "x509", id: CLIENT_DN });
      await c.close();
    } finally {
      await p12.stop();
    }
    await expect(startStandalone({ ...keys, "ssl.trustStore.password": "wrong" })).rejects.toThrow(/trust store .*password/);
  });
});

describe.skipIf(!hasOpenssl())("ssl.clientAuth want and none", () => {
  const start = async (mode: string, more: Record<string, string> = {}) =>
    startStandalone({
      secureNativePort: String(await freePort()),
      secureClientPortAddress: "127.0.0.1",
      "ssl.keyStore.location": serverCert.pem,
      "ssl.trustStore.location": ca.caCert,
      "ssl.clientAuth": mode,
      ...more,
    });
  const connectTo = async (server: Standalone, tls: ClientOptions["tls"], timeoutMs = 5000) => {
    const c = createClient(`wss://127.0.0.1:${server.server.ports.secureNative}`, { tls, sessionTimeoutMs: 4000, connectTimeoutMs: 1000 });
    clients.push(c);
    await c.connected({ timeoutMs });
    return c;
  };
  const metric = async (server: Standalone, cause: string) => {
    const body = await (await fetch(`http://127.0.0.1:${server.server.ports.admin}/metrics`)).text();
    const line = body
      .split("\n")
      .find((l) => l.startsWith("warden_connections_closed_total{") && l.includes(`cause="${cause}"`) && l.includes('port="native"'));
    return line ? Number(line.split(" ").pop()) : 0;
  };

  it("want: a client without a certificate connects with no x509 identity; a verified one has it; one from another CA is refused and counted", async () => {
    const want = await start("want");
    try {
      const anonymous = await connectTo(want, { ca: readFileSync(ca.caCert) });
      expect((await anonymous.whoAmI()).map((id) => id.scheme)).toEqual(["ip"]);
      const known = await connectTo(want, tlsOf(client));
      expect(await known.whoAmI()).toContainEqual({ scheme: "x509", id: CLIENT_DN });
      await expect(
        connectTo(want, { ca: readFileSync(ca.caCert), cert: readFileSync(stranger.cert), key: readFileSync(stranger.key) }, 1500),
      ).rejects.toThrow();
      await waitFor("the unverified certificate counted", async () => (await metric(want, "tls_unauthorized")) >= 1);
      expect(await known.exists("/")).not.toBeNull();
    } finally {
      await want.stop();
    }
  });

  it("enforce.auth.schemes=x509: a session without a verified certificate is refused, one with it is served", async () => {
    const enforced = await start("want", { "enforce.auth.enabled": "true", "enforce.auth.schemes": "x509" });
    try {
      const anonymous = await connectTo(enforced, { ca: readFileSync(ca.caCert) });
      await expect(anonymous.exists("/")).rejects.toMatchObject({ zkCode: ErrorCode.SESSION_CLOSED_REQUIRE_SASL_AUTH });
      const known = await connectTo(enforced, tlsOf(client));
      expect(await known.exists("/")).not.toBeNull();
    } finally {
      await enforced.stop();
    }
  });

  it("none: no certificate is asked for, so none gives an identity", async () => {
    const none = await start("none");
    try {
      const c = await connectTo(none, tlsOf(client));
      expect((await c.whoAmI()).map((id) => id.scheme)).toEqual(["ip"]);
    } finally {
      await none.stop();
    }
  });
});

describe.skipIf(!hasOpenssl())("stopping a server with TLS ports", () => {
  it("does not wait for handshakes that never come (both TLS ports)", async () => {
    const slow = await startStandalone({
      secureClientPort: String(await freePort()),
      secureNativePort: String(await freePort()),
      secureClientPortAddress: "127.0.0.1",
      "ssl.keyStore.location": serverCert.pem,
      clientHandshakeTimeoutMs: "120000",
    });
    const idle = await Promise.all(
      [slow.server.ports.secureClient, slow.server.ports.secureNative].map(
        (port) =>
          new Promise<import("node:net").Socket>((resolve) => {
            const raw = connectTcp(port, "127.0.0.1", () => resolve(raw));
            raw.on("error", () => undefined);
          }),
      ),
    );
    await waitFor("both idle sockets accepted", () => slow.server.stateCounts().connections === 0 || undefined);
    const started = Date.now();
    await slow.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    for (const raw of idle) raw.destroy();
  });
});

describe.skipIf(!hasOpenssl())("outstandingHandshake.limit", () => {
  it("a connection beyond the handshakes in progress is closed at once and counted; once they end, clients connect again", async () => {
    const bounded = await startStandalone({
      secureClientPort: String(await freePort()),
      secureClientPortAddress: "127.0.0.1",
      "ssl.keyStore.location": serverCert.pem,
      "ssl.trustStore.location": ca.caCert,
      "outstandingHandshake.limit": "2",
      clientHandshakeTimeoutMs: "60000",
    });
    const port = bounded.server.ports.secureClient;
    const count = async (cause: string) => {
      const body = await (await fetch(`http://127.0.0.1:${bounded.server.ports.admin}/metrics`)).text();
      const line = body
        .split("\n")
        .find((l) => l.startsWith("warden_connections_closed_total{") && l.includes(`cause="${cause}"`) && l.includes('port="zookeeper"'));
      return line ? Number(line.split(" ").pop()) : 0;
    };
    const open = () =>
      new Promise<{ raw: import("node:net").Socket; closed: Promise<void> }>((resolve) => {
        const raw = connectTcp(port, "127.0.0.1");
        raw.on("error", () => undefined);
        const closed = new Promise<void>((r) => raw.on("close", () => r()));
        raw.on("connect", () => resolve({ raw, closed }));
      });
    try {
      const idle = [await open(), await open()];
      const third = await open();
      await third.closed;
      await waitFor("the refusal counted", async () => (await count("too_many_connections")) === 1);
      expect(await count("tls_handshake")).toBe(0);
      for (const s of idle) s.raw.destroy();
      await Promise.all(idle.map((s) => s.closed));
      const sock = await waitFor(
        "a TLS client to connect again",
        () =>
          new Promise<TLSSocket | undefined>((resolve) => {
            const t = connectTls({
              host: "127.0.0.1",
              port,
              ca: readFileSync(ca.caCert),
              cert: readFileSync(client.cert),
              key: readFileSync(client.key),
            });
            t.once("secureConnect", () => resolve(t));
            t.once("error", () => resolve(undefined));
          }),
      );
      expect(await zkHandshake(sock)).not.toBe(0n);
      sock.destroy();
    } finally {
      await bounded.stop();
    }
  });
});
