// The data tree alone, in one process: creates/s (prepare + apply), getData/s (read with
// the ACL check), setData/s (prepare + apply), and heap bytes per znode after a full GC,
// for znodes with 100-byte data and ~40-character paths. BENCH_QUICK=1: 100,000 znodes.
import { DataTree, Preparer } from "@warden/tree";
import { OPEN_ACL_UNSAFE } from "@warden/protocol";

const N = process.env.BENCH_QUICK === "1" ? 100_000 : 1_000_000;
const GROUPS = 1000;
const DATA = new Uint8Array(100).map((_, i) => i);
const ACL = [...OPEN_ACL_UNSAFE];
const ctxBase = { sessionId: 1n, identities: [] };

const pathOf = (i) => `/benchmark/group-${String(i % GROUPS).padStart(4, "0")}/node-${String(i).padStart(12, "0")}`;

function heapBytes() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function time(label, count, fn) {
  const t0 = process.hrtime.bigint();
  fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { label, count, s, rate: count / s };
}

const before = heapBytes();
const tree = new DataTree();
const prep = new Preparer(tree);
let zxid = 0n;
const write = (request) => {
  const txn = prep.prepare(request, { ...ctxBase, zxid: ++zxid, timeMs: 1_700_000_000_000 });
  const out = tree.apply(txn);
  if (out.err !== 0) throw new Error(`write failed: ${out.err}`);
  prep.applied(txn.zxid);
};
write({ type: "create", path: "/benchmark", data: new Uint8Array(0), acl: ACL, mode: 0 });
for (let g = 0; g < GROUPS; g++) write({ type: "create", path: `/benchmark/group-${String(g).padStart(4, "0")}`, data: new Uint8Array(0), acl: ACL, mode: 0 });

const rows = [];
rows.push(time("create (prepare + apply)", N, () => {
  for (let i = 0; i < N; i++) write({ type: "create", path: pathOf(i), data: DATA, acl: ACL, mode: 0 });
}));
const after = heapBytes();
const pathChars = pathOf(0).length;

let sink = 0;
const readCtx = { sessionId: 1n, identities: [] };
rows.push(time("getData (read with ACL check, random over all)", N, () => {
  for (let i = 0; i < N; i++) sink += tree.read({ type: "getData", path: pathOf((i * 7919) % N), watch: false }, readCtx).data.length;
}));
rows.push(time("getData (tree.getData)", N, () => {
  for (let i = 0; i < N; i++) sink += tree.getData(pathOf((i * 7919) % N)).stat.dataLength;
}));
const HOT = 1000;
rows.push(time(`getData (read, hot set of ${HOT} znodes)`, N, () => {
  for (let i = 0; i < N; i++) sink += tree.read({ type: "getData", path: pathOf((i * 7919) % HOT), watch: false }, readCtx).data.length;
}));
rows.push(time("setData (prepare + apply)", N, () => {
  for (let i = 0; i < N; i++) write({ type: "setData", path: pathOf((i * 7919) % N), data: DATA, version: -1 });
}));
if (sink === 0) throw new Error("reads returned nothing");

const perNode = (after - before) / N;
console.log(`znodes: ${N.toLocaleString("en-US")} (+${GROUPS + 1} parents), data 100 bytes, path ${pathChars} chars, node ${process.version}\n`);
console.log("| measure | value |");
console.log("|---|---|");
for (const r of rows) console.log(`| ${r.label} | ${Math.round(r.rate).toLocaleString("en-US")} ops/s |`);
console.log(`| heap per znode (heapUsed + arrayBuffers) | ${perNode.toFixed(0)} bytes |`);
console.log(`| overhead per znode beyond path and data | ${(perNode - pathChars - 100).toFixed(0)} bytes |`);
