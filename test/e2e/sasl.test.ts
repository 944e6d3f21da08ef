// SASL DIGEST-MD5 on the ZooKeeper port, frame by frame: the exchange, the identity
// sasl:<user> in ACLs, superUser, a failed round (AUTHFAILED and the connection closes, the
// server serves on), malformed tokens from fast-check, and sessionRequireClientSASLAuth.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { CreateMode, ErrorCode, OpCode, Perms, type ACL } from "@warden/protocol";
import { startStandalone, type Standalone } from "./harness.js";
import { openZk } from "./raw.js";
import { call, nextXid, saslSession, tokenOf } from "./sasl-client.js";

const JAAS = `Server {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  user_alice="alice-secret"
  user_bob="bob-secret"
  user_root="root-secret";
};
`;

const saslAcl = (user: string, perms = Perms.ALL): ACL[] => [{ perms, id: { scheme: "sasl", id: user } }];

function jaasDir(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "warden-sasl-"));
  const file = join(dir, "server.jaas");
  writeFileSync(file, JAAS);
  return { dir, file };
}

describe("SASL DIGEST-MD5 on the ZooKeeper port", () => {
  let s: Standalone;
  let jaas: { dir: string; file: string };
  beforeAll(async () => {
    jaas = jaasDir();
    s = await startStandalone({ jaasLoginConfig: jaas.file, superUser: "root" });
  });
  afterAll(async () => {
    await s?.stop();
    rmSync(jaas.dir, { recursive: true, force: true });
  });

  it("challenges, accepts the right digest, answers rspauth, and the session is sasl:alice", async () => {
    const { zk, first, second, rspauth } = await saslSession(s.server.ports.client, "alice", "alice-secret");
    expect(Buffer.from(tokenOf(first)).toString()).toMatch(
      /^realm="zk-sasl-md5",nonce="[^"]+",qop="auth",charset=utf-8,algorithm=md5-sess$/,
    );
    expect(second.err).toBe(ErrorCode.OK);
    expect(Buffer.from(tokenOf(second)).toString()).toBe(rspauth);
    const who = await call(zk, { type: "whoAmI" });
    expect(who.response).toEqual({
      type: "whoAmI",
      clientInfo: [
        { scheme: "ip", id: "127.0.0.1" },
        { scheme: "sasl", id: "alice" },
      ],
    });
    zk.socket.destroy();
  });

  it("sasl:alice:cdrwa lets alice read and write, and answers NOAUTH to bob and to a session without SASL", async () => {
    const alice = (await saslSession(s.server.ports.client, "alice", "alice-secret")).zk;
    const created = await call(alice, {
      type: "create",
      path: "/sasl-alice",
      data: Buffer.from("a"),
      acl: saslAcl("alice"),
      mode: CreateMode.PERSISTENT,
    });
    expect(created.err).toBe(ErrorCode.OK);
    expect((await call(alice, { type: "getData", path: "/sasl-alice", watch: false })).err).toBe(ErrorCode.OK);
    expect((await call(alice, { type: "setData", path: "/sasl-alice", data: Buffer.from("b"), version: -1 })).err).toBe(ErrorCode.OK);
    const acl = await call(alice, { type: "getACL", path: "/sasl-alice" });
    expect((acl.response as { acl: ACL[] }).acl).toEqual(saslAcl("alice"));
    const bob = (await saslSession(s.server.ports.client, "bob", "bob-secret")).zk;
    expect((await call(bob, { type: "getData", path: "/sasl-alice", watch: false })).err).toBe(ErrorCode.NO_AUTH);
    expect((await call(bob, { type: "setData", path: "/sasl-alice", data: Buffer.from("c"), version: -1 })).err).toBe(ErrorCode.NO_AUTH);
    const anonymous = await openZk(s.server.ports.client);
    expect((await call(anonymous, { type: "getData", path: "/sasl-alice", watch: false })).err).toBe(ErrorCode.NO_AUTH);
    // The auth scheme expands to the session's sasl identity.
    const mine = await call(bob, {
      type: "create",
      path: "/sasl-bob",
      data: null,
      acl: [{ perms: Perms.ALL, id: { scheme: "auth", id: "" } }],
      mode: CreateMode.PERSISTENT,
    });
    expect(mine.err).toBe(ErrorCode.OK);
    expect(((await call(bob, { type: "getACL", path: "/sasl-bob" })).response as { acl: ACL[] }).acl).toEqual(saslAcl("bob"));
    for (const c of [alice, bob, anonymous]) c.socket.destroy();
  });

  it("a superUser reads what no ACL grants it", async () => {
    const alice = (await saslSession(s.server.ports.client, "alice", "alice-secret")).zk;
    expect(
      (
        await call(alice, {
          type: "create",
          path: "/alice-only",
          data: Buffer.from("x"),
          acl: saslAcl("alice"),
          mode: CreateMode.PERSISTENT,
        })
      ).err,
    ).toBe(ErrorCode.OK);
    const root = (await saslSession(s.server.ports.client, "root", "root-secret")).zk;
    expect((await call(root, { type: "getData", path: "/alice-only", watch: false })).err).toBe(ErrorCode.OK);
    for (const c of [alice, root]) c.socket.destroy();
  });

  it("a wrong password is answered AUTHFAILED, the connection closes, the reason is logged, and the server serves the next client", async () => {
    const { zk, second } = await saslSession(s.server.ports.client, "alice", "wrong");
    expect(second.err).toBe(ErrorCode.AUTH_FAILED);
    await zk.closed;
    expect(s.log.some((l) => /SASL DIGEST-MD5 authentication failed: wrong response for user "alice"/.test(l))).toBe(true);
    const again = await saslSession(s.server.ports.client, "alice", "alice-secret");
    expect(again.second.err).toBe(ErrorCode.OK);
    again.zk.socket.destroy();
  });

  it("a third round after success fails the exchange and closes the connection", async () => {
    const { zk } = await saslSession(s.server.ports.client, "alice", "alice-secret");
    expect((await call(zk, { type: "sasl", token: new Uint8Array(0) })).err).toBe(ErrorCode.AUTH_FAILED);
    await zk.closed;
  });

  it("malformed tokens (fast-check) end only their connection; the server authenticates a client afterwards", async () => {
    const token = fc.oneof(
      fc.uint8Array({ maxLength: 6000 }),
      fc.string({ maxLength: 300 }).map((t) => new Uint8Array(Buffer.from(t))),
      fc.constant(null),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { minLength: 1, maxLength: 3 }), async (tokens) => {
        const zk = await openZk(s.server.ports.client);
        // A last token of one byte fails whatever came before: not an empty first token, not a digest-response.
        for (const t of [...tokens, new Uint8Array([1])]) zk.send(nextXid(), { type: "sasl", token: t });
        await zk.closed;
        const replies = zk.frames.items.filter((f) => f.kind === "reply");
        expect(replies.some((f) => f.kind === "reply" && f.err === ErrorCode.AUTH_FAILED)).toBe(true);
      }),
      { numRuns: 40 },
    );
    const after = await saslSession(s.server.ports.client, "bob", "bob-secret");
    expect(after.second.err).toBe(ErrorCode.OK);
    after.zk.socket.destroy();
  }, 60_000);

  it("a SASL frame with no token bytes at all is a bad frame: the connection closes", async () => {
    const zk = await openZk(s.server.ports.client);
    const frame = Buffer.alloc(12);
    frame.writeInt32BE(8, 0);
    frame.writeInt32BE(99, 4);
    frame.writeInt32BE(OpCode.sasl, 8);
    zk.sendBytes(99, OpCode.sasl, frame);
    await zk.closed;
  });
});

