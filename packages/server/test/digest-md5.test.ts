// The DIGEST-MD5 server against RFC 2831's worked examples and against a client written here
// from the RFC's formulas (section 2.1.2.1), not from the server's code.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DigestMd5Server } from "../src/auth/digest-md5.js";
import { SaslError, parseDirectives } from "../src/auth/sasl-directives.js";

const ascii = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

// ---- an independent client: RFC 2831 2.1.2.1, step by step
function H(data: Buffer): Buffer {
  return createHash("md5").update(data).digest();
}
function HEX(data: Buffer): string {
  return data.toString("hex");
}
function KD(k: string, s: string): Buffer {
  return H(Buffer.from(`${k}:${s}`, "utf8"));
}
interface ClientParams {
  user: string;
  password: string;
  realm: string;
  nonce: string;
  cnonce: string;
  digestUri: string;
  authzid?: string;
}
/** response-value (a2Prefix "AUTHENTICATE:") or the server's rspauth (a2Prefix ""), qop auth, nc 1. */
function responseValue(p: ClientParams, a2Prefix: "AUTHENTICATE:" | ""): string {
  const userRealmPass = H(Buffer.from(`${p.user}:${p.realm}:${p.password}`, "utf8"));
  const a1 = Buffer.concat([
    userRealmPass,
    Buffer.from(`:${p.nonce}:${p.cnonce}${p.authzid !== undefined ? `:${p.authzid}` : ""}`, "utf8"),
  ]);
  const a2 = Buffer.from(`${a2Prefix}:${p.digestUri}`.replace(/^AUTHENTICATE::/, "AUTHENTICATE:"), "utf8");
  return HEX(KD(HEX(H(a1)), `${p.nonce}:00000001:${p.cnonce}:auth:${HEX(H(a2))}`));
}
function clientResponse(p: ClientParams, extra = ""): Uint8Array {
  const fields = [
    "charset=utf-8",
    `username="${p.user}"`,
    `realm="${p.realm}"`,
    `nonce="${p.nonce}"`,
    "nc=00000001",
    `cnonce="${p.cnonce}"`,
    `digest-uri="${p.digestUri}"`,
    `response=${responseValue(p, "AUTHENTICATE:")}`,
    "qop=auth",
    ...(p.authzid !== undefined ? [`authzid="${p.authzid}"`] : []),
  ];
  return ascii(fields.join(",") + extra);
}
/** Parses a challenge the simple way a client does: name=value or name="value", split on commas outside quotes. */
function clientReadChallenge(b: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text(b).matchAll(/([a-z-]+)=("([^"]*)"|[^,]*)/g)) out[m[1]!] = m[3] ?? m[2]!;
  return out;
}

const users = new Map([
  ["alice", "alice-secret"],
  ["bob", "bob-secret"],
  ["josé", "mot-de-passé"],
]);
const zkServer = (nonce?: string) => new DigestMd5Server({ passwordOf: (u) => users.get(u), ...(nonce ? { nonce: () => nonce } : {}) });

/** A whole exchange with the ZooKeeper server's parameters. */
function authenticate(server: DigestMd5Server, user: string, password: string, uri = "zookeeper/zk-sasl-md5") {
  const challenge = server.evaluate(new Uint8Array(0));
  expect(challenge.complete).toBe(false);
  const c = clientReadChallenge(challenge.token);
  const p = { user, password, realm: c.realm!, nonce: c.nonce!, cnonce: "Y2xpZW50IG5vbmNl", digestUri: uri };
  const done = server.evaluate(clientResponse(p));
  return { done, p };
}

