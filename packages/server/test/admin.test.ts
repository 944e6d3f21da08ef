import { afterEach, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import { connect } from "node:net";
import { startAdminServer } from "../src/admin/http.js";
import { MetricsRegistry, SUMMARY_WINDOW_MAX } from "../src/admin/metrics.js";
import { RequestMetrics } from "../src/admin/request-metrics.js";
import { ElectionClock } from "../src/admin/zk-metrics.js";
import { commandJson, COMMAND_NAMES, type AdminActions, type ConnectionInfo, type ServerSnapshot } from "../src/admin/commands.js";
import { commandText } from "../src/admin/command-text.js";
import { adminJson } from "../src/admin/admin-json.js";
import { ZK_COMMANDS, commandShapeDifferences, zkText, type ZkMode } from "../../../test/compat/zk-admin-shapes.js";

const SID = 0x100032590650000n;
const connection = (over: Partial<ConnectionInfo> = {}): ConnectionInfo => ({
  remote: "127.0.0.1:46812",
  protocol: "zookeeper",
  sessionId: SID,
  timeoutMs: 10_000,
  interestOps: 1,
  queued: 0,
  received: 8,
  sent: 8,
  lastOp: "GETC",
  establishedMs: 1796455148688,
  lastCxid: 7,
  lastZxid: 4n,
  lastResponseMs: 52794540,
  lastLatencyMs: 1,
  latencyMsMin: 0,
  latencyMsAvg: 5,
  latencyMsMax: 16,
  ...over,
});

const snapshot = (over: Partial<ServerSnapshot> = {}): ServerSnapshot => ({
  mode: "standalone",
  serverId: 1,
  epoch: 0,
  zxid: 0x100000005n,
  nodeCount: 5,
  latencyMs: { min: 0, avg: 0.5, max: 3 },
  packetsReceived: 10,
  packetsSent: 9,
  outstanding: 0,
  connections: [connection()],
  sessions: 1,
  watchCount: 2,
  watchesBySession: new Map([[SID, ["/a", "/b"]]]),
  watchesByPath: new Map([
    ["/a", [SID]],
    ["/b", [SID]],
  ]),
  ephemeralsCount: 1,
  ephemerals: new Map([[SID, ["/cap/e"]]]),
  sessionExpiry: new Map([[1796455160000, [SID]]]),
  sessionTimeouts: new Map([[SID, 10_000]]),
  approximateDataSize: 67,
  followers: [],
  syncedFollowers: 0,
  syncedObservers: 0,
  observers: [],
  learners: 0,
  pendingSyncs: 0,
  quorumSize: 1,
  leaderId: null,
  leaderUptimeMs: 0,
  proposalSizes: { last: -1, min: -1, max: -1 },
  electionCount: 0,
  fsyncP50Ms: 0,
  readOnly: false,
  serving: true,
  uptimeMs: 2093,
  fileDescriptors: { open: 43, max: 20000 },
  dataDirBytes: 4096,
  logDirBytes: 8192,
  lastSnapshot: undefined,
  servers: [],
  clientAddress: "127.0.0.1:2181",
  initialConfiguration: "tickTime=2000\n",
  settings: {
    clientPort: 2181,
    secureClientPort: 0,
    dataDir: "/d",
    dataLogDir: "/l",
    tickTimeMs: 2000,
    connectionsPerAddressMax: 60,
    sessionTimeoutMsMin: 4000,
    sessionTimeoutMsMax: 40000,
    initLimitTicks: 10,
    syncLimitTicks: 5,
    nativePort: 2282,
    adminPort: 8080,
    frameBytesMax: 0xfffff,
  },
  ...over,
});

const servers = [1, 2, 3].map((id) => ({ id, host: "127.0.0.1", peerPort: 2880 + id, electionPort: 3880 + id, observer: false }));
const leader = (over: Partial<ServerSnapshot> = {}) =>
  snapshot({
    mode: "leader",
    serverId: 3,
    leaderId: 3,
    servers,
    quorumSize: 3,
    learners: 2,
    syncedFollowers: 2,
    leaderUptimeMs: 3156,
    proposalSizes: { last: 91, min: 48, max: 91 },
    followers: [
      { id: 1, lastZxid: 4n, lag: 0 },
      { id: 2, lastZxid: 4n, lag: 0 },
    ],
    ...over,
  });
const follower = () => snapshot({ mode: "follower", serverId: 1, leaderId: 3, servers, quorumSize: 3, sessionExpiry: new Map() });

const noActions: AdminActions = {
  resetServerStats: () => undefined,
  resetConnectionStats: () => undefined,
  resetObserverStats: () => undefined,
};
/** A command's answer as the admin port writes it, read back as a client would. */
const answer = (name: string, s: ServerSnapshot, actions = noActions) =>
  JSON.parse(adminJson(commandJson(name, s, actions))) as Record<string, unknown>;

let server: Server | undefined;
const quiet = { log: () => undefined, closed: () => undefined };

/** One raw HTTP exchange: the request as written (no client normalizes it), the whole answer. */
function rawHttp(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(request));
    let answer = "";
    socket.on("data", (d) => (answer += d.toString("latin1")));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe("admin HTTP", () => {
  it("serves /health, /metrics and /commands/<name>", async () => {
    const metrics = new MetricsRegistry();
    const requests = metrics.counter("warden_requests_total", "Requests by op");
    requests.inc({ op: "getData" }, 3);
    metrics.histogram("warden_request_seconds", "Latency").observe(0.002, { op: "getData" });
    metrics.gauge("warden_znodes", "Znodes", () => 5);
    let ready = false;
    const started = await startAdminServer(
      { ready: () => ready, metrics: () => metrics.render(), commands: { srvr: () => commandJson("srvr", snapshot(), noActions) } },
      0,
      "127.0.0.1",
      quiet,
    );
    server = started.server;
    const base = `http://127.0.0.1:${started.port}`;
    expect((await fetch(`${base}/health`)).status).toBe(503);
    ready = true;
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ ready: true });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('warden_requests_total{op="getData"} 3');
    expect(text).toContain('warden_request_seconds_bucket{op="getData",le="0.0025"} 1');
    expect(text).toContain("warden_znodes 5");
    const srvr = (await (await fetch(`${base}/commands/srvr`)).json()) as {
      server_stats: { server_state: string };
      command: string;
      error: null;
    };
    // ZooKeeper's fields, and Warden's zxid and epoch that the ensemble harness reads (testing/src/ensemble/admin.ts).
    expect(srvr).toMatchObject({
      server_stats: { server_state: "standalone" },
      command: "srvr",
      error: null,
      zxid: "0x100000005",
      epoch: 0,
    });
    expect((await fetch(`${base}/commands/nope`)).status).toBe(404);
  });
});

