// The admin HTTP port of a real server: /health, /metrics series, and every four-letter
// word as /commands/<name>, reflecting the server's actual state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateMode } from "@warden/protocol";
import type { Client } from "@warden/client";
import { startStandalone, type Standalone } from "./harness.js";

let s: Standalone;
let c: Client;
let base: string;
beforeAll(async () => {
  s = await startStandalone();
  base = `http://127.0.0.1:${s.server.ports.admin}`;
  c = await s.client();
  await c.create("/adm", "x");
  await c.create("/adm/e", "", { mode: CreateMode.EPHEMERAL });
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

  it("lists every four-letter word and refuses an unknown one with 404", async () => {
    const r = await get("/commands");
    const names = (JSON.parse(r.body) as { commands: string[] }).commands;
    expect(names).toEqual(expect.arrayContaining(["conf", "cons", "dump", "envi", "isro", "mntr", "ruok", "srvr", "stat", "wchc", "wchp", "wchs"]));
    expect((await get("/commands/nope")).status).toBe(404);
  });

  it("ruok, isro, srvr and stat describe a serving standalone server", async () => {
    expect((await command("ruok")).error).toBeNull();
    expect(await command("isro")).toMatchObject({ read_only: false });
    for (const name of ["srvr", "stat"]) {
      const body = (await command(name)) as { server_stats: { server_state: string; node_count: number } };
      expect(body.server_stats.server_state).toBe("standalone");
      expect(body.server_stats.node_count).toBeGreaterThanOrEqual(3);
    }
  });

  it("mntr reports znodes, watches, ephemerals and the zxid", async () => {
    const m = await command("mntr");
    expect(m).toMatchObject({ zk_server_state: "standalone", zk_ephemerals_count: 1, zk_global_sessions: 1 });
    expect(Number(m.zk_znode_count)).toBeGreaterThanOrEqual(3);
    expect(Number(m.zk_watch_count)).toBeGreaterThanOrEqual(2);
    expect(BigInt(m.zk_zxid as string)).toBe(c.lastZxidSeen);
  });

  it("cons lists this client's connection with its session", async () => {
    const body = (await command("cons")) as { connections: Array<Record<string, unknown>> };
    expect(JSON.stringify(body.connections)).toContain(c.sessionId.toString(16));
  });

  it("wchs, wchc and wchp show the watches by count, by session and by path", async () => {
    const wchs = await command("wchs");
    expect(Number(wchs.num_total_watches)).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(await command("wchc"))).toContain("/adm");
    expect(JSON.stringify(await command("wchp"))).toContain("/adm");
  });

  it("dump shows the sessions and their ephemerals; conf and envi show configuration and environment", async () => {
    const dump = await command("dump");
    expect(JSON.stringify(dump)).toContain(c.sessionId.toString(16));
    expect(dump).toMatchObject({ ephemerals_count: 1 });
    const conf = await command("conf");
    expect(conf).toMatchObject({ tickTime: 100, minSessionTimeout: 400, maxSessionTimeout: 10_000 });
    expect(JSON.stringify(conf)).toContain(s.dataDir);
    expect(JSON.stringify(await command("envi"))).toContain(process.version.replace(/^v/, ""));
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
