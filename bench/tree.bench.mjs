// The data tree alone, in one process: creates/s (prepare + apply), getData/s (read with
// the ACL check), setData/s (prepare + apply), and heap bytes per znode after a full GC,
// for znodes with 100-byte data and ~40-character paths. BENCH_QUICK=1: 100,000 znodes.
// Then the whole tree's snapshot written (serializeSnapshot) and loaded (loadSnapshotSync) in
// memory, and written to a file as a server writes it (transient chunks, Storage.writeSnapshot:
// the CPU figure counts the process's every thread), in znodes/s. Then the watch table's heap
// bytes per watch after a full GC: 100,000 znodes watched by 2 sessions each (getData with
// watch), and 200,000 distinct missing paths watched by 1 session each (exists with watch: the
// table holds the only copy of the path).
//
// Honest paths: a server decodes a new string for every request, so each timed request
// gets its own path string, decoded from bytes (TextDecoder, as a wire decoder does: a
// flat string whose hash V8 has not computed yet) and used once. The strings are built
// before the clock starts (building them is the decoder's cost, not the tree's), in the
// order the requests come: random over all znodes (a fixed stride that visits each once).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Storage } from "@warden/storage";
import { DataTree, Preparer, loadSnapshotSync, serializeSnapshot } from "@warden/tree";
import { OPEN_ACL_UNSAFE } from "@warden/protocol";

const N = process.env.BENCH_QUICK === "1" ? 100_000 : 1_000_000;
const GROUPS = 1000;
const STRIDE = 7919; // prime, coprime with N: i * STRIDE % N visits every znode once
const DATA = new Uint8Array(100).map((_, i) => i);
const ACL = [...OPEN_ACL_UNSAFE];
const identities = [];