describe("DIGEST-MD5 against RFC 2831's worked examples", () => {
  it("the IMAP example: response d388dad90d4bbd760a152321f2143af7 is accepted, rspauth is ea40f60335c427b5527b84dbabcdfffd", () => {
    const server = new DigestMd5Server({
      passwordOf: (u) => (u === "chris" ? "secret" : undefined),
      realm: "elwood.innosoft.com",
      protocol: "imap",
      nonce: () => "OA6MG9tEQGm2hh",
    });
    server.evaluate(new Uint8Array(0));
    const response =
      'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth';
    const done = server.evaluate(ascii(response));
    expect(done.complete && done.user).toBe("chris");
    expect(text(done.token)).toBe("rspauth=ea40f60335c427b5527b84dbabcdfffd");
  });

  it("the ACAP example: response 6084c6db3fede7352c551284490fd0fc, rspauth 2f0b3d7c3c2e486600ef710726aa2eae", () => {
    const server = new DigestMd5Server({
      passwordOf: () => "secret",
      realm: "elwood.innosoft.com",
      protocol: "acap",
      nonce: () => "OA9BSXrbuRhWay",
    });
    server.evaluate(new Uint8Array(0));
    const response =
      'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA9BSXrbuRhWay",nc=00000001,cnonce="OA9BSuZWMSpW8m",digest-uri="acap/elwood.innosoft.com",response=6084c6db3fede7352c551284490fd0fc,qop=auth';
    expect(text(server.evaluate(ascii(response)).token)).toBe("rspauth=2f0b3d7c3c2e486600ef710726aa2eae");
  });
});