describe("SASL required (sessionRequireClientSASLAuth) and SASL not configured", () => {
  let required: Standalone;
  let plain: Standalone;
  let jaas: { dir: string; file: string };
  beforeAll(async () => {
    jaas = jaasDir();
    required = await startStandalone({ jaasLoginConfig: jaas.file, sessionRequireClientSASLAuth: "true" });
    plain = await startStandalone();
  });
  afterAll(async () => {
    await required?.stop();
    await plain?.stop();
    rmSync(jaas.dir, { recursive: true, force: true });
  });

  it("a request before SASL is answered SESSIONCLOSEDREQUIRESASLAUTH and the connection closes", async () => {
    const zk = await openZk(required.server.ports.client);
    expect((await call(zk, { type: "exists", path: "/", watch: false })).err).toBe(ErrorCode.SESSION_CLOSED_REQUIRE_SASL_AUTH);
    await zk.closed;
  });

  it("after SASL the session works; a failed SASL round is answered SESSIONCLOSEDREQUIRESASLAUTH", async () => {
    const ok = await saslSession(required.server.ports.client, "alice", "alice-secret");
    expect((await call(ok.zk, { type: "exists", path: "/", watch: false })).err).toBe(ErrorCode.OK);
    ok.zk.socket.destroy();
    const bad = await saslSession(required.server.ports.client, "alice", "nope");
    expect(bad.second.err).toBe(ErrorCode.SESSION_CLOSED_REQUIRE_SASL_AUTH);
    await bad.zk.closed;
  });

  it("without jaasLoginConfig a SASL round is answered AUTHFAILED and the connection closes", async () => {
    const zk = await openZk(plain.server.ports.client);
    expect((await call(zk, { type: "sasl", token: new Uint8Array(0) })).err).toBe(ErrorCode.AUTH_FAILED);
    await zk.closed;
    expect(plain.log.some((l) => l.includes("SASL is not configured on this server (jaasLoginConfig)"))).toBe(true);
  });
});

