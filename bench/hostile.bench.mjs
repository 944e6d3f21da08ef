// The server's memory under clients that try to make it hold more than it should: each load
// of the field report, against one real server process (`warden server`), its RSS sampled
// from /proc every 20 ms. The bound a load must stay under is stated with it; the figures are
// printed as a table (and the run fails if a bound is passed or the server dies).
//   npm run bench -- hostile        (BENCH_QUICK=1 for a smoke run)
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { ServerProcess } from "../packages/testing/dist/index.js";
import { NativeCodec, jute } from "../packages/protocol/dist/index.js";

const QUICK = process.env.BENCH_QUICK === "1";
const MIB = 1024 * 1024;
const NODE_BYTES = 0xfffff - 64;
const CONNECTIONS = QUICK ? 4 : 20;
const HOLD_MS = QUICK ? 1000 : 4000;
const SOFT = 4 * MIB;

const rssMib = async (pid) => {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `load` while sampling the server's RSS; the peak and the settled value after. */
async function measure(server, load) {
  const before = await rssMib(server.pid);
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssMib(server.pid));
      await sleep(20);
    }
  })();
  const cleanup = await load();
  await sleep(HOLD_MS);
  sampling = false;
  await sampler;
  await cleanup?.();
  return { before, peak };
}

function zkConnection(port, { handshake = true } = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      if (handshake)
        socket.write(
          jute.encodeConnectRequest({
            protocolVersion: 0,
            lastZxidSeen: 0n,
            timeoutMs: 30_000,
            sessionId: 0n,
            password: new Uint8Array(16),
            readOnly: false,
          }),
        );
      resolve(socket);
    });
    socket.on("error", () => undefined);
    socket.once("error", reject);
  });
}

async function nativeConnection(port, codec) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, maxPayload: 64 * MIB });
  ws.on("error", () => undefined);
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  const connected = new Promise((resolve) => ws.once("message", resolve));
  ws.send(
    codec.encodeClientFrame({
      kind: "connect",
      request: { protocolVersion: 0, lastZxidSeen: 0n, timeoutMs: 30_000, sessionId: 0n, password: new Uint8Array(16), readOnly: false },
    }),
  );
  await connected;
  return ws;
}