const pathOf = (i) => `/benchmark/group-${String(i % GROUPS).padStart(4, "0")}/node-${String(i).padStart(12, "0")}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** `count` request paths as a server would receive them: decoded from bytes, one new string each. */
function wirePaths(count, indexOf) {
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = decoder.decode(encoder.encode(pathOf(indexOf(i))));
  return out;
}

function heapBytes() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Runs `fn(paths)` on freshly decoded paths; the clocks cover `fn` only. Two rates: per
 * second of wall time (what the aims are stated in), and per second of CPU time of the
 * whole process (every thread, GC helpers included), which other load on a shared box
 * disturbs much less.
 */
function time(label, indexOf, fn) {
  let paths = wirePaths(N, indexOf);
  globalThis.gc();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn(paths);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  paths = undefined;
  return { label, rate: N / s, cpuRate: N / ((cpu.user + cpu.system) / 1e6) };
}

const before = heapBytes();
const tree = new DataTree();
const prep = new Preparer(tree);
let zxid = 0n;
const write = (request) => {
  // A context literal per request, as the server's pipeline builds it (core/node.ts).
  const txn = prep.prepare(request, { sessionId: 1n, identities, superuser: false, zxid: ++zxid, timeMs: 1_700_000_000_000 });
  const out = tree.apply(txn);
  if (out.err !== 0) throw new Error(`write failed: ${out.err}`);
  prep.applied(txn.zxid);
};
write({ type: "create", path: "/benchmark", data: new Uint8Array(0), acl: ACL, mode: 0 });
for (let g = 0; g < GROUPS; g++)
  write({ type: "create", path: `/benchmark/group-${String(g).padStart(4, "0")}`, data: new Uint8Array(0), acl: ACL, mode: 0 });

const rows = [];
rows.push(
  time(
    "create (prepare + apply)",
    (i) => i,
    (paths) => {
      for (let i = 0; i < N; i++) write({ type: "create", path: paths[i], data: DATA, acl: ACL, mode: 0 });
    },
  ),
);
const after = heapBytes();
const pathChars = pathOf(0).length;

let sink = 0;
const readCtx = { sessionId: 1n, identities: [] };
const random = (i) => (i * STRIDE) % N;
rows.push(
  time("getData (read with ACL check, random over all)", random, (paths) => {
    for (let i = 0; i < N; i++) sink += tree.read({ type: "getData", path: paths[i], watch: false }, readCtx).data.length;
  }),
);
rows.push(
  time("getData (tree.getData, random over all)", random, (paths) => {
    for (let i = 0; i < N; i++) sink += tree.getData(paths[i]).stat.dataLength;
  }),
);
const HOT = 1000;
rows.push(
  time(
    `getData (read, hot set of ${HOT} znodes)`,
    (i) => (i * STRIDE) % HOT,
    (paths) => {
      for (let i = 0; i < N; i++) sink += tree.read({ type: "getData", path: paths[i], watch: false }, readCtx).data.length;
    },
  ),
);
rows.push(
  time("setData (prepare + apply, random over all)", random, (paths) => {
    for (let i = 0; i < N; i++) write({ type: "setData", path: paths[i], data: DATA, version: -1 });
  }),
);
if (sink === 0) throw new Error("reads returned nothing");

/** `fn()` (awaited) once over the whole tree, as `time` reports it, with N znodes as the count. */
async function timeWhole(label, fn) {
  globalThis.gc();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const out = await fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { row: { label, rate: N / s, cpuRate: N / ((cpu.user + cpu.system) / 1e6), unit: "znodes/s" }, out };
}
const written = await timeWhole("snapshot write (serializeSnapshot)", () => [...serializeSnapshot(tree)]);
rows.push(written.row);
const reloaded = await timeWhole("snapshot load (loadSnapshotSync)", () => loadSnapshotSync(written.out));
rows.push(reloaded.row);
if (reloaded.out.nodeCount !== tree.nodeCount) throw new Error("the snapshot loaded a different tree");
written.out = reloaded.out = undefined;

// As a server writes one: transient chunks into a file (Storage.writeSnapshot), median of 3.
const snapshotDir = mkdtempSync(join(tmpdir(), "warden-tree-bench-"));
const storage = await Storage.open(snapshotDir);
const toFile = [];
for (let r = 1; r <= 3; r++) {
  const label = "snapshot written to a file (transient chunks, as a server)";
  toFile.push((await timeWhole(label, () => storage.writeSnapshot(BigInt(r), serializeSnapshot(tree, { transient: true })))).row);
}
await storage.close();
rmSync(snapshotDir, { recursive: true, force: true });
rows.push(toFile.sort((a, b) => a.rate - b.rate)[1]);

// Watches, registered the way a server does (read() with watch=true, a path decoded from the
// wire for every request), measured after every timed row so no trigger costs them.
const WATCHED = 100_000;
const MISSING = 200_000;
const wirePath = (path) => decoder.decode(encoder.encode(path));
const missingOf = (i) => `/benchmark/group-${String(i % GROUPS).padStart(4, "0")}/gone-${String(i).padStart(12, "0")}`;
function watchHeap(label, count, register) {
  const sessions = [];
  const w0 = heapBytes();
  register(sessions);
  const w1 = heapBytes();
  const { watches } = tree.watches.counts;
  if (watches !== count) throw new Error(`${label}: ${watches} watches registered, ${count} expected`);
  for (const s of sessions) tree.watches.removeSession(s);
  if (!tree.watches.isEmpty) throw new Error(`${label}: watches left after removeSession`);
  return { label, perWatch: (w1 - w0) / count };
}
const watchRows = [
  watchHeap(`${WATCHED.toLocaleString("en-US")} znodes × 2 sessions (getData watch)`, 2 * WATCHED, (sessions) => {
    for (const sessionId of [101n, 102n]) {
      sessions.push(sessionId);
      const ctx = { sessionId, identities: [] };
      for (let i = 0; i < WATCHED; i++) tree.read({ type: "getData", path: wirePath(pathOf(i)), watch: true }, ctx);
    }
  }),
  watchHeap(`${MISSING.toLocaleString("en-US")} missing paths × 1 session (exists watch)`, MISSING, (sessions) => {
    sessions.push(103n);
    const ctx = { sessionId: 103n, identities: [] };
    for (let i = 0; i < MISSING; i++) {
      try {
        tree.read({ type: "exists", path: wirePath(missingOf(i)), watch: true }, ctx);
        throw new Error(`${missingOf(i)} exists`);
      } catch (e) {
        if (e.zkCode !== -101) throw e; // exists on a missing node answers NoNode and leaves the watch
      }
    }
  }),
];

const perNode = (after - before) / N;
console.log(
  `znodes: ${N.toLocaleString("en-US")} (+${GROUPS + 1} parents), data 100 bytes, path ${pathChars} chars, node ${process.version}\n`,
);
const fmt = (n) => Math.round(n).toLocaleString("en-US");
console.log("| measure | value | per CPU-second |");
console.log("|---|---|---|");
for (const r of rows) console.log(`| ${r.label} | ${fmt(r.rate)} ${r.unit ?? "ops/s"} | ${fmt(r.cpuRate)} |`);
console.log(`| heap per znode (heapUsed + arrayBuffers) | ${perNode.toFixed(0)} bytes | |`);
console.log(`| overhead per znode beyond path and data | ${(perNode - pathChars - 100).toFixed(0)} bytes | |`);
for (const r of watchRows) console.log(`| heap per watch: ${r.label} | ${r.perWatch.toFixed(0)} bytes | |`);