describe("DIGEST-MD5 as ZooKeeper's server offers it", () => {
  it("challenges with realm zk-sasl-md5, a fresh nonce, qop auth, charset utf-8 and algorithm md5-sess", () => {
    const a = clientReadChallenge(zkServer().evaluate(new Uint8Array(0)).token);
    const b = clientReadChallenge(zkServer().evaluate(new Uint8Array(0)).token);
    expect(a).toMatchObject({ realm: "zk-sasl-md5", qop: "auth", charset: "utf-8", algorithm: "md5-sess" });
    expect(a.nonce!.length).toBeGreaterThanOrEqual(16);
    expect(a.nonce).not.toBe(b.nonce);
  });

  it("authenticates a user with the right password and answers the rspauth the client expects", () => {
    const { done, p } = authenticate(zkServer(), "alice", "alice-secret");
    expect(done.complete && done.user).toBe("alice");
    expect(text(done.token)).toBe(`rspauth=${responseValue(p, "")}`);
  });

  it("authenticates with an authzid (part of A1) and still names the authenticated user", () => {
    const server = zkServer();
    const c = clientReadChallenge(server.evaluate(new Uint8Array(0)).token);
    const done = server.evaluate(
      clientResponse({
        user: "alice",
        password: "alice-secret",
        realm: c.realm!,
        nonce: c.nonce!,
        cnonce: "abc",
        digestUri: "zookeeper/zk-sasl-md5",
        authzid: "bob",
      }),
    );
    expect(done.complete && done.user).toBe("alice");
  });

  it("hashes an ISO 8859-1 user name and password as ISO 8859-1 under charset=utf-8 (RFC 2831 2.1.2.1)", () => {
    const server = zkServer("n0nce");
    server.evaluate(new Uint8Array(0));
    const latin1 = (s: string) => Buffer.from(s, "latin1");
    const urp = createHash("md5").update(latin1("josé:zk-sasl-md5:mot-de-passé")).digest();
    const ha1 = createHash("md5")
      .update(Buffer.concat([urp, latin1(":n0nce:cn")]))
      .digest("hex");
    const ha2 = createHash("md5").update("AUTHENTICATE:zookeeper/zk-sasl-md5").digest("hex");
    const response = createHash("md5").update(`${ha1}:n0nce:00000001:cn:auth:${ha2}`).digest("hex");
    const token = Buffer.concat([
      Buffer.from('charset=utf-8,username="'),
      Buffer.from("josé", "utf8"),
      Buffer.from(
        `",realm="zk-sasl-md5",nonce="n0nce",nc=00000001,cnonce="cn",digest-uri="zookeeper/zk-sasl-md5",response=${response},qop=auth`,
      ),
    ]);
    expect(server.evaluate(token)).toMatchObject({ complete: true, user: "josé" });
  });

  it.each([
    ["a wrong password", (s: DigestMd5Server) => authenticate(s, "alice", "wrong"), /wrong response/],
    ["an unknown user", (s: DigestMd5Server) => authenticate(s, "mallory", "x"), /not known/],
    ["another digest-uri", (s: DigestMd5Server) => authenticate(s, "alice", "alice-secret", "imap/zk-sasl-md5"), /digest-uri/],
    ["a non-empty first token", (s: DigestMd5Server) => s.evaluate(ascii("username=alice")), /initial response/],
  ])("refuses %s with a SaslError", (_what, run, message) => {
    expect(() => run(zkServer())).toThrow(message);
  });

  it.each([
    ["qop auth-int", (r: string) => r.replace("qop=auth", "qop=auth-int"), /only auth/],
    ["qop auth-conf with a cipher", (r: string) => r.replace("qop=auth", 'qop=auth-conf,cipher="rc4"'), /only auth/],
    ["another nonce", (r: string) => r.replace(/nonce="[^"]*"/, 'nonce="other"'), /nonce/],
    ["nc 00000002", (r: string) => r.replace("nc=00000001", "nc=00000002"), /nc/],
    ["another realm", (r: string) => r.replace('realm="zk-sasl-md5"', 'realm="elsewhere"'), /realm/],
    ["no response", (r: string) => r.replace(/,response=[0-9a-f]+/, ""), /no response/],
    ["a directive given twice", (r: string) => `${r},username="bob"`, /twice/],
    ["charset latin1", (r: string) => r.replace("charset=utf-8", "charset=latin1"), /charset/],
    ["an unterminated quote", (r: string) => `${r},authzid="abc`, /unterminated/],
  ])("refuses a response with %s", (_what, edit, message) => {
    const server = zkServer();
    const c = clientReadChallenge(server.evaluate(new Uint8Array(0)).token);
    const good = text(
      clientResponse({
        user: "alice",
        password: "alice-secret",
        realm: c.realm!,
        nonce: c.nonce!,
        cnonce: "cn",
        digestUri: "zookeeper/zk-sasl-md5",
      }),
    );
    expect(() => server.evaluate(ascii(edit(good)))).toThrow(message);
  });

  it("ends after two rounds: a third token, or any token after a failure, is refused", () => {
    const server = zkServer();
    authenticate(server, "alice", "alice-secret");
    expect(() => server.evaluate(new Uint8Array(0))).toThrow(/already ended/);
    const failed = zkServer();
    expect(() => authenticate(failed, "alice", "wrong")).toThrow(SaslError);
    expect(() => failed.evaluate(new Uint8Array(0))).toThrow(/already ended/);
  });

  it("refuses a token over 4096 bytes and a list of more than 32 directives", () => {
    const server = zkServer();
    server.evaluate(new Uint8Array(0));
    expect(() => server.evaluate(new Uint8Array(4097))).toThrow(/4096/);
    expect(() => parseDirectives(Array.from({ length: 33 }, (_, i) => `x${i}=1`).join(","))).toThrow(/32 directives/);
    expect(parseDirectives(Array.from({ length: 32 }, (_, i) => `x${i}=1`).join(",")).size).toBe(32);
  });

  it("never throws anything but SaslError, whatever the tokens (fast-check)", () => {
    const directive = fc.tuple(
      fc.constantFrom(
        "username",
        "realm",
        "nonce",
        "cnonce",
        "nc",
        "qop",
        "digest-uri",
        "response",
        "charset",
        "authzid",
        "cipher",
        "maxbuf",
        "x",
      ),
      fc.string({ maxLength: 40 }),
      fc.boolean(),
    );
    const listToken = fc
      .array(directive, { maxLength: 40 })
      .map((ds) => ascii(ds.map(([n, v, q]) => (q ? `${n}="${v}"` : `${n}=${v}`)).join(",")));
    const token = fc.oneof(fc.uint8Array({ maxLength: 5000 }), listToken);
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 4 }), fc.boolean(), (tokens, emptyFirst) => {
        const server = zkServer();
        for (const [i, t] of tokens.entries()) {
          try {
            server.evaluate(i === 0 && emptyFirst ? new Uint8Array(0) : t);
          } catch (e) {
            if (!(e instanceof SaslError)) throw e;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