const dataDir = await mkdtemp(join(tmpdir(), "warden-bench-hostile-"));
const server = await ServerProcess.start({ dataDir, settings: { maxClientCnxns: "0" } });
const codec = new NativeCodec({ frameBytesMax: 64 * MIB, dataBytesMax: 32 * MIB });
const rows = [];
try {
  // The node every load reads: just under jute.maxbuffer.
  const setup = await nativeConnection(server.ports.native, codec);
  setup.send(
    codec.encodeClientFrame({
      kind: "request",
      xid: 1,
      request: {
        type: "create",
        path: "/big",
        data: new Uint8Array(NODE_BYTES).fill(7),
        acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
        mode: 0,
      },
    }),
  );
  await new Promise((resolve) => setup.once("message", resolve));
  const loads = [
    {
      name: `${CONNECTIONS} ZooKeeper clients each send 400 getData of a 1 MiB node and never read`,
      bound: (n) => (n * (SOFT + 2 * MIB)) / MIB + 64,
      run: async () => {
        const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, () => zkConnection(server.ports.client)));
        for (const s of sockets) {
          s.pause();
          s.write(
            Buffer.concat(
              Array.from({ length: 400 }, (_, i) =>
                jute.encodeRequest({ xid: i + 1, request: { type: "getData", path: "/big", watch: false } }),
              ),
            ),
          );
        }
        return () => sockets.forEach((s) => s.destroy());
      },
    },
    {
      name: `${CONNECTIONS} native clients each send 400 getData of a 1 MiB node and never read`,
      bound: (n) => (n * (SOFT + 2 * MIB)) / MIB + 64,
      run: async () => {
        const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, () => nativeConnection(server.ports.native, codec)));
        for (const ws of sockets) {
          ws.pause();
          for (let xid = 1; xid <= 400; xid++)
            ws.send(codec.encodeClientFrame({ kind: "request", xid, request: { type: "getData", path: "/big", watch: false } }));
        }
        return () => sockets.forEach((ws) => ws.terminate());
      },
    },
    {
      name: `${CONNECTIONS} ZooKeeper clients each send a 9 KB multiRead naming the 1 MiB node 400 times, 20 times`,
      bound: () => 64,
      run: async () => {
        const multi = jute.encodeRequest({
          xid: 1,
          request: { type: "multiRead", ops: Array.from({ length: 400 }, () => ({ type: "getData", path: "/big", watch: false })) },
        });
        for (let round = 0; round < 20; round++) {
          const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, () => zkConnection(server.ports.client)));
          for (const s of sockets) s.write(multi);
          await Promise.all(
            sockets.map((s) => new Promise((resolve) => (s.once("close", resolve), setTimeout(() => (s.destroy(), resolve()), 2000)))),
          );
        }
      },
    },
    {
      name: `${CONNECTIONS} native clients each send a multiRead naming the 1 MiB node 400 times, 20 times each`,
      bound: () => 64,
      run: async () => {
        const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, () => nativeConnection(server.ports.native, codec)));
        const multi = (xid) =>
          codec.encodeClientFrame({
            kind: "request",
            xid,
            request: { type: "multiRead", ops: Array.from({ length: 400 }, () => ({ type: "getData", path: "/big", watch: false })) },
          });
        await Promise.all(
          sockets.map(async (ws) => {
            for (let xid = 1; xid <= 20; xid++) {
              const answered = new Promise((resolve) => ws.once("message", resolve));
              ws.send(multi(xid));
              await answered;
            }
          }),
        );
        return () => sockets.forEach((ws) => ws.terminate());
      },
    },
    {
      name: `${CONNECTIONS} connections each write 5,000 ConnectRequests at once`,
      bound: () => 64,
      run: async () => {
        const burst = Buffer.concat(
          Array.from({ length: 5000 }, () =>
            jute.encodeConnectRequest({
              protocolVersion: 0,
              lastZxidSeen: 0n,
              timeoutMs: 30_000,
              sessionId: 0n,
              password: new Uint8Array(16),
              readOnly: false,
            }),
          ),
        );
        const sockets = await Promise.all(
          Array.from({ length: CONNECTIONS }, () => zkConnection(server.ports.client, { handshake: false })),
        );
        for (const s of sockets) s.write(burst);
        return () => sockets.forEach((s) => s.destroy());
      },
    },
    {
      name: "150 connections each hold a partial 1.1 MB first frame",
      bound: () => 64,
      run: async () => {
        const header = Buffer.alloc(4);
        header.writeInt32BE(1_100_000);
        const sockets = await Promise.all(
          Array.from({ length: 150 }, () => zkConnection(server.ports.client, { handshake: false }).catch(() => undefined)),
        );
        for (const s of sockets) s?.write(Buffer.concat([header, Buffer.alloc(500_000)]));
        return () => sockets.forEach((s) => s?.destroy());
      },
    },
  ];
  for (const load of loads) {
    const { before, peak } = await measure(server, load.run);
    const grew = peak - before;
    const bound = load.bound(CONNECTIONS);
    rows.push({ name: load.name, before, peak, grew, bound, ok: grew <= bound });
    process.stderr.write(`${load.name}: +${grew.toFixed(0)} MiB (bound ${bound.toFixed(0)})\n`);
    await sleep(500);
  }
  setup.terminate();
  // The server is alive and serves a new client after all of it.
  const after = await nativeConnection(server.ports.native, codec);
  after.send(codec.encodeClientFrame({ kind: "request", xid: 1, request: { type: "exists", path: "/big", watch: false } }));
  await new Promise(
    (resolve, reject) => (
      after.once("message", resolve), setTimeout(() => reject(new Error("the server did not answer after the loads")), 5000)
    ),
  );
  after.terminate();
  console.log(
    `One server process (\`warden server\`, defaults: clientOutputBytesSoft 4 MiB, clientOutputBytesMax 32 MiB), a node of ${NODE_BYTES} bytes;`,
  );
  console.log(`server RSS from /proc every 20 ms while each load runs and for ${HOLD_MS} ms after${QUICK ? " (BENCH_QUICK)" : ""}.\n`);
  console.log("| load | RSS before MiB | peak MiB | grew MiB | bound MiB | within |");
  console.log("| --- | ---: | ---: | ---: | ---: | :---: |");
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.before.toFixed(0)} | ${r.peak.toFixed(0)} | ${r.grew.toFixed(0)} | ${r.bound.toFixed(0)} | ${r.ok ? "yes" : "**no**"} |`,
    );
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
} finally {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
