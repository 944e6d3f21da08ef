// Dynamic reconfiguration through consensus, on real servers in this process: two spares
// started empty (joining) are added under write load (3 -> 5), removed again (5 -> 3), then
// the leader itself is removed and hands over. Each change is asked of a follower, which
// forwards it to the leader, and is answered with the new /zookeeper/config once it committed.
// The leader keeps a short log: the spares catch up through snapshots.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Client } from "@warden/client";
import { ReconfigCluster } from "./reconfig-cluster.js";

// A short in-memory log and frequent snapshots: the spares, far behind when added, catch up
// through a snapshot (which carries its configuration), and every server writes snapshots
// (with the configuration stored beside each) while configurations change.
const cluster = new ReconfigCluster("reconfig", ["commitLogCount=20", "snapCount=50"]);
const { servers, logs, until, line, leaderId, role, clientOf } = cluster;
const start = (id: number, members: number[], joining: boolean) =>
  cluster.start(
    id,
    members.map((m) => line(m)),
    joining,
  );

/** Creates nodes one after another until stopped; the paths acknowledged. */
function writer(c: Client, prefix: string): { acked: string[]; stop(): Promise<void> } {
  const acked: string[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const path = `${prefix}-${i}`;
      try {
        await c.create(path, "x");
        acked.push(path);
      } catch {
        // A write in flight across a leader change may fail; only acknowledged ones are checked.
        // A failure can be immediate: let the event loop turn before the next one.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  })();
  return { acked, stop: async () => void ((stopped = true), await loop) };
}

beforeAll(async () => {
  await cluster.open([1, 2, 3, 4, 5]);
  await Promise.all([1, 2, 3].map((id) => start(id, [1, 2, 3], false)));
  // The spares know the ensemble and themselves; they start empty, outside the configuration.
  await Promise.all([4, 5].map((id) => start(id, [1, 2, 3, id], true)));
  await until("a leader and two followers serving", () => [1, 2, 3].every((id) => servers.get(id)!.node.serving));
}, 60_000);

afterAll(() => cluster.stop());

describe("reconfig through consensus", () => {
  it("grows 3 -> 5 under writes: asked of a follower, answered with the committed configuration", async () => {
    expect(role(4)).toBe("observer");
    const follower = [1, 2, 3].find((id) => id !== leaderId())!;
    const admin = await clientOf(follower);
    const load = writer(await clientOf(leaderId()!), "/grow");
    // Past the leader's in-memory log (commitLogCount=20) and a snapshot (snapCount=50).
    await until("writes flowing", () => load.acked.length >= 120);
    const before = await admin.getConfig();
    let result;
    try {
      result = await admin.reconfig({ joining: [line(4), line(5)], fromConfig: before.stat.mzxid });
      const ackedAtChange = load.acked.length;
      // Enough for a snapshot after the change (snapCount=50): a restart below starts from it.
      await until("more writes after the change", () => load.acked.length >= ackedAtChange + 80);
    } finally {
      await load.stop();
    }

    expect(result.config!.servers.map((s) => [s.id, s.type])).toEqual([1, 2, 3, 4, 5].map((id) => [id, "participant"]));
    expect(result.text).toMatch(/^server\.1=[\s\S]*\nserver\.5=127\.0\.0\.1:\d+:\d+:participant;127\.0\.0\.1:\d+\nversion=[0-9a-f]+$/);
    const version = result.stat.mzxid;
    expect(version).toBeGreaterThan(before.stat.mzxid);
    await until("every server shows the new configuration", () =>
      [1, 2, 3, 4, 5].every((id) => servers.get(id)!.membership.current.version === version),
    );
    await until("the spares follow", () => role(4) === "follower" && role(5) === "follower" && servers.get(5)!.node.serving);
    // A spare holds every acknowledged write, including those before it joined.
    const viaNew = await clientOf(5);
    await viaNew.sync("/");
    for (const path of load.acked) expect(await viaNew.exists(path)).not.toBeNull();
    const newConfig = await viaNew.getConfig();
    expect(newConfig.text).toBe(result.text);
    // The dynamic file of the new version, as ZooKeeper writes it.
    const files = await readdir(join(cluster.base, "s5"));
    expect(files).toContain(`zoo.cfg.dynamic.${version.toString(16)}`);
  });

  it("a member restarted with a zoo.cfg that predates the change recovers it from its snapshot and log", async () => {
    const version = servers.get(1)!.membership.current.version;
    const id = [1, 2, 3].find((x) => x !== leaderId())!;
    await servers.get(id)!.stop();
    servers.delete(id);
    await start(id, [1, 2, 3], false);
    expect(
      logs
        .get(id)!
        .some((l) =>
          new RegExp(`^configuration 0x${version.toString(16)} recovered with the snapshot at 0x[0-9a-f]+: voters 1,2,3,4,5$`).test(l),
        ),
      logs.get(id)!.join("\n"),
    ).toBe(true);
    await until(
      "it shows the five-server configuration again",
      () => servers.get(id)!.membership.current.version === version && servers.get(id)!.membership.current.servers.length === 5,
    );
    await until("it follows again", () => role(id) === "follower" && servers.get(id)!.node.serving);
    const c = await clientOf(id);
    await c.create("/after-restart", "x");
    expect((await c.getConfig()).stat.mzxid).toBe(version);
  });

  it("refuses a change from a stale version with BadVersion", async () => {
    const c = await clientOf(1);
    await expect(c.reconfig({ leaving: [5], fromConfig: 1n })).rejects.toMatchObject({ zkCode: -103 });
  });

  it("shrinks 5 -> 3: the removed servers stop voting", async () => {
    const leader = leaderId()!;
    const asked = [1, 2, 3].find((id) => id !== leader)!;
    const c = await clientOf(asked);
    const result = await c.reconfig({ leaving: [4, 5] });
    expect(result.config!.servers.map((s) => s.id)).toEqual([1, 2, 3]);
    await until("the removed servers are no longer voters", () => role(4) === "observer" && role(5) === "observer");
    await until("every member shows it", () => [1, 2, 3].every((id) => servers.get(id)!.membership.current.version === result.stat.mzxid));
    await c.create("/after-shrink", "x");
  });

  it("removes the leader: it hands over once the change commits, and writes go on", async () => {
    const old = leaderId()!;
    const asked = [1, 2, 3].find((id) => id !== old)!;
    const c = await clientOf(asked);
    const result = await c.reconfig({ leaving: [old] });
    const rest = [1, 2, 3].filter((id) => id !== old);
    expect(result.config!.servers.map((s) => s.id)).toEqual(rest);
    await until("a remaining server leads", () => rest.includes(leaderId() ?? -1));
    await until("the old leader steps down", () => role(old) === "observer");
    const after = await clientOf(rest[0]!);
    await after.create("/after-leader-removal", "x");
    expect(await after.exists("/after-shrink")).not.toBeNull();
  });
});
