// The audit log through a real server (audit.enable): one line per state-changing request, in
// ZooKeeper's format, on the server the client is connected to; nothing when it is off.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateMode, ErrorCode, NoNodeError, NodeExistsError, OPEN_ACL_UNSAFE, Perms, jute } from "@warden/protocol";
import type { Client } from "@warden/client";
import { startStandalone, waitFor, type Standalone } from "./harness.js";
import { openZk } from "./raw.js";

type Line = Record<string, string> & { level: string };
const parse = (text: string): Line[] =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+) (INFO|ERROR) audit: (.*)$/.exec(l);
      if (!m) throw new Error(`not an audit line: ${l}`);
      expect(Number.isNaN(Date.parse(m[1]!))).toBe(false);
      return {
        level: m[2]!,
        ...Object.fromEntries(m[3]!.split("\t").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)])),
      } as Line;
    });

describe("audit.enable=true", () => {
  let s: Standalone;
  let c: Client;
  let file: string;
  let sid: string;
  const lines = () => (existsSync(file) ? parse(readFileSync(file, "utf8")) : []);
  /** Waits for the lines of this session that mention `znode` to reach `count`. */
  const linesFor = (znode: string, count: number) =>
    waitFor(`${count} audit lines for ${znode}`, () => {
      const found = lines().filter((l) => l.session === sid && l.znode === znode);
      return found.length >= count && found;
    });

  beforeAll(async () => {
    s = await startStandalone({ "audit.enable": "true" });
    file = join(s.dataDir, "audit.log");
    c = await s.client();
    sid = `0x${c.sessionId.toString(16)}`;
  });
  afterAll(() => s?.stop());

  it("logs the session's creation with its ip", async () => {
    const [line] = await waitFor("createSession", () => {
      const found = lines().filter((l) => l.session === sid && l.operation === "createSession");
      return found.length > 0 && found;
    });
    expect(line).toEqual({
      level: "INFO",
      session: sid,
      user: "127.0.0.1",
      ip: "127.0.0.1",
      operation: "createSession",
      result: "success",
    });
  });

  it("logs create, setData, setAcl and delete, successes and failures, with the session's identities as user", async () => {
    await c.create("/a", "1");
    await expect(c.create("/a", "again")).rejects.toBeInstanceOf(NodeExistsError);
    await c.addAuth("digest", "ann:ann-pw");
    await c.setData("/a", "2");
    await expect(c.setData("/missing", "x")).rejects.toBeInstanceOf(NoNodeError);
    await c.setACL("/a", [{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }]);
    await c.delete("/a");
    await expect(c.delete("/a")).rejects.toBeInstanceOf(NoNodeError);
    const a = await linesFor("/a", 6);
    const pick = (l: Line) => [l.operation, l.result, l.user, l.level, l.znode_type ?? "", l.acl ?? ""];
    expect(a.map(pick)).toEqual([
      ["create", "success", "127.0.0.1", "INFO", "persistent", ""],
      ["create", "failure", "127.0.0.1", "ERROR", "persistent", ""],
      ["setData", "success", "127.0.0.1,ann", "INFO", "", ""],
      ["setAcl", "success", "127.0.0.1,ann", "INFO", "", "world:anyone:cdrwa"],
      ["delete", "success", "127.0.0.1,ann", "INFO", "", ""],
      ["delete", "failure", "127.0.0.1,ann", "ERROR", "", ""],
    ]);
    for (const l of a) expect(l.ip).toBe("127.0.0.1");
    const [missing] = await linesFor("/missing", 1);
    expect(missing).toMatchObject({ operation: "setData", result: "failure", level: "ERROR" });
  });

  it("logs a sequential node under the name it got", async () => {
    const path = await c.create("/seq-", "", { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
    const [line] = await linesFor(path, 1);
    expect(line).toMatchObject({ operation: "create", znode_type: "ephemeral_sequential", result: "success" });
  });

  it("logs each change of a committed multi, and one multiOperation failure for a failed one", async () => {
    await c.transaction().create("/m", "").setData("/m", "x").create("/m/child", "").delete("/m/child").commit();
    expect((await linesFor("/m", 2)).map((l) => l.operation)).toEqual(["create", "setData"]);
    expect((await linesFor("/m/child", 2)).map((l) => l.operation)).toEqual(["create", "delete"]);
    const before = lines().filter((l) => l.operation === "multiOperation").length;
    await expect(c.transaction().create("/never", "").delete("/nothing-here").commit()).rejects.toThrow();
    const failed = await waitFor("a multiOperation line", () => {
      const found = lines().filter((l) => l.session === sid && l.operation === "multiOperation");
      return found.length > before && found;
    });
    expect(failed.at(-1)).toEqual({
      level: "ERROR",
      session: sid,
      user: "127.0.0.1,ann",
      ip: "127.0.0.1",
      operation: "multiOperation",
      result: "failure",
    });
    expect(lines().some((l) => l.znode === "/never")).toBe(false);
  });

  it("logs a request refused before it reaches the leader (a bad path) as a failure", async () => {
    const zk = await openZk(s.server.ports.client);
    try {
      zk.send(1, { type: "create", path: "bad-path", data: null, acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT });
      expect(await zk.reply(1)).toMatchObject({ err: ErrorCode.BAD_ARGUMENTS });
      zk.sendBytes(
        2,
        16,
        jute.encodeReconfigRequest(2, {
          joiningServers: "server.9=127.0.0.1:1:2",
          leavingServers: null,
          newMembers: null,
          curConfigId: -1n,
        }),
      );
      expect(await zk.reply(2)).toMatchObject({ err: ErrorCode.RECONFIG_DISABLED });
      const [bad] = await waitFor(
        "the bad path's line",
        () => lines().filter((l) => l.znode === "bad-path").length > 0 && lines().filter((l) => l.znode === "bad-path"),
      );
      expect(bad).toMatchObject({ operation: "create", result: "failure", ip: "127.0.0.1" });
      const [reconfig] = await waitFor(
        "the reconfig line",
        () => lines().filter((l) => l.operation === "reconfig").length > 0 && lines().filter((l) => l.operation === "reconfig"),
      );
      expect(reconfig).toMatchObject({ znode: "/zookeeper/config", result: "failure", level: "ERROR" });
    } finally {
      zk.socket.destroy();
    }
  });

  it("logs the session's close, and no reads", async () => {
    const other = await s.client();
    const id = `0x${other.sessionId.toString(16)}`;
    await other.getData("/seq-0000000001").catch(() => undefined);
    await other.exists("/x");
    await other.close();
    const mine = await waitFor("closeSession", () => {
      const found = lines().filter((l) => l.session === id);
      return found.some((l) => l.operation === "closeSession") && found;
    });
    expect(mine.map((l) => `${l.operation} ${l.result}`)).toEqual(["createSession success", "closeSession success"]);
  });

  it("counts the lines written in /metrics", async () => {
    const body = await (await fetch(`http://127.0.0.1:${s.server.ports.admin}/metrics`)).text();
    const written = Number(/^warden_audit_lines_written (\d+)$/m.exec(body)?.[1]);
    expect(written).toBeGreaterThanOrEqual(lines().length - 1);
    expect(body).toMatch(/^warden_audit_lines_dropped 0$/m);
  });
});

describe("audit settings", () => {
  it("writes nothing without audit.enable, and rotates at audit.logFileBytesMax into audit.logFilesKept files at audit.logFile", async () => {
    const dir = await mkdtemp(join(tmpdir(), "warden-audit-e2e-"));
    const file = join(dir, "zk-audit.log");
    const quiet = await startStandalone();
    const loud = await startStandalone({
      "audit.enable": "true",
      "audit.logFile": file,
      "audit.logFileBytesMax": "1024",
      "audit.logFilesKept": "2",
    });
    try {
      const [q, l] = await Promise.all([quiet.client(), loud.client()]);
      for (let i = 0; i < 30; i++) {
        await q.create(`/node-${i}`, "");
        await l.create(`/node-${i}`, "");
      }
      await waitFor("rotation into two kept files", () => existsSync(`${file}.2`));
      expect(existsSync(`${file}.3`)).toBe(false);
      expect(existsSync(join(loud.dataDir, "audit.log"))).toBe(false);
      for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).size, name).toBeLessThanOrEqual(1024);
      // Rotation may have just moved it into the first kept file, and the current one is made at the next line.
      const current = () => [file, `${file}.1`].filter(existsSync).map((f) => readFileSync(f, "utf8"));
      await waitFor("the last create's line", () => current().some((text) => text.includes("znode=/node-29")));
      expect(readdirSync(quiet.dataDir).filter((n) => n.includes("audit"))).toEqual([]);
    } finally {
      await Promise.all([quiet.stop(), loud.stop()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