describe("admin HTTP is a containment boundary", () => {
  const start = async (source: Parameters<typeof startAdminServer>[0]) => {
    const closed: string[] = [];
    const lines: string[] = [];
    const started = await startAdminServer(source, 0, "127.0.0.1", {
      log: (l) => lines.push(l),
      closed: (port, cause) => closed.push(`${port}:${cause}`),
    });
    server = started.server;
    return { port: started.port, closed, lines };
  };
  const source = { ready: () => true, metrics: () => "m 1\n", commands: { srvr: () => ({ ok: true }) } };

  // Each of these request targets ended the process (new URL threw "Invalid URL" in the handler).
  it.each(["//", "/\\", "//:99999/x", "http://[", "*", "/%", "/commands/%E0%A4%A"])("answers GET %s without dying", async (target) => {
    const { port } = await start(source);
    const answer = await rawHttp(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 (400|404) /);
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ ready: true });
  });

  it.each(["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"])(
    "answers /commands/%s with 404: only commands are commands",
    async (name) => {
      const { port } = await start(source);
      expect((await fetch(`http://127.0.0.1:${port}/commands/${name}`)).status).toBe(404);
    },
  );

  it("answers 500 to the request whose handling throws, counts it, and serves the others", async () => {
    let throwing = true;
    const { port, closed, lines } = await start({
      ...source,
      metrics: () => {
        if (throwing) throw new Error("injected fault");
        return "m 1\n";
      },
    });
    const base = `http://127.0.0.1:${port}`;
    const [bad, good] = await Promise.all([fetch(`${base}/metrics`), fetch(`${base}/health`)]);
    expect(bad.status).toBe(500);
    expect(good.status).toBe(200);
    expect(closed).toEqual(["admin:internal_error"]);
    expect(lines.join("\n")).toContain("injected fault");
    throwing = false;
    expect(await (await fetch(`${base}/metrics`)).text()).toBe("m 1\n");
  });

  it("answers a malformed request with 400 and counts it", async () => {
    const { port, closed } = await start(source);
    const answer = await rawHttp(port, "NOT HTTP AT ALL\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(closed).toEqual(["admin:bad_frame"]);
  });
});

