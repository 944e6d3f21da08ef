// `warden ensemble add|remove` as child processes: a 3-server local ensemble grows to 4 by a
// reconfig as its superuser, then shrinks back; nobody else may reconfigure it.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createClient, type Client } from "@warden/client";
import { readEnsemble } from "@warden/server";
import { assertBuilt, runWarden, tempDir } from "./e2e-helpers.js";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("warden ensemble add|remove", () => {
  it("adds a server by reconfig as the ensemble's superuser, removes and stops it, then removes the leader", async () => {
    assertBuilt();
    const cwd = tempDir("warden-ensemble-members-");
    const dir = join(cwd.path, ".warden/ensemble");
    const clients: Client[] = [];
    const connect = async (connectString: string) => {
      const c = createClient(connectString, { sessionTimeoutMs: 8000 });
      clients.push(c);
      await c.connected({ timeoutMs: 10_000 });
      return c;
    };
    try {
      expect((await runWarden(["ensemble", "start", "-n", "3", "--tick-time", "100"], { cwd: cwd.path, timeoutMs: 60_000 })).code).toBe(0);
      // Reconfig is on, for the superuser only: the password file is private, and a client
      // without it is refused with NoAuth (ZooKeeper's rule, no skipACL).
      const cfg = readFileSync(join(dir, "server1", "zoo.cfg"), "utf8");
      expect(cfg).toMatch(/^reconfigEnabled=true$/m);
      expect(cfg).toMatch(/^superDigest=super:\S+$/m);
      expect(cfg).not.toMatch(/skipACL/);
      expect(statSync(join(dir, "superuser")).mode & 0o777).toBe(0o600);
      const before = readEnsemble(dir)!;
      const anyone = await connect(before.connectString);
      await expect(anyone.reconfig({ leaving: [3] })).rejects.toMatchObject({ zkCode: -102 });

      const add = await runWarden(["ensemble", "add"], { cwd: cwd.path, timeoutMs: 60_000 });
      expect(add.stderr).toBe("");
      expect(add.code).toBe(0);
      expect(add.stdout).toMatch(
        /^added server 4 \(native \d+, client \d+, admin \d+\)\nconfiguration 0x[0-9a-f]+:\nserver\.1=[\s\S]*\nserver\.4=127\.0\.0\.1:\d+:\d+:participant;127\.0\.0\.1:\d+\nversion=[0-9a-f]+\n$/,
      );
      const grown = readEnsemble(dir)!;
      expect(grown.servers.map((s) => s.id)).toEqual([1, 2, 3, 4]);
      const fourth = grown.servers[3]!;
      expect(grown.connectString.split(",")).toHaveLength(4);
      const status = await runWarden(["ensemble", "status"], { cwd: cwd.path });
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`\\n4 +${fourth.pid} +follower +${fourth.nativePort} `));
      // The new server is a voter in /zookeeper/config, and serves.
      const viaFourth = await connect(`127.0.0.1:${fourth.nativePort}`);
      expect((await viaFourth.getConfig()).config!.servers.map((s) => [s.id, s.type])).toEqual(
        [1, 2, 3, 4].map((id) => [id, "participant"]),
      );
      await viaFourth.create("/via-fourth", "x");
      // Every server's web console may reach every server: each zoo.cfg lists every admin origin,
      // the new server's too (the running members take it when they restart).
      const origins = (id: number) =>
        /^nativeAllowedOrigins=(.*)$/m.exec(readFileSync(join(dir, `server${id}`, "zoo.cfg"), "utf8"))?.[1]?.split(",");
      for (const id of [1, 2, 3, 4]) {
        expect(origins(id)).toContain(`http://127.0.0.1:${fourth.adminPort}`);
        expect(origins(id)).toContain(`http://127.0.0.1:${grown.servers[0]!.adminPort}`);
      }

      const remove = await runWarden(["ensemble", "remove", "4"], { cwd: cwd.path, timeoutMs: 60_000 });
      expect(remove.stderr).toBe("");
      expect(remove.code).toBe(0);
      expect(remove.stdout).toMatch(/^removed server 4\nconfiguration 0x[0-9a-f]+:\nserver\.1=[\s\S]*\nversion=[0-9a-f]+\n$/);
      expect(remove.stdout).not.toContain("server.4=");
      expect(alive(fourth.pid)).toBe(false);
      const shrunk = readEnsemble(dir)!;
      expect(shrunk.servers.map((s) => s.id)).toEqual([1, 2, 3]);
      const after = await connect(shrunk.connectString);
      await after.sync("/");
      expect(await after.exists("/via-fourth")).not.toBeNull();
      expect((await after.getConfig()).config!.servers.map((s) => s.id)).toEqual([1, 2, 3]);
      for (const id of [1, 2, 3]) expect(origins(id)).not.toContain(`http://127.0.0.1:${fourth.adminPort}`);

      // The leader may be removed: it hands over, and the two left go on.
      const leader = Number(/^(\d+) +\d+ +leader /m.exec((await runWarden(["ensemble", "status"], { cwd: cwd.path })).stdout)?.[1]);
      expect([1, 2, 3]).toContain(leader);
      const leaderPid = shrunk.servers.find((s) => s.id === leader)!.pid;
      const removeLeader = await runWarden(["ensemble", "remove", String(leader)], { cwd: cwd.path, timeoutMs: 60_000 });
      expect(removeLeader.stderr).toBe("");
      expect(removeLeader.code).toBe(0);
      expect(alive(leaderPid)).toBe(false);
      const two = readEnsemble(dir)!;
      expect(two.servers.map((s) => s.id)).toEqual([1, 2, 3].filter((id) => id !== leader));
      const last = await connect(two.connectString);
      await last.create("/after-leader-removal", "x");
      expect((await last.getConfig()).config!.servers.map((s) => s.id)).toEqual(two.servers.map((s) => s.id));

      const unknown = await runWarden(["ensemble", "remove", "9"], { cwd: cwd.path });
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain("no server 9");
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      // `ensemble add` kills a joiner it could not add, so the state file names every server.
      await runWarden(["ensemble", "stop", "--wipe"], { cwd: cwd.path });
      cwd.remove();
    }
  }, 180_000);
});
