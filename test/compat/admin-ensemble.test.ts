// The admin port and the four-letter words of a three-server Warden ensemble (separate processes
// from the built dist), compared with what a three-server ZooKeeper 3.8.0 answered
// (fixtures/zk-admin/leader and follower): the leader's keys carry real figures.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalEnsemble } from "@warden/server";
import { fourLetterWord, startEnsemble, stopEnsemble, waitFor } from "./helpers.js";
import { call, closeClient, connectClient, zookeeper, type NzkClient } from "./nzk.js";
import { ZK_COMMANDS, ZK_PROMETHEUS, commandShapeDifferences } from "./zk-admin-shapes.js";

let ensemble: LocalEnsemble;
let client: NzkClient;
const modes = new Map<string, number>();
const admin = async (id: number, name: string) => {
  const s = ensemble.servers.find((x) => x.id === id)!;
  return (await (await fetch(`http://127.0.0.1:${s.adminPort}/commands/${name}`)).json()) as Record<string, unknown>;
};
const mntr = async (id: number) => {
  const s = ensemble.servers.find((x) => x.id === id)!;
  const text = await fourLetterWord(`127.0.0.1:${s.clientPort}`, "mntr");
  return new Map(
    text
      .trimEnd()
      .split("\n")
      .map((l) => l.split("\t") as [string, string]),
  );
};

beforeAll(async () => {
  ensemble = await startEnsemble();
  // Every server settled: one leader, two followers, both followers replicating.
  await waitFor(
    "a leader with two synced followers",
    async () => {
      modes.clear();
      for (const s of ensemble.servers) {
        const text = await fourLetterWord(`127.0.0.1:${s.clientPort}`, "srvr").catch(() => "");
        const mode = /\nMode: (\w+)\n/.exec(text)?.[1];
        if (mode === "leader" || mode === "follower") modes.set(mode, s.id);
      }
      const leader = modes.get("leader");
      return leader !== undefined && modes.has("follower") && (await mntr(leader)).get("zk_synced_followers") === "2" ? true : undefined;
    },
    30_000,
  );
  const follower = ensemble.servers.find((s) => s.id === modes.get("follower"))!;
  client = await connectClient(`127.0.0.1:${follower.clientPort}`);
  await call(client, "create", "/cap", Buffer.from("twelve bytes"), zookeeper.CreateMode.PERSISTENT);
  await call(client, "create", "/cap/e", Buffer.from("x"), zookeeper.CreateMode.EPHEMERAL);
}, 60_000);
afterAll(async () => {
  if (client) await closeClient(client);
  await stopEnsemble(ensemble);
});

describe("a three-server ensemble's admin port", () => {
  it.each(
    ZK_COMMANDS.flat().filter(
      (n) =>
        ![
          "orst",
          "observer_connection_stat_reset",
          "hash",
          "get_trace_mask",
          "gtmk",
          "set_trace_mask",
          "stmk",
          "stat_reset",
          "srst",
          "connection_stat_reset",
          "crst",
        ].includes(n),
    ),
  )("/commands/%s on the leader and a follower has the field names and types of ZooKeeper's", async (name) => {
    expect(commandShapeDifferences(await admin(modes.get("leader")!, name), "leader", name)).toEqual([]);
    expect(commandShapeDifferences(await admin(modes.get("follower")!, name), "follower", name)).toEqual([]);
  });

  it("leader names the leader on every server; voting_view lists the three participants", async () => {
    const leaderId = modes.get("leader")!;
    expect(await admin(leaderId, "leader")).toMatchObject({ is_leader: true, leader_id: leaderId, leader_ip: "127.0.0.1", error: null });
    expect(await admin(modes.get("follower")!, "leader")).toMatchObject({ is_leader: false, leader_id: leaderId });
    const view = (await admin(leaderId, "voting_view")).current_config as Record<string, { learner_type: string }>;
    expect(Object.keys(view).sort()).toEqual(["1", "2", "3"]);
    expect(Object.values(view).map((v) => v.learner_type)).toEqual(["participant", "participant", "participant"]);
  });

  it("the leader's mntr carries ZooKeeper's leader keys with real figures", async () => {
    const m = await mntr(modes.get("leader")!);
    expect(m.get("zk_server_state")).toBe("leader");
    expect(m.get("zk_peer_state")).toBe("leading - broadcast");
    expect(m.get("zk_quorum_size")).toBe("3");
    expect(m.get("zk_learners")).toBe("2");
    expect(m.get("zk_synced_followers")).toBe("2");
    expect(m.get("zk_pending_syncs")).toBe("0");
    expect(Number(m.get("zk_leader_uptime"))).toBeGreaterThan(0);
    // The two creates (and the session's) were proposed by this leader.
    expect(Number(m.get("zk_last_proposal_size"))).toBeGreaterThan(0);
    expect(Number(m.get("zk_max_proposal_size"))).toBeGreaterThanOrEqual(Number(m.get("zk_min_proposal_size")));
    expect(Number(m.get("zk_min_proposal_size"))).toBeGreaterThan(0);
    expect(m.get("zk_ephemerals_count")).toBe("1");
    const f = await mntr(modes.get("follower")!);
    expect(f.get("zk_peer_state")).toBe("following - broadcast");
    expect(f.has("zk_learners")).toBe(false);
  });

  it("the leader's srvr ends with its real proposal sizes", async () => {
    const s = ensemble.servers.find((x) => x.id === modes.get("leader"))!;
    const text = await fourLetterWord(`127.0.0.1:${s.clientPort}`, "srvr");
    const m = /\nProposal sizes last\/min\/max: (\d+)\/(\d+)\/(\d+)\n$/.exec(text);
    expect(m, text).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThan(0);
  });

  it("dump on the follower holding the session lists its global sessions and ephemerals", async () => {
    const s = ensemble.servers.find((x) => x.id === modes.get("follower"))!;
    const text = await fourLetterWord(`127.0.0.1:${s.clientPort}`, "dump");
    expect(text).toMatch(/^SessionTracker dump:\nGlobal Sessions\(1\):\n0x[0-9a-f]+\t\d+ms\n/);
    expect(text).toMatch(/\nSessions with Ephemerals \(1\):\n0x[0-9a-f]+:\n\t\/cap\/e\n/);
  });

  it("the leader's /metrics exports ZooKeeper's leader gauges", async () => {
    const s = ensemble.servers.find((x) => x.id === modes.get("leader"))!;
    const text = await (await fetch(`http://127.0.0.1:${s.adminPort}/metrics`)).text();
    for (const name of [
      "quorum_size",
      "learners",
      "synced_followers",
      "synced_non_voting_followers",
      "synced_observers",
      "pending_syncs",
      "leader_uptime",
      "last_proposal_size",
      "max_proposal_size",
      "min_proposal_size",
      "proposal_count",
      "election_time",
    ]) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} ${ZK_PROMETHEUS.get(name)!.type}$`, "m"));
    }
    expect(text).toMatch(/^synced_followers 2$/m);
    expect(text).toMatch(/^quorum_size 3$/m);
    expect(Number(/^proposal_count (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(3);
  });
});