describe("admin commands as ZooKeeper 3.8 names and answers them", () => {
  it("answers every name and alias of ZooKeeper's Commands, and no other", () => {
    expect([...COMMAND_NAMES].sort()).toEqual(
      ZK_COMMANDS.flat()
        .filter((n) => !["hash", "get_trace_mask", "gtmk", "set_trace_mask", "stmk"].includes(n))
        .sort(),
    );
  });

  const cases: Array<[ZkMode, () => ServerSnapshot]> = [
    ["standalone", () => snapshot()],
    ["leader", () => leader()],
    ["follower", () => follower()],
  ];
  for (const [mode, make] of cases) {
    it.each(ZK_COMMANDS.flat().filter((n) => COMMAND_NAMES.includes(n)))(
      `%s has the field names and JSON types of ZooKeeper's answer (${mode})`,
      (name) => {
        const ours = answer(name, make());
        expect(commandShapeDifferences(ours, mode, name)).toEqual([]);
        expect(ours.command).toBe(name);
      },
    );
  }

  it("writes session ids as JSON numbers past 2^53, as Jackson writes a long", () => {
    const text = adminJson(commandJson("dump", snapshot(), noActions));
    expect(text).toContain(`"${SID}" : [`.replace(" : ", ": "));
    expect(text).toMatch(new RegExp(`\\[\\s*${SID}\\s*\\]`));
  });

  it("dump lists each session's ephemeral paths and its deadline", () => {
    expect(answer("dump", snapshot())).toMatchObject({
      session_id_to_ephemeral_paths: { [SID.toString()]: ["/cap/e"] },
      expiry_time_to_session_ids: { "1796455160000": [Number(SID)] },
    });
  });

  it("connections reports each connection's own last zxid, operation and latencies", () => {
    const c = answer("cons", snapshot({ connections: [connection(), connection({ lastZxid: 9n, lastOp: "CREA", sessionId: SID + 1n })] }))
      .connections as Array<Record<string, unknown>>;
    expect(c.map((x) => [x.last_zxid, x.last_operation])).toEqual([
      [4, "GETC"],
      [9, "CREA"],
    ]);
  });

  it("leader answers the leader's id and address; standalone, ZooKeeper's error", () => {
    expect(answer("leader", leader())).toEqual({ is_leader: true, leader_id: 3, leader_ip: "127.0.0.1", command: "leader", error: null });
    expect(answer("leader", follower())).toMatchObject({ is_leader: false, leader_id: 3 });
    expect(answer("leader", snapshot())).toEqual({ command: "leader", error: "server is not initialized" });
  });

  it("stat_reset and connection_stat_reset reset, under either name", () => {
    const done: string[] = [];
    const actions = {
      resetServerStats: () => done.push("server"),
      resetConnectionStats: () => done.push("connections"),
      resetObserverStats: () => done.push("observers"),
    };
    for (const n of ["stat_reset", "srst", "connection_stat_reset", "crst"])
      expect(answer(n, snapshot(), actions)).toEqual({ command: n, error: null });
    expect(done).toEqual(["server", "server", "connections", "connections"]);
  });
});

