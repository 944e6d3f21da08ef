// A three-server ensemble of real processes on loopback (bin/warden server, default settings:
// tickTime 2000, syncLimit 5), driven by clients in this process over the native protocol.
// - ops/s and p50/p99 latency for create, setData, getData and an 80/20 getData/setData mix
//   at 1, 8 and 32 sessions, each session with one request outstanding, 100-byte data;
//   sessions spread evenly over the three servers (reads are served by each session's server).
// - cold-start election: from spawning three servers to an established leader followed by all.
// - failover: from SIGKILL of the leader to the first successful write of a client whose
//   session was on a follower (median of ten; the killed server is restarted between rounds).
// BENCH_QUICK=1: shorter runs, fewer rounds.
import { createClient } from "@warden/client";
import { ProcessEnsemble } from "@warden/testing";

const QUICK = process.env.BENCH_QUICK === "1";
const RUN_MS = QUICK ? 400 : 3000;
const WARMUP_MS = QUICK ? 100 : 500;
const SESSION_COUNTS = [1, 8, 32];
const COLD_STARTS = QUICK ? 2 : 5;
const FAILOVERS = QUICK ? 3 : 10;
const DATA = new Uint8Array(100).fill(120);

const fmt = (n, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const median = (values) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** Keeps the client's server list in the order given (its shuffle draws count-1 numbers first). */
function inOrder(count) {
  let keep = count - 1;
  return () => (keep-- > 0 ? 0.999_999 : Math.random());
}

function clientFor(ensemble, first) {
  const ids = ensemble.servers.map((s) => s.id);
  const order = [...ids.slice(first % ids.length), ...ids.slice(0, first % ids.length)];
  return createClient(ensemble.connectString(order), {
    sessionTimeoutMs: 30_000,
    random: inOrder(order.length),
    reconnectDelayMsMin: 10,
    reconnectDelayMsMax: 200,
  });
}

/** Waits until a leader leads and all servers follow; polls every 10 ms. */
async function leaderOf(ensemble, timeoutMs = 30_000, among = ensemble.servers.map((s) => s.id)) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(among.map((id) => ensemble.state(id)));
    const leaders = among.filter((_, i) => states[i]?.role === "leader");
    if (leaders.length === 1 && states.every((s) => s && s.role !== "looking")) return leaders[0];
    if (Date.now() > deadline) throw new Error(`no leader within ${timeoutMs} ms`);
    await sleep(10);
  }
}

let opCount = 0;
const OPS = {
  create: (c, i, n) => c.create(`/bench/c/s${i}-${n}`, DATA),
  setData: (c, i) => c.setData(`/bench/k/s${i}`, DATA),
  getData: (c, i) => c.getData(`/bench/k/s${i}`),
  "mix 80/20": (c, i, n) => (n % 5 === 4 ? c.setData(`/bench/k/s${i}`, DATA) : c.getData(`/bench/k/s${i}`)),
};

/** Each session runs `op` in a closed loop (one request outstanding) for RUN_MS after a warm-up. */
async function measure(clients, op) {
  const latencies = [];
  let counting = false;
  let stop = false;
  const loops = clients.map(async (c, i) => {
    while (!stop) {
      const t0 = performance.now();
      await op(c, i, opCount++);
      if (counting) latencies.push(performance.now() - t0);
    }
  });
  await sleep(WARMUP_MS);
  counting = true;
  const t0 = performance.now();
  await sleep(RUN_MS);
  counting = false;
  const elapsedMs = performance.now() - t0;
  stop = true;
  await Promise.all(loops);
  latencies.sort((a, b) => a - b);
  return { opsPerSecond: (latencies.length * 1000) / elapsedMs, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

async function throughputTable() {
  const ensemble = await ProcessEnsemble.start({ count: 3 });
  const rows = [];
  try {
    const admin = clientFor(ensemble, 0);
    await admin.connected({ timeoutMs: 10_000 });
    for (const p of ["/bench", "/bench/c", "/bench/k"]) await admin.create(p);
    for (let i = 0; i < Math.max(...SESSION_COUNTS); i++) await admin.create(`/bench/k/s${i}`, DATA);
    await admin.close();
    for (const sessions of SESSION_COUNTS) {
      const clients = Array.from({ length: sessions }, (_, i) => clientFor(ensemble, i));
      await Promise.all(clients.map((c) => c.connected({ timeoutMs: 10_000 })));
      for (const [name, op] of Object.entries(OPS)) {
        const r = await measure(clients, op);
        rows.push({ name, sessions, ...r });
      }
      await Promise.all(clients.map((c) => c.close()));
    }
  } finally {
    await ensemble.stop();
  }
  console.log(`### throughput (3 servers on loopback, ${RUN_MS} ms per cell, 100-byte data)\n`);
  console.log("| operation | sessions | ops/s | p50 ms | p99 ms |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) console.log(`| ${r.name} | ${r.sessions} | ${fmt(r.opsPerSecond)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} |`);
}

async function coldStarts() {
  const times = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const ensemble = await ProcessEnsemble.prepare({ count: 3 });
    try {
      const t0 = Date.now();
      for (const s of ensemble.servers) ensemble.restart(s.id);
      await leaderOf(ensemble);
      times.push(Date.now() - t0);
    } finally {
      await ensemble.stop();
    }
  }
  return times;
}

/** SIGKILL the leader; time until a client that was on a follower has a write acknowledged. */
async function failovers() {
  const ensemble = await ProcessEnsemble.start({ count: 3 });
  const times = [];
  try {
    for (let round = 0; round < FAILOVERS; round++) {
      const leader = await leaderOf(ensemble);
      const follower = ensemble.servers.find((s) => s.id !== leader).id;
      const client = clientFor(ensemble, follower - 1);
      await client.connected({ timeoutMs: 10_000 });
      await client.create(`/failover-${round}`);
      const t0 = performance.now();
      await ensemble.kill(leader);
      for (;;) {
        try {
          await client.setData(`/failover-${round}`, DATA, -1, { timeoutMs: 2000 });
          break;
        } catch {
          await sleep(1);
        }
      }
      times.push(performance.now() - t0);
      await client.close();
      ensemble.restart(leader);
      await leaderOf(ensemble);
      await sleep(QUICK ? 200 : 1000);
    }
  } finally {
    await ensemble.stop();
  }
  return times;
}

await throughputTable();
const cold = await coldStarts();
const fail = await failovers();
console.log("\n### election and failover (default settings: tickTime 2000, syncLimit 5)\n");
console.log("| measure | median | all runs |");
console.log("| --- | ---: | --- |");
console.log(
  `| cold start: spawn of 3 servers to an established leader | ${fmt(median(cold))} ms | ${cold.map((t) => fmt(t)).join(", ")} |`,
);
console.log(
  `| SIGKILL of the leader to the first acknowledged write (${fail.length} runs) | ${fmt(median(fail))} ms | ${fail.map((t) => fmt(t)).join(", ")} |`,
);
