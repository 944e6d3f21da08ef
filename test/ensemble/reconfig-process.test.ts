// Growing and shrinking an ensemble of real processes: two spares started with
// `warden server --join` are added to a 3-server ensemble under writes (3 -> 5), then removed
// (5 -> 3); a third spare joins as an observer and leaves; zoo.cfg is moved to its dynamic file;
// a member is replaced under writes. The spares run bin/warden like the members; every process
// started here is stopped.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessEnsemble, waitUntil } from "@warden/testing";
import { type Client, createClient } from "@warden/client";
import { loadConfig } from "@warden/server";
import { HOST, ProcessSpares } from "./process-spares.js";

let e: ProcessEnsemble | undefined;
const sp = new ProcessSpares(() => e!);
const { spares, kinds, clientOf } = sp;
const spareLine = sp.line;
const roleOf = sp.role;
const clients: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  e = await ProcessEnsemble.start({ count: 3, tickTimeMs: 100, extraConfig: { reconfigEnabled: "true", skipACL: "yes" } });
  // Spare 6 is to join as an observer: its own line says so.
  kinds.set(6, "observer");
  await Promise.all([4, 5, 6].map((id) => sp.start(id)));
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await sp.stop();
  await e?.stop();
});

/** Creates prefix0, prefix1, ... one after another until stopped; `acked` holds each acknowledged path. */
function writesUnder(writer: Client, prefix: string): { acked: string[]; stop(): Promise<void> } {
  const acked: string[] = [];
  let writing = true;
  const done = (async () => {
    for (let i = 0; writing; i++) {
      await writer.create(`${prefix}${i}`, "x");
      acked.push(`${prefix}${i}`);
    }
  })();
  return {
    acked,
    stop: async () => {
      writing = false;
      await done;
    },
  };
}

