// Memory of one server under pipelined requests: a client writes N small requests at once
// (one write on the ZooKeeper port, N WebSocket messages on the native port) and reads every
// reply. Only maxOutstandingPerSession (1,000) may be outstanding, so the server's memory
// should not grow with N beyond what the requests leave alive (their watches). Each load has a
// fresh server in a child process (pipelined-server.mjs) that reports its RSS high-water mark
// (VmHWM), the peaks of its V8 heap sampled every 5 ms, and its live heap after a full
// collection once every reply came (connections still open, so their watches count).
// Issue 11: the jute fuzz target's many-watches case (20,000-50,000 pipelined exists or
// addWatch) passed the 320 MiB RSS bound.
//   npm run bench -- pipelined      (BENCH_QUICK=1 for a smoke run)
//   PIPELINED_PROFILE=/tmp/p.heapprofile (and PIPELINED_PROFILE_MINOR=1 to count young garbage
//   too): the server's sampling heap profile of the last load, for Chrome DevTools.
import { fork } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { NativeCodec, jute } from "../packages/protocol/dist/index.js";

const QUICK = process.env.BENCH_QUICK === "1";
const COUNTS = QUICK ? [5_000] : [20_000, 50_000];
const CONNECTIONS = QUICK ? 2 : 4;
const MIB = 1024 * 1024;
const connectRequest = {
  protocolVersion: 0,
  lastZxidSeen: 0n,
  timeoutMs: 30_000,
  sessionId: 0n,
  password: new Uint8Array(16),
  readOnly: false,
};

/** A fresh server in a child process; `ask` sends a message and resolves with its answer. */
async function startServer() {
  const child = fork(fileURLToPath(new URL("pipelined-server.mjs", import.meta.url)), [JSON.stringify({})], {
    execArgv: ["--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const messages = [];
  let waiting;
  child.on("message", (m) => (waiting ? (waiting(m), (waiting = undefined)) : messages.push(m)));
  const ask = (msg) =>
    new Promise((resolve) => {
      if (messages.length) return resolve(messages.shift());
      waiting = resolve;
      if (msg) child.send(msg);
    });
  const { ports } = await ask();
  const stopped = new Promise((resolve) => child.once("exit", resolve));
  return { ports, ask, stop: () => (child.send({ type: "stop" }), stopped) };
}

/** One ZooKeeper session that writes `requests` at once; resolves with its socket when every reply came. */
async function zkPipelined(ports, requests) {
  const socket = connect(ports.client, "127.0.0.1");
  await new Promise((resolve, reject) => (socket.once("connect", resolve), socket.once("error", reject)));
  const splitter = new jute.JuteFrameSplitter({ frameBytesMax: 64 * MIB });
  let frames = 0;
  const done = new Promise((resolve, reject) => {
    socket.on("data", (chunk) => {
      frames += splitter.feed(chunk).length;
      if (frames === 1 + requests.length) resolve();
    });
    socket.once("close", () => reject(new Error(`the server closed the connection after ${frames - 1} of ${requests.length} replies`)));
  });
  socket.write(jute.encodeConnectRequest(connectRequest));
  socket.write(Buffer.concat(requests.map((request, i) => jute.encodeRequest({ xid: i + 1, request }))));
  await done;
  return () => socket.destroy();
}

const codec = new NativeCodec({ frameBytesMax: 64 * MIB, dataBytesMax: 32 * MIB });
/** One native session that sends `requests` without waiting and resolves when every reply came. */
async function nativePipelined(ports, requests) {
  const ws = new WebSocket(`ws://127.0.0.1:${ports.native}/`, { perMessageDeflate: false, maxPayload: 64 * MIB });
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  let frames = 0;
  const done = new Promise((resolve, reject) => {
    ws.on("message", () => ++frames === 1 + requests.length && resolve());
    ws.once("close", () => reject(new Error(`the server closed the connection after ${frames - 1} of ${requests.length} replies`)));
  });
  ws.send(codec.encodeClientFrame({ kind: "connect", request: connectRequest }));
  requests.forEach((request, i) => ws.send(codec.encodeClientFrame({ kind: "request", xid: i + 1, request })));
  await done;
  return () => ws.terminate();
}

const absent = (c, i) => `/bench-absent/c${c}/node-${i}`;
const KINDS = {
  exists: (c, i) => ({ type: "exists", path: absent(c, i), watch: false }),
  "exists+watch": (c, i) => ({ type: "exists", path: absent(c, i), watch: true }),
  addWatch: (c, i) => ({ type: "addWatch", path: absent(c, i), mode: 0 }),
};
const loads = [];
for (const n of COUNTS) {
  for (const [kind, make] of Object.entries(KINDS)) loads.push({ port: "zookeeper", kind, n, connections: 1, make });
  loads.push({ port: "zookeeper", kind: "exists+watch", n, connections: CONNECTIONS, make: KINDS["exists+watch"] });
  loads.push({ port: "native", kind: "exists+watch", n, connections: 1, make: KINDS["exists+watch"] });
  loads.push({ port: "native", kind: "exists+watch", n, connections: CONNECTIONS, make: KINDS["exists+watch"] });
}

const rows = [];
for (const load of loads) {
  const server = await startServer();
  try {
    const before = await server.ask({ type: "reset" });
    const started = performance.now();
    const run = load.port === "zookeeper" ? zkPipelined : nativePipelined;
    const closers = await Promise.all(
      Array.from({ length: load.connections }, (_, c) =>
        run(
          server.ports,
          Array.from({ length: load.n }, (_, i) => load.make(c, i)),
        ),
      ),
    );
    const ms = performance.now() - started;
    const peak = await server.ask({ type: "peak" });
    const live = await server.ask({ type: "live" });
    closers.forEach((close) => close());
    rows.push({ ...load, before, peak, live, ms });
    process.stderr.write(`${load.port} ${load.kind} ${load.connections}x${load.n}: RSS peak ${peak.rssMib.toFixed(0)} MiB\n`);
  } finally {
    await server.stop();
  }
}
console.log("A fresh standalone server per load (child process, defaults: maxOutstandingPerSession 1000, heapGrowthPercent 100);");
console.log("each load writes N requests per connection at once and reads every reply. RSS: the kernel's high-water mark;");
console.log("heap: process.memoryUsage() peaks sampled every 5 ms; live: heapUsed after a full GC once every reply came,");
console.log(`connections still open (their watches); outstanding: the server's high-water mark${QUICK ? " (BENCH_QUICK)" : ""}.\n`);
console.log(
  "| port | request | connections × N | RSS before MiB | RSS peak MiB | grew MiB | heapUsed peak MiB | heapTotal peak MiB | live heap MiB | outstanding peak | ms |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  const cells = [
    r.port,
    r.kind,
    `${r.connections} × ${r.n}`,
    r.before.rssMib.toFixed(0),
    r.peak.rssMib.toFixed(0),
    (r.peak.rssMib - r.before.rssMib).toFixed(0),
    r.peak.heapUsedMib.toFixed(0),
    r.peak.heapTotalMib.toFixed(0),
    r.live.heapUsedMib.toFixed(0),
    r.peak.counts.outstandingPeak ?? "-",
    r.ms.toFixed(0),
  ];
  console.log(`| ${cells.join(" | ")} |`);
}
