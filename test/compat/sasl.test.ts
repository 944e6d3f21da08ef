// SASL DIGEST-MD5 with clients nobody here wrote: Debian's python3-kazoo (sasl_options, with
// python3-pure-sasl) and zkCli.sh (ZooKeeper 3.8's Java client with a client JAAS file),
// against a standalone Warden whose jaasLoginConfig lists alice and bob.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeWithTool,
  hasFile,
  hasJava,
  kazooPython,
  runPython,
  runZkCli,
  startStandalone,
  tempDir,
  writeFile,
  ZKCLI,
  type Standalone,
} from "./helpers.js";

const SERVER_JAAS = `Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_alice="alice-secret"
    user_bob="bob-secret";
};
`;
const clientJaas = (user: string, password: string) => `Client {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    username="${user}"
    password="${password}";
};
`;

const python = kazooPython();
const pureSasl = python !== undefined && spawnSync(python, ["-c", "import puresasl"], { stdio: "ignore" }).status === 0;

/** A server with the SASL users; its JAAS file lives in its own temporary directory. */
async function saslServer(): Promise<{ warden: Standalone; dir: string }> {
  const dir = tempDir("sasl");
  const warden = await startStandalone({ jaasLoginConfig: writeFile(dir, "server.jaas", SERVER_JAAS), superUser: null });
  return { warden, dir };
}

describeWithTool(
  "python3-kazoo with SASL DIGEST-MD5 (python3-pure-sasl)",
  pureSasl,
  "apt-get install -y python3-kazoo python3-pure-sasl",
  () => {
    let s: { warden: Standalone; dir: string };
    let result: { code: number | null; out: string };
    beforeAll(async () => {
      s = await saslServer();
      result = await runPython(python!, "kazoo_sasl.py", [s.warden.hostPort], 50_000);
    }, 60_000);
    afterAll(async () => {
      await s?.warden.stop();
      if (s) rmSync(s.dir, { recursive: true, force: true });
    });

    it("runs the whole scenario to the end", () => {
      expect(result.out, result.out).toMatch(/^DONE$/m);
      expect(result.code, result.out).toBe(0);
    });

    it.each([
      ["alice_creates_a_node_only_she_may_use", "alice authenticates and creates, reads, sets a node with ACL sasl:alice:cdrwa"],
      ["bob_is_denied", "bob, authenticated too, gets NoAuthError reading, setting and creating a child"],
      [
        "wrong_password_fails_and_the_server_stays",
        "a wrong password ends in LOST, not connected, and a new client authenticates afterwards",
      ],
    ])("kazoo %s: %s", (step) => {
      const line = result.out.split("\n").find((l) => l.startsWith(`PASS ${step}`) || l.startsWith(`FAIL ${step}`));
      expect(line, result.out).toBe(`PASS ${step}`);
    });
  },
);

describeWithTool("zkCli.sh (ZooKeeper 3.8) with a client JAAS file", hasFile(ZKCLI) && hasJava(), "apt-get install -y zookeeper", () => {
  let s: { warden: Standalone; dir: string };
  const jaasFlag = (user: string, password: string, name: string) =>
    `-Djava.security.auth.login.config=${writeFile(s.dir, name, clientJaas(user, password))}`;
  beforeAll(async () => {
    s = await saslServer();
  });
  afterAll(async () => {
    await s?.warden.stop();
    if (s) rmSync(s.dir, { recursive: true, force: true });
  });

  it("alice creates a node with ACL sasl:alice:cdrwa, reads it back, and whoami says sasl alice", async () => {
    const out = await runZkCli(
      s.warden.hostPort,
      [],
      "create /zk-sasl hello sasl:alice:cdrwa\nget /zk-sasl\ngetAcl /zk-sasl\nwhoami\nquit\n",
      { jvmFlags: jaasFlag("alice", "alice-secret", "alice.jaas") },
    );
    expect(out).toContain("SaslAuthenticated");
    expect(out).toContain("Created /zk-sasl");
    expect(out.split("\n")).toContain("hello");
    expect(out).toMatch(/'sasl,'alice\n: cdrwa/);
    expect(out.split("\n")).toContain("sasl: alice");
  }, 60_000);

  it("bob is denied (Insufficient permission)", async () => {
    const out = await runZkCli(s.warden.hostPort, [], "get /zk-sasl\nset /zk-sasl bob\nquit\n", {
      jvmFlags: jaasFlag("bob", "bob-secret", "bob.jaas"),
    });
    expect(out).toContain("SaslAuthenticated");
    expect(out).toMatch(/Insufficient permission : \/zk-sasl/);
  }, 60_000);

  it("a wrong password gets AuthFailed, and the server goes on serving alice", async () => {
    const out = await runZkCli(s.warden.hostPort, [], "get /zk-sasl\nquit\n", {
      jvmFlags: jaasFlag("alice", "not-her-password", "wrong.jaas"),
      timeoutMs: 40_000,
    });
    expect(out).toContain("AuthFailed");
    expect(out.split("\n")).not.toContain("hello");
    const again = await runZkCli(s.warden.hostPort, ["get", "/zk-sasl"], "", {
      jvmFlags: jaasFlag("alice", "alice-secret", "alice2.jaas"),
    });
    expect(again.split("\n")).toContain("hello");
  }, 90_000);
});
