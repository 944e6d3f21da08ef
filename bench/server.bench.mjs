// End-to-end figures for one standalone server: a real server process (`warden server`),
// client sessions in this process over the native protocol. Each session runs a closed loop
// (one request outstanding at a time) for a fixed time; we report ops/s over all sessions
// and the p50/p99 latency of single requests. 100-byte data. BENCH_QUICK=1 for a smoke run.
//   npm run bench -- server        (or: npx tsc -b && node bench/server.bench.mjs)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { ServerProcess } from "../packages/testing/dist/index.js";
import { createClient } from "../packages/client/dist/index.js";

const QUICK = process.env.BENCH_QUICK === "1";
const DURATION_MS = QUICK ? 500 : 3000;
const WARMUP_MS = QUICK ? 100 : 500;
const SESSION_COUNTS = [1, 8, 32];
const DATA = new Uint8Array(100).fill(0x61);

const OPS = {
  create: (c, s, k) => c.create(`/bench/c-${s}-${k}`, DATA),
  setData: (c, s) => c.setData(`/bench/n-${s}`, DATA),
  getData: (c, s) => c.getData(`/bench/n-${s}`),
  // 80/20 read/write: every fifth request of a session is a write.
  "mix 80/20": (c, s, k) => (k % 5 === 4 ? c.setData(`/bench/n-${s}`, DATA) : c.getData(`/bench/n-${s}`)),
};

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Every session loops on `op` until the deadline; returns ops/s and latencies (ms). */
async function runCell(clients, op, tag, durationMs) {
  const latencies = [];
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  let count = 0;
  await Promise.all(
    clients.map(async (c, s) => {
      for (let k = 0; performance.now() < deadline; k++) {
        const t0 = performance.now();
        await op(c, `${tag}${s}`, k);
        latencies.push(performance.now() - t0);
        count++;
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { opsPerSec: (count * 1000) / elapsedMs, p50: percentile(latencies, 50), p99: percentile(latencies, 99), count };
}

const dataDir = await mkdtemp(join(tmpdir(), "warden-bench-"));
const server = await ServerProcess.start({ dataDir, settings: { maxClientCnxns: "0" } });
const clients = [];
try {
  for (let i = 0; i < Math.max(...SESSION_COUNTS); i++) clients.push(createClient(server.connectString, { sessionTimeoutMs: 30_000 }));
  await Promise.all(clients.map((c) => c.connected({ timeoutMs: 10_000 })));
  const admin = clients[0];
  await admin.create("/bench");
  const rows = [];
  let cell = 0;
  for (const [name, op] of Object.entries(OPS)) {
    for (const n of SESSION_COUNTS) {
      const tag = `r${cell++}-`;
      const used = clients.slice(0, n);
      // Nodes the session reads and writes, then a warm-up that is not counted.
      await Promise.all(used.map((c, s) => c.create(`/bench/n-${tag}${s}`, DATA)));
      await runCell(used, op, `${tag}`, WARMUP_MS).catch((e) => {
        throw new Error(`warm-up of ${name} x${n}: ${e.message}`);
      });
      // create needs fresh names after the warm-up.
      const r = await runCell(used, name === "create" ? (c, s, k) => op(c, `${s}-m`, k) : op, tag, DURATION_MS);
      rows.push({ name, n, ...r });
      process.stderr.write(`${name} x${n}: ${Math.round(r.opsPerSec)} ops/s\n`);
    }
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `One standalone server process (\`warden server\`, fsync per group commit), ${SESSION_COUNTS.join("/")} sessions in one client process,`,
  );
  console.log(
    `closed loop (one request outstanding per session), 100-byte data, ${DURATION_MS} ms per cell after ${WARMUP_MS} ms warm-up;`,
  );
  console.log(`${cpus().length} CPUs (${cpu}), Node ${process.version}${QUICK ? ", BENCH_QUICK" : ""}.\n`);
  console.log("| op | sessions | ops/s | p50 ms | p99 ms |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows)
    console.log(`| ${r.name} | ${r.n} | ${Math.round(r.opsPerSec).toLocaleString("en-US")} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
} finally {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