describe("reconfig on real processes", () => {
  it("3 -> 5 under writes with two `warden server --join` spares, then 5 -> 3", async () => {
    const leader = await e!.waitForLeader();
    const asked = [1, 2, 3].find((id) => id !== leader)!;
    const admin = await clientOf(asked);
    const writer = await clientOf(leader);
    const load = writesUnder(writer, "/w-");
    const { acked } = load;
    try {
      await waitUntil("writes flowing", () => acked.length >= 5, 10_000, 10);
      const grown = await admin.reconfig({ joining: [spareLine(4), spareLine(5)] });
      expect(grown.config!.servers.map((s) => s.id)).toEqual([1, 2, 3, 4, 5]);
      const atChange = acked.length;
      await waitUntil("writes after the change", () => acked.length >= atChange + 10, 20_000, 10);
    } finally {
      await load.stop();
    }
    await waitUntil("the spares follow", async () => (await roleOf(4)) === "follower" && (await roleOf(5)) === "follower", 20_000, 50);
    const spare = createClient(`${HOST}:${spares.get(5)!.ports.native}`);
    clients.push(spare);
    await spare.connected({ timeoutMs: 10_000 });
    await spare.sync("/");
    for (const path of acked) expect(await spare.exists(path)).not.toBeNull();

    const shrunk = await admin.reconfig({ leaving: [4, 5] });
    expect(shrunk.config!.servers.map((s) => s.id)).toEqual([1, 2, 3]);
    await waitUntil("the spares stop voting", async () => (await roleOf(4)) === "observer" && (await roleOf(5)) === "observer", 20_000, 50);
    await admin.create("/after-shrink", "x");
  }, 120_000);

  it("adds an observer (`--join` spare): it serves reads and forwards writes; then removes it", async () => {
    const leader = await e!.waitForLeader();
    const admin = await clientOf([1, 2, 3].find((id) => id !== leader)!);
    const added = await admin.reconfig({ joining: [spareLine(6)] });
    expect(added.config!.servers.map((s) => [s.id, s.type])).toEqual([
      [1, "participant"],
      [2, "participant"],
      [3, "participant"],
      [6, "observer"],
    ]);
    const observer = createClient(`${HOST}:${spares.get(6)!.ports.native}`, { sessionTimeoutMs: 8000 });
    clients.push(observer);
    await observer.connected({ timeoutMs: 10_000 });
    await observer.sync("/");
    expect(await observer.exists("/after-shrink")).not.toBeNull();
    expect((await observer.getConfig()).text).toBe(added.text);
    await observer.create("/via-observer", "x");
    await admin.sync("/");
    expect(await admin.exists("/via-observer")).not.toBeNull();
    expect(await roleOf(6)).toBe("observer");

    const removed = await admin.reconfig({ leaving: [6] });
    expect(removed.config!.servers.map((s) => s.id)).toEqual([1, 2, 3]);
    expect((await admin.getConfig()).text).not.toContain("server.6=");
    await admin.create("/after-observer-removal", "x");
  }, 60_000);

  it("moves each member's zoo.cfg to zoo.cfg.dynamic.<version> (as ZooKeeper's editStaticConfig); restarted from it, members come back in that membership", async () => {
    const leader = await e!.waitForLeader();
    const admin = await clientOf([1, 2, 3].find((id) => id !== leader)!);
    const added = await admin.reconfig({ joining: [spareLine(4)] });
    expect(added.config!.servers.map((s) => s.id)).toEqual([1, 2, 3, 4]);
    const hex = added.stat.mzxid.toString(16);
    const configOf = (id: number) => (id <= 3 ? e!.server(id).config : join(sp.dir(id), "zoo.cfg"));
    for (const id of [1, 2, 3, 4]) {
      const cfg = configOf(id);
      await waitUntil(
        `server ${id}'s zoo.cfg points at the new dynamic file`,
        () => readFileSync(cfg, "utf8").includes(`dynamicConfigFile=${cfg}.dynamic.${hex}\n`),
        20_000,
        20,
      );
      const text = readFileSync(cfg, "utf8");
      expect(text).not.toMatch(/^server\./m);
      expect(text).toContain("reconfigEnabled=true");
      // The form that held the server.N lines is kept beside it, as ZooKeeper's zoo.cfg.bak.
      expect(readFileSync(`${cfg}.bak`, "utf8")).toMatch(/^server\.1=/m);
      const dynamic = readFileSync(`${cfg}.dynamic.${hex}`, "utf8");
      expect(
        dynamic
          .trim()
          .split("\n")
          .map((l) => l.split("=")[0]),
      ).toEqual(["server.1", "server.2", "server.3", "server.4"]);
      expect(dynamic).toContain(`${spareLine(4)}\n`);
      const loaded = loadConfig(cfg);
      expect(loaded.servers.map((s) => s.id)).toEqual([1, 2, 3, 4]);
      expect(loaded.configVersion).toBe(added.stat.mzxid);
    }
    // Spare 4's own line carries its client address, read from there now (a reconfig may move it):
    // its clientPortAddress line goes, as ZooKeeper's does; the members' lines have none, theirs stay.
    expect(readFileSync(`${configOf(4)}.bak`, "utf8")).toMatch(/^clientPortAddress=/m);
    expect(readFileSync(configOf(4), "utf8")).not.toMatch(/^clientPort(Address)?=/m);
    for (const id of [1, 2, 3]) expect(readFileSync(configOf(id), "utf8")).toMatch(/^clientPort=\d+$/m);

    // A member and the new server, each stopped and started again from the edited zoo.cfg, one
    // after the other: stopping both at once would leave 2 of the 4 voters, and the leader would
    // step down (the next election may then pick any of the four).
    const member = [1, 2, 3].find((id) => id !== leader)!;
    await e!.kill(member, "SIGTERM");
    e!.restart(member);
    await e!.waitForAgreement({ among: [1, 2, 3], timeoutMs: 30_000 });
    const spare = spares.get(4)!;
    await sp.kill(4);
    sp.restart(4);
    expect(await sp.leaderAmong([1, 2, 3, 4], 30_000)).toBe(leader);
    for (const native of [e!.server(member).ports.native, spare.ports.native]) {
      const c = createClient(`${HOST}:${native}`, { sessionTimeoutMs: 8000 });
      clients.push(c);
      await c.connected({ timeoutMs: 10_000 });
      expect((await c.getConfig()).text).toBe(added.text);
      await c.create(`/after-restart-${native}`, "x");
    }
  }, 90_000);

  it("replaces a member under writes: spare 5 joins and a follower leaves in one reconfig, and every acknowledged write is on the new member", async () => {
    // Spare 4 is a voter since the last test.
    const leader = await sp.leaderAmong([1, 2, 3, 4]);
    const [asked, old] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
    const admin = await clientOf(asked);
    const before = (await admin.getConfig()).config!.servers.map((s) => s.id);
    const writer = await clientOf(leader);
    const load = writesUnder(writer, "/r-");
    const { acked } = load;
    try {
      await waitUntil("writes flowing", () => acked.length >= 5, 10_000, 10);
      const replaced = await admin.reconfig({ joining: [spareLine(5)], leaving: [old] });
      expect(replaced.config!.servers.map((s) => s.id)).toEqual([...before.filter((id) => id !== old), 5]);
      const atChange = acked.length;
      await waitUntil("writes after the change", () => acked.length >= atChange + 10, 20_000, 10);
    } finally {
      await load.stop();
    }
    await waitUntil("spare 5 follows", async () => (await roleOf(5)) === "follower", 20_000, 50);
    const fresh = createClient(`${HOST}:${spares.get(5)!.ports.native}`, { sessionTimeoutMs: 8000 });
    clients.push(fresh);
    await fresh.connected({ timeoutMs: 10_000 });
    await fresh.sync("/");
    for (const path of acked) expect(await fresh.exists(path)).not.toBeNull();
    expect((await fresh.getConfig()).text).not.toContain(`server.${old}=`);
    await fresh.create("/after-replace", "x");
  }, 90_000);
});
