// What TLS between servers (sslQuorum) costs. First the link alone: two peer transports in
// this process (ensemble secret on, so frames are MAC'd in both), one sending frames of a size
// to the other as fast as it takes them, plain TCP and then TLS. Then writes: a three-server ensemble of real processes
// on loopback (ensembleSecretFile set, so the frame MACs run in both), once in plain TCP and once
// with sslQuorum=true (certificates from openssl, P-256, TLSv1.3), alternated `ROUNDS` times so
// that the machine's drift hits both. Clients use the native protocol, one request outstanding
// per session, sessions spread over the three servers; every write goes through the leader and
// is replicated to both followers. BENCH_QUICK=1: shorter runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { createClient } from "@warden/client";
import { ProcessEnsemble, makeTestCa } from "@warden/testing";
import { PeerTransport } from "../packages/server/dist/peer/transport.js";
import { PeerTls } from "../packages/server/dist/peer/peer-tls.js";

const QUICK = process.env.BENCH_QUICK === "1";
const RUN_MS = QUICK ? 500 : 3000;
const WARMUP_MS = QUICK ? 100 : 500;
const ROUNDS = QUICK ? 1 : 3;
const CELLS = [
  { sessions: 1, bytes: 100 },
  { sessions: 32, bytes: 100 },
  { sessions: 32, bytes: 4096 },
];

const fmt = (n, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const median = (values) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** setData in a closed loop per session for RUN_MS after a warm-up: ops/s and p50/p99. */
async function measure(clients, data) {
  const latencies = [];
  let counting = false;
  let stop = false;
  const loops = clients.map(async (c, i) => {
    while (!stop) {
      const t0 = performance.now();
      await c.setData(`/bench/s${i}`, data);
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

const LINK_MS = QUICK ? 300 : 2000;
const LINK_SIZES = [200, 4096, 65536];
const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** Frames per second from transport 1 to transport 2, with at most `window` frames not yet received. */
async function linkRate(tls, size, window = 2000) {
  const peers = [
    { id: 1, host: "127.0.0.1", port: await freePort() },
    { id: 2, host: "127.0.0.1", port: await freePort() },
  ];
  let received = 0;
  const make = (id) =>
    new PeerTransport({
      myId: id,
      listenHost: "127.0.0.1",
      listenPort: peers[id - 1].port,
      peers,
      secret: new TextEncoder().encode("bench-secret"),
      tls,
      frameBytesMax: 1 << 20,
      queueMessagesMax: window,
      onMessage: () => void received++,
      log: () => {},
    });
  const [a, b] = [make(1), make(2)];
  await Promise.all([a.start(), b.start()]);
  try {
    while (!a.connectedPeers().includes(2)) await sleep(5);
    const message = { x: new Uint8Array(size).fill(7) };
    let sent = 0;
    const pump = async (untilMs) => {
      while (performance.now() < untilMs) {
        while (sent - received < window) a.send(2, message), sent++;
        await new Promise((r) => setImmediate(r));
      }
    };
    await pump(performance.now() + LINK_MS / 4);
    const [r0, t0] = [received, performance.now()];
    await pump(t0 + LINK_MS);
    return ((received - r0) * 1000) / (performance.now() - t0);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

async function linkTable(settings) {
  const tls = new PeerTls({ settings, clientHostnameVerification: true }, 5000, () => {});
  console.log(`### one peer link, frames/s (ensemble secret on: MAC'd frames in both; ${LINK_MS} ms per cell, one process, both ends)\n`);
  console.log("| frame | plain frames/s | TLS frames/s | TLS/plain | TLS MiB/s |");
  console.log("| ---: | ---: | ---: | ---: | ---: |");
  for (const size of LINK_SIZES) {
    const [p, t] = [await linkRate(undefined, size), await linkRate(tls, size)];
    console.log(`| ${size} B | ${fmt(p)} | ${fmt(t)} | ${fmt(t / p, 2)} | ${fmt((t * size) / (1 << 20), 1)} |`);
  }
  console.log("");
}

async function run(extraConfig) {
  const ensemble = await ProcessEnsemble.start({ count: 3, extraConfig });
  try {
    const ids = ensemble.servers.map((s) => s.id);
    const clientFor = (i) => createClient(ensemble.nativeAddress(ids[i % ids.length]), { sessionTimeoutMs: 30_000 });
    const admin = clientFor(0);
    await admin.connected({ timeoutMs: 10_000 });
    await admin.create("/bench");
    for (let i = 0; i < 32; i++) await admin.create(`/bench/s${i}`);
    await admin.close();
    const out = [];
    for (const cell of CELLS) {
      const clients = Array.from({ length: cell.sessions }, (_, i) => clientFor(i));
      await Promise.all(clients.map((c) => c.connected({ timeoutMs: 10_000 })));
      out.push({ ...cell, ...(await measure(clients, new Uint8Array(cell.bytes).fill(120))) });
      await Promise.all(clients.map((c) => c.close()));
    }
    return out;
  } finally {
    await ensemble.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), "warden-bench-tls-"));
try {
  const ca = makeTestCa(dir, "bench");
  const cert = ca.issue("server", "/O=Warden bench/CN=server", { server: true });
  const quorumSettings = {
    keyStore: { location: cert.pem, password: "", type: "PEM" },
    trustStore: { location: ca.caCert, password: "", type: "PEM" },
    clientAuth: "need",
    minVersion: "TLSv1.2",
    maxVersion: "TLSv1.3",
    ciphers: undefined,
    hostnameVerification: true,
    reload: false,
  };
  await linkTable(quorumSettings);
  const modes = {
    plain: {},
    sslQuorum: { sslQuorum: "true", "ssl.quorum.keyStore.location": cert.pem, "ssl.quorum.trustStore.location": ca.caCert },
  };
  const results = { plain: [], sslQuorum: [] };
  for (let round = 0; round < ROUNDS; round++) for (const [name, config] of Object.entries(modes)) results[name].push(await run(config));
  console.log(`### setData through a 3-server ensemble, plain TCP vs sslQuorum (median of ${ROUNDS} alternated runs, ${RUN_MS} ms each)\n`);
  console.log("| sessions | data | plain ops/s | TLS ops/s | TLS/plain | plain p50/p99 ms | TLS p50/p99 ms |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  CELLS.forEach((cell, i) => {
    const pick = (name, key) => median(results[name].map((r) => r[i][key]));
    const [p, t] = [pick("plain", "opsPerSecond"), pick("sslQuorum", "opsPerSecond")];
    console.log(
      `| ${cell.sessions} | ${cell.bytes} B | ${fmt(p)} | ${fmt(t)} | ${fmt(t / p, 2)} | ${fmt(pick("plain", "p50"), 2)} / ${fmt(pick("plain", "p99"), 2)} | ${fmt(pick("sslQuorum", "p50"), 2)} / ${fmt(pick("sslQuorum", "p99"), 2)} |`,
    );
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
