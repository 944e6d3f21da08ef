// The four-letter words' text, as ZooKeeper 3.8 prints it (test/compat/fixtures/zk-admin).
import { describe, expect, it } from "vitest";
import { COMMAND_NAMES, commandJson, jsonWithoutSnapshot } from "../src/admin/commands.js";
import { TEXT_WORDS, commandText, textWithoutSnapshot } from "../src/admin/command-text.js";
import { zkText } from "../../../test/compat/zk-admin-shapes.js";
import { follower, leader, noActions, snapshot, answer, SID } from "./admin-fixtures.js";
describe("four-letter words", () => {
  it("answers srvr in ZooKeeper's text form, with the Mode line tools parse", () => {
    const text = commandText("srvr", leader(), noActions);
    expect(text).toMatch(/^Zookeeper version: 3\.8\.0-warden/);
    expect(text).toContain("Mode: leader\n");
    expect(text).toContain("Zxid: 0x100000005\n");
    expect(text).toContain("Node count: 5\n");
  });

  it("ruok, envi and isro, and every word of a server that does not serve, are answered without a snapshot, as with one", () => {
    const states = [
      snapshot(),
      snapshot({ mode: "read-only", readOnly: true, serving: false }),
      snapshot({ mode: "looking", serving: false }),
    ];
    for (const s of states) {
      for (const word of TEXT_WORDS) {
        const quick = textWithoutSnapshot(word, s.serving, s.readOnly);
        // envi reads the process's memory at each call: its answers are compared by shape only.
        if (quick !== undefined && word === "envi") expect(quick).toMatch(/^Environment:\nzookeeper.version=/);
        else if (quick !== undefined) expect(quick, `${word} of ${s.mode}`).toBe(commandText(word, s, noActions));
      }
    }
    expect(TEXT_WORDS.filter((w) => textWithoutSnapshot(w, true, false) !== undefined)).toEqual(["ruok", "envi", "isro"]);
    // The admin port's JSON the same way: ruok, environment and system_properties need no snapshot.
    for (const s of states) {
      for (const name of COMMAND_NAMES) {
        const quick = jsonWithoutSnapshot(name, s.serving, s.readOnly);
        const live = ["environment", "env", "envi", "system_properties", "sysp"].includes(name); // memory figures move
        if (quick !== undefined && live) expect(Object.keys(quick)).toEqual(Object.keys(commandJson(name, s, noActions)));
        else if (quick !== undefined) expect(quick, `${name} of ${s.mode}`).toEqual(commandJson(name, s, noActions));
      }
    }
    expect(COMMAND_NAMES.filter((n) => jsonWithoutSnapshot(n, true, false) !== undefined)).toEqual([
      "environment",
      "env",
      "envi",
      "ruok",
      "system_properties",
      "sysp",
    ]);
    expect(TEXT_WORDS.every((w) => textWithoutSnapshot(w, false, false) !== undefined)).toBe(true);
  });

  it("answers ruok, isro, wchs and mntr", () => {
    expect(commandText("ruok", snapshot(), noActions)).toBe("imok");
    expect(commandText("isro", snapshot(), noActions)).toBe("rw");
    expect(commandText("wchs", snapshot(), noActions)).toBe("1 connections watching 2 paths\nTotal watches:2\n");
    expect(commandText("mntr", snapshot(), noActions)).toContain("zk_znode_count\t5\n");
  });

  it("read-only mode as ZooKeeper's ReadOnlyZooKeeperServer: isro ro, srvr's READ-ONLY line and Mode read-only, mntr's state; isro null while looking", () => {
    const readOnly = snapshot({ mode: "read-only", readOnly: true, serving: false });
    expect(commandText("isro", readOnly, noActions)).toBe("ro");
    expect(commandText("srvr", readOnly, noActions)).toMatch(
      /^Zookeeper version: [^\n]*\nREAD-ONLY mode; serving only read-only clients\nLatency min/,
    );
    expect(commandText("srvr", readOnly, noActions)).toContain("\nMode: read-only\n");
    expect(commandText("mntr", readOnly, noActions)).toContain("zk_server_state\tread-only\n");
    expect(commandJson("is_read_only", readOnly, noActions)).toMatchObject({ read_only: true });
    expect(commandText("isro", snapshot({ mode: "looking", serving: false }), noActions)).toBe("null");
    expect(commandText("srvr", snapshot(), noActions)).not.toContain("READ-ONLY");
  });

  it("a server that does not serve (looking, a leader not established, a follower not yet synced) answers as ZooKeeper's that does not run", () => {
    for (const mode of ["looking", "follower", "observer"] as const) {
      const s = snapshot({ mode, serving: false });
      // ZooKeeper's StatCommand, MonitorCommand, ConfCommand, ConsCommand, WatchCommand, DumpCommand... print ZK_NOT_SERVING.
      for (const word of ["srvr", "stat", "mntr", "conf", "cons", "wchs", "wchc", "wchp", "dump", "dirs", "crst", "srst"]) {
        expect(commandText(word, s, noActions)).toBe("This ZooKeeper instance is not currently serving requests\n");
      }
      expect(commandText("ruok", s, noActions)).toBe("imok");
      expect(commandText("isro", s, noActions)).toBe("null");
      expect(commandText("envi", s, noActions)).toMatch(/^Environment:\nzookeeper.version=/);
      // The admin port's JSON as ZooKeeper's Commands.runCommand: commands that need a running
      // server answer its error (ruok too: a readiness probe sees the server as not ready);
      // environment, monitor, system_properties and zabstate still answer.
      for (const name of [
        "srvr",
        "server_stats",
        "ruok",
        "stat",
        "conf",
        "cons",
        "dump",
        "wchc",
        "is_read_only",
        "leader",
        "voting_view",
      ]) {
        expect(commandJson(name, s, noActions)).toEqual({
          command: name,
          error: "This ZooKeeper instance is not currently serving requests",
        });
      }
      expect(commandJson("monitor", s, noActions)).toMatchObject({ server_state: mode, error: null });
      expect(commandJson("zabstate", s, noActions)).toMatchObject({
        zabstate: mode === "looking" ? "election" : "synchronization",
        server_state: mode,
        error: null,
      });
      for (const name of ["environment", "system_properties"]) expect(commandJson(name, s, noActions).error).toBeNull();
    }
    expect(commandText("srvr", snapshot({ mode: "follower" }), noActions)).toContain("\nMode: follower\n");
  });

  it("srvr on a leader ends with the proposal sizes, as ZooKeeper's", () => {
    expect(commandText("srvr", leader(), noActions)).toMatch(/\nProposal sizes last\/min\/max: 91\/48\/91\n$/);
  });

  it("cons prints every field of ZooKeeper's line, with the connection's own lzxid", () => {
    // The line ZooKeeper 3.8 printed for the same figures (fixtures/zk-admin/standalone/cons.txt).
    const theirs = zkText("standalone", "cons").split("\n")[0]!;
    expect(commandText("cons", snapshot(), noActions).split("\n")[0]).toBe(theirs);
  });

  it("dump, wchc and wchp print ZooKeeper's layout", () => {
    const dump = commandText("dump", snapshot(), noActions);
    expect(dump).toMatch(
      /^SessionTracker dump:\nSession Sets \(1\)\/\(1\):\n1 expire at \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}:\n\t0x100032590650000\n/,
    );
    expect(dump).toContain("ephemeral nodes dump:\nSessions with Ephemerals (1):\n0x100032590650000:\n\t/cap/e\n");
    expect(commandText("dump", follower(), noActions)).toMatch(
      /^SessionTracker dump:\nGlobal Sessions\(1\):\n0x100032590650000\t10000ms\n/,
    );
    const one = snapshot({ watchesBySession: new Map([[SID, ["/cap"]]]), watchesByPath: new Map([["/cap", [SID]]]) });
    expect(commandText("wchc", one, noActions)).toBe(zkText("standalone", "wchc"));
    expect(commandText("wchp", one, noActions)).toBe(zkText("standalone", "wchp"));
  });

  it("mntr on a leader carries ZooKeeper's leader keys with real figures", () => {
    const pairs = new Map(
      commandText("mntr", leader(), noActions)
        .trimEnd()
        .split("\n")
        .map((l) => l.split("\t") as [string, string]),
    );
    expect(
      Object.fromEntries(
        [
          "zk_learners",
          "zk_synced_followers",
          "zk_quorum_size",
          "zk_last_proposal_size",
          "zk_max_proposal_size",
          "zk_min_proposal_size",
          "zk_leader_uptime",
          "zk_pending_syncs",
          "zk_peer_state",
        ].map((k) => [k, pairs.get(k)]),
      ),
    ).toEqual({
      zk_learners: "2",
      zk_synced_followers: "2",
      zk_quorum_size: "3",
      zk_last_proposal_size: "91",
      zk_max_proposal_size: "91",
      zk_min_proposal_size: "48",
      zk_leader_uptime: "3156",
      zk_pending_syncs: "0",
      zk_peer_state: "leading - broadcast",
    });
    expect(pairs.get("zk_approximate_data_size")).toBe("67");
    expect(pairs.get("zk_open_file_descriptor_count")).toBe("43");
  });

  it("crst, srst and dirs answer ZooKeeper's text and do what they say", () => {
    const done: string[] = [];
    const actions = { resetServerStats: () => done.push("server"), resetConnectionStats: () => done.push("connections") };
    expect(commandText("crst", snapshot(), actions)).toBe(zkText("standalone", "crst"));
    expect(commandText("srst", snapshot(), actions)).toBe(zkText("standalone", "srst"));
    expect(done).toEqual(["connections", "server"]);
    expect(commandText("dirs", snapshot(), noActions)).toBe("datadir_size: 4096\nlogdir_size: 8192\n");
  });

  it("observers lists each observer with ZooKeeper's LearnerHandler fields, and orst resets their counts", () => {
    const observer = {
      id: 4,
      remoteAddress: "127.0.0.1:40112",
      establishedMs: 1_700_000_000_000,
      queuedFrames: 1,
      queuedBytes: 60,
      framesReceived: 12,
      framesSent: 30,
      requests: 3,
      lastZxid: 0x100000007n,
    };
    const s = { ...snapshot(), mode: "leader" as const, syncedObservers: 1, observers: [observer] };
    expect(answer("observers", s)).toEqual({
      command: "observers",
      error: null,
      synced_observers: 1,
      observers: [
        {
          remote_socket_address: "127.0.0.1:40112",
          sid: 4,
          established: 1_700_000_000_000,
          queued_packets: 1,
          queued_packets_size: 60,
          packets_received: 12,
          packets_sent: 30,
          requests: 3,
          last_zxid: 0x100000007,
        },
      ],
    });
    const done: string[] = [];
    answer("orst", s, { ...noActions, resetObserverStats: () => done.push("observers") });
    expect(done).toEqual(["observers"]);
  });
});
