import { afterEach, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import { connect } from "node:net";
import { startAdminServer } from "../src/admin/http.js";
import { MetricsRegistry, SUMMARY_WINDOW_MAX } from "../src/admin/metrics.js";
import { RequestMetrics } from "../src/admin/request-metrics.js";
import { ElectionClock } from "../src/admin/zk-metrics.js";
import { commandJson, COMMAND_NAMES } from "../src/admin/commands.js";
import type { ServerSnapshot } from "../src/admin/snapshot-types.js";
import { adminJson } from "../src/admin/admin-json.js";
import { ZK_COMMANDS, commandShapeDifferences, type ZkMode } from "../../../test/compat/zk-admin-shapes.js";
import { SID, answer, connection, follower, leader, noActions, snapshot } from "./admin-fixtures.js";

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
