// The admin HTTP port of a real server: /health, /metrics series, and every four-letter
// word as /commands/<name>, reflecting the server's actual state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateMode } from "@warden/protocol";
import type { Client } from "@warden/client";
import { startStandalone, waitFor, type Standalone } from "./harness.js";
import { ZK_COMMANDS, ZK_PROMETHEUS, commandShapeDifferences, zkAnswer } from "../compat/zk-admin-shapes.js";

let s: Standalone;
let c: Client;
let base: string;
/** The initial tree (44), "/adm" with "x", "/adm/e" and "/prom" with nothing: ZooKeeper's sum of path and data lengths. */
const DATA_SIZE = 44 + "/adm".length + 1 + "/adm/e".length + "/prom".length;
beforeAll(async () => {
  s = await startStandalone();
  base = `http://127.0.0.1:${s.server.ports.admin}`;
  c = await s.client();
  await c.create("/adm", "x");
  await c.create("/adm/e", "", { mode: CreateMode.EPHEMERAL });
  await c.create("/prom", "");
  await c.getData("/adm", { watch: () => undefined });
  await c.getChildren("/adm", { watch: () => undefined });
});
afterAll(() => s?.stop());

const get = async (path: string) => {
  const res = await fetch(base + path);
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
};
const command = async (name: string) => {
  const r = await get(`/commands/${name}`);
  expect(r.status, `/commands/${name}`).toBe(200);
  return JSON.parse(r.body) as Record<string, unknown>;
};