describe("four-letter words", () => {
  it("answers srvr in ZooKeeper's text form, with the Mode line tools parse", () => {
    const text = commandText("srvr", leader(), noActions);
    expect(text).toMatch(/^Zookeeper version: 3\.8\.0-warden/);
    expect(text).toContain("Mode: leader\n");
    expect(text).toContain("Zxid: 0x100000005\n");
    expect(text).toContain("Node count: 5\n");
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
      // The admin port's JSON still says what the server is doing.
      expect(commandJson("srvr", s, noActions)).toMatchObject({ server_stats: { server_state: mode } });
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

describe("ZooKeeper's Prometheus metrics", () => {
  it("a summary renders its quantiles over the latest observations, with the cumulative count and sum", () => {
    const registry = new MetricsRegistry();
    const s = registry.summary("readlatency", "readlatency", [0.5, 0.9, 0.99]);
    for (let v = 1; v <= 100; v++) s.observe(v);
    const text = registry.render();
    expect(text).toContain("# TYPE readlatency summary\n");
    expect(text).toContain('readlatency{quantile="0.5"} 51\n');
    expect(text).toContain('readlatency{quantile="0.9"} 91\n');
    expect(text).toContain('readlatency{quantile="0.99"} 100\n');
    expect(text).toContain("readlatency_count 100\nreadlatency_sum 5050\n");
  });

  it("a summary's quantiles forget what is older than its window; its count and sum do not", () => {
    const registry = new MetricsRegistry();
    const s = registry.summary("fsynctime", "fsynctime", [0.5]);
    for (let i = 0; i < SUMMARY_WINDOW_MAX; i++) s.observe(1000);
    for (let i = 0; i < SUMMARY_WINDOW_MAX; i++) s.observe(1);
    expect(registry.render()).toContain('fsynctime{quantile="0.5"} 1\n');
    expect(registry.render()).toContain(`fsynctime_count ${2 * SUMMARY_WINDOW_MAX}\n`);
  });

  it("reads and writes go to readlatency and updatelatency, as ZooKeeper splits requests with and without a txn", () => {
    const m = new RequestMetrics();
    m.received("getData");
    m.replied("getData", performance.now() - 3);
    m.received("create");
    m.replied("create", performance.now() - 5);
    m.replied("setData", performance.now() - 5);
    const text = m.registry.render();
    expect(text).toMatch(/^readlatency_count 1$/m);
    expect(text).toMatch(/^updatelatency_count 2$/m);
  });

  it("looking_count counts each search for a leader and election_time measures it", () => {
    const zk = new RequestMetrics().zk;
    const clock = new ElectionClock(zk, 1000);
    const status = (leaderId: number | null, role: "leader" | "follower", established = false) => ({
      id: 1,
      role,
      leaderId,
      epoch: 1,
      established,
      synced: role === "leader" ? established : leaderId !== null,
      lastZxid: 0n,
      commitZxid: 0n,
      appliedZxid: 0n,
      durableZxid: 0n,
      electionCount: 1,
    });
    clock.statusChanged(status(1, "leader", false), 1100);
    clock.statusChanged(status(1, "leader", true), 1250);
    clock.statusChanged(status(null, "follower"), 5000);
    clock.statusChanged(status(2, "follower"), 5400);
    expect(zk.lookingCount.get()).toBe(2);
    expect(zk.electionTime.render()).toContain("election_time_count 2\nelection_time_sum 650\n");
  });
});
