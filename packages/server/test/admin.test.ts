import { afterEach, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import { connect } from "node:net";
import { startAdminServer } from "../src/admin/http.js";
import { MetricsRegistry } from "../src/admin/metrics.js";
import { commandJson, commandText, type ServerSnapshot } from "../src/admin/commands.js";

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
  connections: [],
  sessions: 0,
  watchCount: 2,
  watchesBySession: new Map([[1n, ["/a", "/b"]]]),
  watchesByPath: new Map([["/a", [1n]], ["/b", [1n]]]),
  ephemeralsCount: 0,
  approximateDataSize: 0,
  followers: [],
  syncedFollowers: 0,
  electionCount: 0,
  fsyncP50Ms: 0,
  readOnly: false,
  config: { tickTime: 2000 },
  ...over,
});

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
      { ready: () => ready, metrics: () => metrics.render(), commands: { srvr: () => commandJson("srvr", snapshot()) } },
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
    const srvr = (await (await fetch(`${base}/commands/srvr`)).json()) as { server_stats: { server_state: string }; zxid: string };
    expect(srvr.server_stats.server_state).toBe("standalone");
    expect(srvr.zxid).toBe("0x100000005");
    expect((await fetch(`${base}/commands/nope`)).status).toBe(404);
  });
});

describe("admin HTTP is a containment boundary", () => {
  const start = async (source: Parameters<typeof startAdminServer>[0]) => {
    const closed: string[] = [];
    const lines: string[] = [];
    const started = await startAdminServer(source, 0, "127.0.0.1", { log: (l) => lines.push(l), closed: (port, cause) => closed.push(`${port}:${cause}`) });
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

  it.each(["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"])("answers /commands/%s with 404: only commands are commands", async (name) => {
    const { port } = await start(source);
    expect((await fetch(`http://127.0.0.1:${port}/commands/${name}`)).status).toBe(404);
  });

  it("answers 500 to the request whose handling throws, counts it, and serves the others", async () => {
    let throwing = true;
    const { port, closed, lines } = await start({ ...source, metrics: () => { if (throwing) throw new Error("injected fault"); return "m 1\n"; } });
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

describe("four-letter words", () => {
  it("answers srvr in ZooKeeper's text form, with the Mode line tools parse", () => {
    const text = commandText("srvr", snapshot({ mode: "leader" }));
    expect(text).toMatch(/^Zookeeper version: 3\.8\.0-warden/);
    expect(text).toContain("Mode: leader\n");
    expect(text).toContain("Zxid: 0x100000005\n");
    expect(text).toContain("Node count: 5\n");
  });

  it("answers ruok, isro, wchs and mntr", () => {
    expect(commandText("ruok", snapshot())).toBe("imok");
    expect(commandText("isro", snapshot())).toBe("rw");
    expect(commandText("wchs", snapshot())).toBe("1 connections watching 2 paths\nTotal watches:2\n");
    expect(commandText("mntr", snapshot())).toContain("zk_znode_count\t5\n");
  });
});