describe("admin HTTP", () => {
  it("/health is 200 and ready while the server serves", async () => {
    const r = await get("/health");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ready: true });
  });

  it("/metrics has the named series in Prometheus text format", async () => {
    const r = await get("/metrics");
    expect(r.status).toBe(200);
    expect(r.type).toContain("text/plain");
    for (const series of [
      'warden_requests_total{op="create"}',
      'warden_request_duration_seconds_bucket{op="getData"',
      "warden_znodes",
      "warden_watches",
      "warden_sessions",
      "warden_connections",
      "warden_outstanding_requests",
      "warden_fsync_p50_seconds",
      "warden_last_zxid",
      'warden_role{role="standalone"} 1',
    ]) {
      expect(r.body, series).toContain(series);
    }
    expect(r.body).toMatch(/^# TYPE warden_requests_total counter$/m);
    expect(r.body).toMatch(/^# TYPE warden_request_duration_seconds histogram$/m);
  });

  it("/metrics has the process's CPU, memory and collector series, under Prometheus' client names", async () => {
    const value = (body: string, series: string) => {
      const line = body.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const first = (await get("/metrics")).body;
    expect(first).toMatch(/^# TYPE process_cpu_seconds_total counter$/m);
    expect(first).toMatch(/^# TYPE process_cpu_user_seconds_total counter$/m);
    expect(first).toMatch(/^# TYPE process_resident_memory_bytes gauge$/m);
    expect(first).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
    expect(value(first, "process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
    expect(value(first, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    expect(value(first, "nodejs_heap_size_total_bytes")).toBeGreaterThanOrEqual(value(first, "nodejs_heap_size_used_bytes")!);
    const started = value(first, "process_start_time_seconds")!;
    expect(started).toBeCloseTo(performance.timeOrigin / 1000, 0);
    expect(started).toBeLessThanOrEqual(Date.now() / 1000);
    // Work that allocates: CPU time goes up, and the collector's pauses are counted by kind.
    const cpuBefore = value(first, "process_cpu_seconds_total")!;
    let kept: number[][] = [];
    const until = performance.now() + 100;
    while (performance.now() < until) kept = [new Array(1000).fill(kept.length), ...kept.slice(0, 100)];
    await waitFor(
      "a minor collection counted",
      async () => value((await get("/metrics")).body, 'nodejs_gc_duration_seconds_count{kind="minor"}') !== undefined,
      5000,
    );
    const second = (await get("/metrics")).body;
    expect(value(second, "process_cpu_seconds_total")! - cpuBefore).toBeGreaterThanOrEqual(0.05);
    expect(value(second, 'nodejs_gc_duration_seconds_count{kind="minor"}')).toBeGreaterThan(0);
    expect(second).toMatch(/^nodejs_gc_duration_seconds_bucket\{kind="minor",le="0\.001"\} \d+$/m);
  });

  it("/metrics exports ZooKeeper's Prometheus names with ZooKeeper's types and quantiles", async () => {
    await c.getData("/adm");
    await c.setData("/prom", "");
    const text = (await get("/metrics")).body;
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    // What a standalone Warden measures of ZooKeeper's list (the leader's gauges and quorum_size
    // appear on a leader; the rest are ZooKeeper's processors' internals, see the server README).
    const provided = [
      ...[
        "approximate_data_size",
        "avg_latency",
        "ephemerals_count",
        "global_sessions",
        "local_sessions",
        "max_file_descriptor_count",
        "max_latency",
        "min_latency",
      ],
      ...[
        "num_alive_connections",
        "open_file_descriptor_count",
        "outstanding_requests",
        "outstanding_tls_handshake",
        "packets_received",
        "packets_sent",
        "uptime",
        "watch_count",
        "znode_count",
      ],
      ...[
        "readlatency",
        "updatelatency",
        "fsynctime",
        "snapshottime",
        "election_time",
        "dbinittime",
        "looking_count",
        "proposal_count",
        "connection_rejected",
      ],
    ];
    for (const name of provided) expect(types.get(name), name).toBe(ZK_PROMETHEUS.get(name)?.type);
    for (const [name, type] of types) if (ZK_PROMETHEUS.has(name)) expect(type, name).toBe(ZK_PROMETHEUS.get(name)!.type);
    for (const name of ["readlatency", "updatelatency", "fsynctime", "election_time", "dbinittime"]) {
      const quantiles = [...text.matchAll(new RegExp(`^${name}\\{quantile="([\\d.]+)"\\} \\S+$`, "gm"))].map((m) => m[1]);
      expect(quantiles, name).toEqual(ZK_PROMETHEUS.get(name)!.quantiles);
      expect(Number(new RegExp(`^${name}_count (\\d+)$`, "m").exec(text)?.[1]), name).toBeGreaterThan(0);
    }
    const gaugeValue = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)![1]);
    expect(gaugeValue("znode_count")).toBeGreaterThanOrEqual(6);
    expect(gaugeValue("ephemerals_count")).toBe(1);
    expect(gaugeValue("approximate_data_size")).toBe(DATA_SIZE);
    expect(gaugeValue("num_alive_connections")).toBe(1);
    expect(gaugeValue("looking_count")).toBe(1);
    // Warden's own names stay beside ZooKeeper's.
    expect(types.get("warden_znodes")).toBe("gauge");
  });

  it("lists every command name and refuses an unknown one with 404", async () => {
    const r = await get("/commands");
    const names = (JSON.parse(r.body) as { commands: string[] }).commands;
    expect(names).toEqual(
      expect.arrayContaining([
        "monitor",
        "mntr",
        "connections",
        "cons",
        "watches",
        "watches_by_path",
        "watch_summary",
        "dump",
        "environment",
        "configuration",
        "server_stats",
        "stats",
        "leader",
        "voting_view",
        "observers",
        "last_snapshot",
        "is_read_only",
        "ruok",
        "stat_reset",
        "connection_stat_reset",
        "initial_configuration",
        "system_properties",
        "zabstate",
      ]),
    );
    expect((await get("/commands/nope")).status).toBe(404);
  });

  it.each(
    ZK_COMMANDS.flat().filter(
      (n) => !["orst", "observer_connection_stat_reset", "hash", "get_trace_mask", "gtmk", "set_trace_mask", "stmk"].includes(n),
    ),
  )("/commands/%s answers with the field names and JSON types of ZooKeeper 3.8's answer", async (name) => {
    const body = await command(name);
    expect(commandShapeDifferences(body, "standalone", name)).toEqual([]);
    expect(body).toMatchObject({ command: name, error: zkAnswer("standalone", name).error });
  });

  it("ruok, is_read_only, server_stats and stats describe a serving standalone server", async () => {
    expect((await command("ruok")).error).toBeNull();
    expect(await command("is_read_only")).toMatchObject({ read_only: false });
    for (const name of ["srvr", "stat", "server_stats", "stats"]) {
      const body = (await command(name)) as { server_stats: { server_state: string }; node_count: number };
      expect(body.server_stats.server_state).toBe("standalone");
      expect(body.node_count).toBeGreaterThanOrEqual(3);
    }
  });

  it("monitor reports znodes, watches, ephemerals, the data size and the zxid", async () => {
    const m = await command("monitor");
    expect(m).toMatchObject({ server_state: "standalone", ephemerals_count: 1, global_sessions: 1 });
    expect(Number(m.znode_count)).toBeGreaterThanOrEqual(3);
    expect(Number(m.watch_count)).toBeGreaterThanOrEqual(2);
    expect(m.approximate_data_size).toBe(DATA_SIZE);
    expect(Number(m.open_file_descriptor_count)).toBeGreaterThan(0);
    expect(Number(m.max_file_descriptor_count)).toBeGreaterThanOrEqual(Number(m.open_file_descriptor_count));
    expect(Number(m.uptime)).toBeGreaterThan(0);
    expect(BigInt(m.zxid as string)).toBe(c.lastZxidSeen);
  });

  it("connections lists this client's connection with its session and its own last zxid", async () => {
    await c.exists("/adm");
    // The id is a JSON number past 2^53 (as ZooKeeper's): read it from the text, not through a double.
    const text = (await get("/commands/connections")).body;
    expect(text).toMatch(new RegExp(`"session_id": ${c.sessionId}\\b`));
    const mine = (JSON.parse(text) as { connections: Array<Record<string, unknown>> }).connections[0]!;
    expect(BigInt(mine.last_zxid as number)).toBe(c.lastZxidSeen);
    expect(mine).toMatchObject({ last_operation: "EXIS", session_timeout: 4000 });
  });

  it("watches, watches_by_path and watch_summary show the watches by session, by path and by count", async () => {
    const summary = await command("watch_summary");
    expect(Number(summary.num_total_watches)).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(await command("watches"))).toContain("/adm");
    expect(JSON.stringify(await command("watches_by_path"))).toContain("/adm");
  });

  it("dump shows each session's ephemerals; configuration and environment show configuration and environment", async () => {
    const dump = (await command("dump")) as {
      session_id_to_ephemeral_paths: Record<string, string[]>;
      expiry_time_to_session_ids: Record<string, unknown[]>;
    };
    expect(Object.values(dump.session_id_to_ephemeral_paths)).toEqual([["/adm/e"]]);
    expect(Object.values(dump.expiry_time_to_session_ids).flat()).toHaveLength(1);
    const conf = await command("configuration");
    expect(conf).toMatchObject({
      tick_time: 100,
      min_session_timeout: 400,
      max_session_timeout: 10_000,
      client_port: s.server.ports.client,
      data_dir: s.dataDir,
    });
    expect(JSON.stringify(await command("environment"))).toContain(process.version.replace(/^v/, ""));
  });

  it("stat_reset zeroes the server's packet counts and connection_stat_reset each connection's", async () => {
    await c.exists("/adm");
    expect(
      Number(
        (await command("server_stats")).server_stats &&
          ((await command("server_stats")).server_stats as { packets_received: number }).packets_received,
      ),
    ).toBeGreaterThan(0);
    await command("stat_reset");
    expect(((await command("server_stats")).server_stats as { packets_received: number }).packets_received).toBe(0);
    await command("connection_stat_reset");
    const conn = ((await command("connections")).connections as Array<Record<string, unknown>>)[0]!;
    expect(conn).toMatchObject({ packets_received: 0, packets_sent: 0, last_operation: "NA", last_cxid: -1 });
    await c.exists("/adm");
    await waitFor(
      "the next request in the connection's figures",
      async () => ((await command("connections")).connections as Array<Record<string, unknown>>)[0]!.last_operation === "EXIS",
    );
  });

  it("answers four-letter words as text on the ZooKeeper port", async () => {
    const { connect } = await import("node:net");
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(s.server.ports.client, "127.0.0.1", () => sock.write("ruok"));
      let out = "";
      sock.on("data", (d) => (out += d.toString()));
      sock.on("close", () => resolve(out));
      sock.on("error", reject);
    });
    expect(answer).toBe("imok");
  });
});