describe("enforce.auth.enabled with enforce.auth.schemes=digest, on the native port too", () => {
  let s: Standalone;
  beforeAll(async () => {
    s = await startStandalone({ "enforce.auth.enabled": "true", "enforce.auth.schemes": "digest" });
  });
  afterAll(async () => s?.stop());

  it("a native session without a digest identity is refused; with addAuth digest it goes on", async () => {
    const anonymous = await s.client();
    await expect(anonymous.exists("/")).rejects.toMatchObject({ zkCode: ErrorCode.SESSION_CLOSED_REQUIRE_SASL_AUTH });
    const authed = await s.client();
    await authed.addAuth("digest", "ann:ann-pw");
    expect(await authed.exists("/")).not.toBeNull();
  });

  it("a ZooKeeper-port session is refused too until it authenticates with digest", async () => {
    const zk = await openZk(s.server.ports.client);
    expect((await call(zk, { type: "auth", scheme: "digest", auth: Buffer.from("ann:ann-pw") })).err).toBe(ErrorCode.OK);
    expect((await call(zk, { type: "exists", path: "/", watch: false })).err).toBe(ErrorCode.OK);
    zk.socket.destroy();
    const other = await openZk(s.server.ports.client);
    expect((await call(other, { type: "exists", path: "/", watch: false })).err).toBe(ErrorCode.SESSION_CLOSED_REQUIRE_SASL_AUTH);
    await other.closed;
  });
});

describe("allowSaslFailedClients and SASLAuthenticationProvider.superPassword (ZooKeeper's system properties)", () => {
  let s: Standalone;
  let jaas: { dir: string; file: string };
  beforeAll(async () => {
    jaas = jaasDir();
    writeFileSync(jaas.file, JAAS.replace('user_root="root-secret";', 'user_root="root-secret"\n  user_super="jaas-super-secret";'));
    s = await startStandalone({
      jaasLoginConfig: jaas.file,
      allowSaslFailedClients: "true",
      "SASLAuthenticationProvider.superPassword": "property-secret",
    });
  });
  afterAll(async () => {
    await s?.stop();
    rmSync(jaas.dir, { recursive: true, force: true });
  });

  it("a failed round is answered OK with a null token, and the connection goes on without an identity", async () => {
    const { zk, second } = await saslSession(s.server.ports.client, "alice", "wrong");
    expect(second.err).toBe(ErrorCode.OK);
    expect((second.response as { token: Uint8Array | null }).token).toBeNull();
    const who = await call(zk, { type: "whoAmI" });
    expect(who.response).toEqual({ type: "whoAmI", clientInfo: [{ scheme: "ip", id: "127.0.0.1" }] });
    expect(
      s.log.some((l) =>
        /SASL DIGEST-MD5 authentication failed: .*; the connection goes on without an identity \(allowSaslFailedClients\)/.test(l),
      ),
    ).toBe(true);
    zk.socket.destroy();
  });

  it("the SASL user super has the superPassword instead of the JAAS file's, and matches every sasl ACL", async () => {
    const refused = await saslSession(s.server.ports.client, "super", "jaas-super-secret");
    expect(refused.second.err).toBe(ErrorCode.OK); // allowed to go on, but not as super
    expect((refused.second.response as { token: Uint8Array | null }).token).toBeNull();
    refused.zk.socket.destroy();
    const alice = (await saslSession(s.server.ports.client, "alice", "alice-secret")).zk;
    expect(
      (
        await call(alice, {
          type: "create",
          path: "/only-alice",
          data: Buffer.from("a"),
          acl: saslAcl("alice"),
          mode: CreateMode.PERSISTENT,
        })
      ).err,
    ).toBe(ErrorCode.OK);
    const superSession = await saslSession(s.server.ports.client, "super", "property-secret");
    expect(superSession.second.err).toBe(ErrorCode.OK);
    expect((await call(superSession.zk, { type: "getData", path: "/only-alice", watch: false })).err).toBe(ErrorCode.OK);
    for (const c of [alice, superSession.zk]) c.socket.destroy();
  });

  it("SASL required wins over allowSaslFailedClients, as in ZooKeeper: a failed round closes the connection", async () => {
    const required = await startStandalone({
      jaasLoginConfig: jaas.file,
      allowSaslFailedClients: "true",
      sessionRequireClientSASLAuth: "true",
    });
    try {
      const { zk, second } = await saslSession(required.server.ports.client, "alice", "wrong");
      expect(second.err).toBe(ErrorCode.SESSION_CLOSED_REQUIRE_SASL_AUTH);
      await zk.closed;
    } finally {
      await required.stop();
    }
  });

  it("letAnySaslUserDoX, a test-only backdoor in ZooKeeper, stops the start with the reason", async () => {
    await expect(startStandalone({ jaasLoginConfig: jaas.file, letAnySaslUserDoX: "anyone" })).rejects.toThrow(/letAnySaslUserDoX/);
  });
});
