// The client-authentication keys and the JAAS file: what starts, what is refused and why.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildConfig, parseProperties } from "../src/config/index.js";
import { parseJaas } from "../src/auth/jaas.js";
import { loadSaslUsers } from "../src/auth/sasl-users.js";

const build = (text: string) => buildConfig(parseProperties(`dataDir=/x\n${text}`, "z"), "/base");

function withFile<T>(text: string, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "warden-jaas-"));
  try {
    const path = join(dir, "server.jaas");
    writeFileSync(path, text);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("SASL and enforcement keys", () => {
  it("jaasLoginConfig (or the JVM's java.security.auth.login.config) names the JAAS file, relative to the configuration", () => {
    expect(build("jaasLoginConfig=conf/server.jaas").jaasLoginConfig).toBe("/base/conf/server.jaas");
    expect(build("java.security.auth.login.config=/etc/jaas.conf").jaasLoginConfig).toBe("/etc/jaas.conf");
    expect(build("").jaasLoginConfig).toBeUndefined();
    expect(build("sasl.serverconfig=ZkServer").saslServerSection).toBe("ZkServer");
    expect(build("").saslServerSection).toBe("Server");
  });

  it("superUser, zookeeper.superUser and superUser.N name SASL superusers", () => {
    expect(build("superUser=admin\nsuperUser.2=ops\nzookeeper.superUser.1=root").saslSuperUsers.sort()).toEqual(["admin", "ops", "root"]);
  });

  it("authProvider.N: ZooKeeper's provider classes are accepted silently, any other is named in an ignored line", () => {
    const cfg = build(
      "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\nauthProvider.2=com.example.LdapProvider\nzookeeper.authProvider.3=org.apache.zookeeper.server.auth.DigestAuthenticationProvider",
    );
    expect(cfg.ignored).toEqual([
      "authProvider.2=com.example.LdapProvider: not a provider Warden has (the schemes digest, ip, sasl and x509 are built in)",
    ]);
  });

  it("sessionRequireClientSASLAuth enforces sasl, and needs jaasLoginConfig", () => {
    expect(build("jaasLoginConfig=/j\nsessionRequireClientSASLAuth=true").enforceAuthSchemes).toEqual(["sasl"]);
    expect(() => build("sessionRequireClientSASLAuth=true")).toThrow(
      /z:2: sessionRequireClientSASLAuth requires SASL, which needs jaasLoginConfig/,
    );
    expect(build("sessionRequireClientSASLAuth=false").enforceAuthSchemes).toEqual([]);
  });

  it("enforce.auth.enabled needs enforce.auth.schemes, of schemes that exist", () => {
    expect(build("enforce.auth.enabled=true\nenforce.auth.schemes=digest, ip").enforceAuthSchemes).toEqual(["digest", "ip"]);
    expect(() => build("enforce.auth.enabled=true")).toThrow(/enforce.auth.schemes must name the schemes/);
    expect(() => build("enforce.auth.enabled=true\nenforce.auth.schemes=ldap")).toThrow(
      /scheme ldap is not available \(digest, ip, sasl, x509\)/,
    );
    expect(build("enforce.auth.enabled=true\nenforce.auth.schemes=x509").enforceAuthSchemes).toEqual(["x509"]);
    expect(() => build("enforce.auth.enabled=true\nenforce.auth.schemes=sasl")).toThrow(/needs jaasLoginConfig/);
    expect(build("enforce.auth.schemes=digest").enforceAuthSchemes).toEqual([]);
  });
});

describe("the JAAS file", () => {
  const SERVER = `/* ZooKeeper's example */
Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_super="adminsecret" // the super user
    user_alice="a;l\\"i=ce"
    user_carol='single quoted';
};
Client {
    org.apache.zookeeper.server.auth.DigestLoginModule required username="bob" password=bobsecret;
};
`;

  it("parses sections, module classes, flags and options, quoted or not, with comments", () => {
    const s = parseJaas(SERVER);
    expect([...s.keys()]).toEqual(["Server", "Client"]);
    expect(s.get("Server")![0]).toMatchObject({
      moduleClass: "org.apache.zookeeper.server.auth.DigestLoginModule",
      flag: "required",
      line: 3,
    });
    expect([...s.get("Server")![0]!.options]).toEqual([
      ["user_super", "adminsecret"],
      ["user_alice", 'a;l"i=ce'],
      ["user_carol", "single quoted"],
    ]);
    expect(s.get("Client")![0]!.options.get("password")).toBe("bobsecret");
  });

  it.each([
    ["a section without its closing semicolon", "Server { a.B required; }", /expected ";"/],
    ["a module without a flag", "Server { a.B x=1; };", /needs a flag/],
    ["an option without a value", "Server { a.B required x=; };", /has no value/],
    ["an unterminated string", 'Server { a.B required x="abc; };', /unterminated quoted string/],
    ["an unterminated comment", "Server { /* a.B required; };", /unterminated \/\* comment/],
    ["a section given twice", "S { a.B required; };\nS { a.B required; };", /line 2: section S is given twice/],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JAAS property expansion, which the parser refuses
    ["property expansion", 'S { a.B required x="${user.home}"; };', /property expansion/],
    ["a stray character", "S { a.B required; }; #", /unexpected character "#"/],
  ])("refuses %s, naming the line", (_what, text, message) => {
    expect(() => parseJaas(text)).toThrow(message);
  });

  it("bounds the sections and the file", () => {
    const many = Array.from({ length: 65 }, (_, i) => `S${i} { a.B required; };`).join("\n");
    expect(() => parseJaas(many)).toThrow(/more than 64 sections/);
    expect(() => parseJaas(" ".repeat(1024 * 1024 + 1))).toThrow(/larger than/);
  });

  it("reads the server section's user_<name> options as DIGEST-MD5 users", () => {
    withFile(SERVER, (path) => {
      const users = loadSaslUsers(path, "Server");
      expect([...users.passwords]).toEqual([
        ["super", "adminsecret"],
        ["alice", 'a;l"i=ce'],
        ["carol", "single quoted"],
      ]);
    });
  });

  it("refuses Kerberos at start, with the module named", () => {
    const krb = `Server {\n  com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k" principal="zookeeper/h@R";\n};\n`;
    withFile(krb, (path) =>
      expect(() => loadSaslUsers(path, "Server")).toThrow(
        /:2: com.sun.security.auth.module.Krb5LoginModule: Kerberos \(SASL GSSAPI\) is not supported/,
      ),
    );
  });

  it("refuses a missing section, another login module, and an unreadable file", () => {
    withFile(SERVER, (path) =>
      expect(() => loadSaslUsers(path, "ZkServer")).toThrow(/no JAAS configuration section named 'ZkServer' \(sections: Server, Client\)/),
    );
    withFile("Server { com.example.Ldap required; };", (path) =>
      expect(() => loadSaslUsers(path, "Server")).toThrow(/login module com.example.Ldap is not supported/),
    );
    expect(() => loadSaslUsers("/nonexistent/jaas.conf", "Server")).toThrow(/cannot read \/nonexistent\/jaas.conf/);
  });
});
