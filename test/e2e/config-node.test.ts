// /zookeeper/config and the reconfig op on a real server: the node holds the membership in
// ZooKeeper's format on both ports (world-readable, version -1, mzxid = the configuration's
// version), its data watch fires when the server adopts another configuration, and a
// reconfig is decided as ZooKeeper decides it, then committed through the log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ErrorCode,
  EventType,
  formatServerSpec,
  type DynamicConfig,
  NewConfigNoQuorumError,
  NoAuthError,
  BadVersionError,
  READ_ACL_UNSAFE,
  parseDynamicConfig,
  type WatchedEvent,
} from "@warden/protocol";
import { freePort } from "@warden/server";
import type { Client } from "@warden/client";
import { startStandalone, waitFor, type Standalone } from "./harness.js";
import { openZk } from "./raw.js";

const SUPER = { superDigest: "super:D/InIHSb7yEEbrWz8b9l71RjZJU=" }; // super:test

describe("/zookeeper/config on a quorum of one (standaloneEnabled=false)", () => {
  let s: Standalone;
  let c: Client;
  let line: string;
  beforeAll(async () => {
    const [peer, election, client] = [await freePort(), await freePort(), await freePort()];
    line = `127.0.0.1:${peer}:${election}:participant;127.0.0.1:${client}`;
    s = await startStandalone({
      standaloneEnabled: "false",
      "server.1": line,
      myid: "1",
      clientPort: String(client),
      reconfigEnabled: "true",
      ...SUPER,
    });
    c = await s.client();
  });
  afterAll(() => s?.stop());

  it("holds QuorumMaj's text with version 0 (a static file), as ZooKeeper writes it: Stat version -1, mzxid the version", async () => {
    const r = await c.getConfig();
    expect(r.text).toBe(`server.1=${line}\nversion=0`);
    expect(r.config).toEqual(parseDynamicConfig(r.text));
    expect([r.stat.version, r.stat.mzxid, r.stat.dataLength]).toEqual([-1, 0n, r.text.length]);
    expect((await c.getACL("/zookeeper/config")).acl).toEqual(READ_ACL_UNSAFE);
  });

  it("getConfig is never under the chroot, as ZooKeeper's (the path is sent as it is)", async () => {
    const chrooted = await s.client({}, "/app");
    expect((await chrooted.getConfig()).text).toBe(`server.1=${line}\nversion=0`);
  });

  it("the ZooKeeper port serves the same bytes to a getData of /zookeeper/config", async () => {
    const zk = await openZk(s.server.ports.client);
    try {
      zk.send(1, { type: "getConfig", watch: false });
      const reply = await zk.reply(1);
      expect(reply).toMatchObject({ err: 0 });
      const data = (reply as { response: { data: Uint8Array } }).response.data;
      expect(new TextDecoder().decode(data)).toBe(`server.1=${line}\nversion=0`);
    } finally {
      zk.socket.destroy();
    }
  });

  it("a reconfig is answered as ZooKeeper's leader decides: BAD_VERSION, NO_AUTH for a non-superuser, NEW_CONFIG_NO_QUORUM", async () => {
    await expect(c.reconfig({ leaving: [], fromConfig: 5n })).rejects.toBeInstanceOf(BadVersionError);
    await expect(c.reconfig({ joining: [] })).rejects.toBeInstanceOf(NoAuthError);
    const admin = await s.client();
    await admin.addAuth("digest", "super:test");
    // Server 2 is not synced with the leader: the new configuration has no synced quorum.
    await expect(admin.reconfig({ joining: ["server.2=127.0.0.1:1:2;3"] })).rejects.toBeInstanceOf(NewConfigNoQuorumError);
  });

  it("a reconfig that passes every check commits through the log and is answered with the new configuration", async () => {
    const admin = await s.client();
    await admin.addAuth("digest", "super:test");
    const before = await c.getConfig();
    const r = await admin.reconfig({ joining: [`server.1=${line}`], fromConfig: before.stat.mzxid });
    expect(r.stat.mzxid).toBeGreaterThan(0n);
    expect(r.text).toBe(`server.1=${line}\nversion=${r.stat.mzxid.toString(16)}`);
    expect(s.log.some((l) => l.includes(`configuration 0x${r.stat.mzxid.toString(16)} in force: voters 1`))).toBe(true);
    const after = await c.getConfig();
    expect([after.text, after.stat.mzxid]).toEqual([r.text, r.stat.mzxid]);
    // The version asked for is no longer the current one.
    await expect(admin.reconfig({ joining: [`server.1=${line}`], fromConfig: before.stat.mzxid })).rejects.toBeInstanceOf(BadVersionError);
  });

  it("a data watch on the node fires when the server adopts another configuration (Membership.replace)", async () => {
    const events: WatchedEvent[] = [];
    await c.getConfig({ watch: (e) => events.push(e) });
    const next = parseDynamicConfig(`server.1=${line}\nserver.2=127.0.0.1:1:2:observer;127.0.0.1:3\nversion=100000005`);
    s.server.membership.replace(next);
    await waitFor("the config watch", () => events.length > 0);
    expect(events[0]).toMatchObject({ type: EventType.NodeDataChanged, path: "/zookeeper/config" });
    const r = await c.getConfig();
    expect(r.config).toEqual(next);
    expect([r.stat.version, r.stat.mzxid]).toEqual([-1, 0x100000005n]);
  });
});

describe("a client following the configuration (serverListFromConfig)", () => {
  let s: Standalone;
  beforeAll(async () => {
    const [peer, election] = [await freePort(), await freePort()];
    s = await startStandalone({ standaloneEnabled: "false", "server.1": `127.0.0.1:${peer}:${election}`, myid: "1" });
  });
  afterAll(() => s?.stop());

  it("reads the configuration when it connects and each time it changes, and applies the mapping's server list", async () => {
    const seen: DynamicConfig[] = [];
    const c = await s.client({ serverListFromConfig: (config) => (seen.push(config), s.connectString) });
    await waitFor("the first configuration", () => seen.length === 1);
    expect(seen[0]!.servers.map((x) => x.id)).toEqual([1]);
    const next = parseDynamicConfig(
      `server.1=${formatServerSpec(seen[0]!.servers[0]!)}\nserver.2=127.0.0.1:1:2:observer;127.0.0.1:3\nversion=200000001`,
    );
    for (const version of [0x200000001n, 0x200000002n]) {
      s.server.membership.replace({ ...next, version });
      await waitFor(`configuration ${version}`, () => seen.at(-1)!.version === version);
    }
    expect(seen.at(-1)!.servers.map((x) => x.id)).toEqual([1, 2]);
    expect(c.state).toBe("connected");
  });
});

describe("/zookeeper/config on a standalone server", () => {
  let s: Standalone;
  beforeAll(async () => {
    s = await startStandalone();
  });
  afterAll(() => s?.stop());

  it("is empty, as ZooKeeperServerMain leaves it, and reconfig is RECONFIG_DISABLED by default (reconfigEnabled=false)", async () => {
    const c = await s.client();
    const r = await c.getConfig();
    expect([r.text, r.config]).toEqual(["", undefined]);
    const zk = await openZk(s.server.ports.client);
    try {
      zk.send(1, { type: "reconfig", joiningServers: null, leavingServers: "1", newMembers: null, curConfigId: -1n });
      expect(await zk.reply(1)).toMatchObject({ err: ErrorCode.RECONFIG_DISABLED });
    } finally {
      zk.socket.destroy();
    }
  });
});
