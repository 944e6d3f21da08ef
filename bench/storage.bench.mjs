// Storage on this machine's disk: the raw fsync limit, synced appends per second for batches
// of 1, 10, 100 and 1000 100-byte transactions (one append at a time, each awaited), many
// concurrent appends sharing fsyncs (group commit), and snapshot write/load speed for a
// synthetic stream of 1,000,000 ~100-byte records in 1,000-record chunks, and reading back after
// a reopen a log of 130,000 190-byte entries written 100 at a time (a restart's replay after a
// 1M-znode fill).
// BENCH_QUICK=1: shorter runs, 100,000 snapshot records and 13,000 log entries.
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Storage } from "@warden/storage";

const QUICK = process.env.BENCH_QUICK === "1";
const RUN_MS = QUICK ? 300 : 2000;
const FSYNC_SAMPLES = QUICK ? 300 : 2000;
const SNAPSHOT_RECORDS = QUICK ? 100_000 : 1_000_000;
const RECORD_BYTES = 100;
const RECORDS_PER_CHUNK = 1000;
const LOG_READ_ENTRIES = QUICK ? 13_000 : 130_000;
const LOG_READ_ENTRY_BYTES = 190;
const LOG_READ_WRITE_ENTRIES = 100;
const CONCURRENT_CALLERS = 64;
const TXN = new Uint8Array(RECORD_BYTES).map((_, i) => (i * 31) & 0xff);

const root = await mkdtemp(join(tmpdir(), "warden-storage-bench-"));
let dirCount = 0;
const freshDir = () => join(root, `s${++dirCount}`);
const rows = [];
const row = (measure, value, note = "") => rows.push({ measure, value, note });
const fmt = (n, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function openProbe() {
  const fd = openSync(join(root, "fsync-probe"), "w");
  const block = new Uint8Array(1024).fill(7);
  return {
    sampleMs() {
      const t0 = process.hrtime.bigint();
      writeSync(fd, block);
      fsyncSync(fd);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    },
    close: () => closeSync(fd),
  };
}

// Batch size 1 against the disk's limit: raw fsyncs and appends alternate, so that both see
// the same load from whatever else runs on the machine.
async function batchOneAgainstFsync() {
  const storage = await Storage.open(freshDir());
  const probe = openProbe();
  try {
    const fsyncMs = [];
    const appendMs = [];
    for (let zxid = 1n; zxid <= BigInt(FSYNC_SAMPLES); zxid++) {
      fsyncMs.push(probe.sampleMs());
      const t0 = performance.now();
      await storage.append([{ zxid, data: TXN }]);
      appendMs.push(performance.now() - t0);
    }
    const appendSeconds = appendMs.reduce((a, b) => a + b, 0) / 1000;
    return { fsyncMedianMs: median(fsyncMs), appendMedianMs: median(appendMs), appendsPerSecond: FSYNC_SAMPLES / appendSeconds };
  } finally {
    probe.close();
    await storage.close();
  }
}

const batchOf = (first, size) => Array.from({ length: size }, (_, i) => ({ zxid: first + BigInt(i), data: TXN }));

async function serialAppends(batchSize) {
  const storage = await Storage.open(freshDir());
  try {
    let zxid = 1n;
    let appends = 0;
    const latencies = [];
    const t0 = performance.now();
    while (performance.now() - t0 < RUN_MS) {
      const batch = batchOf(zxid, batchSize);
      zxid += BigInt(batchSize);
      const start = performance.now();
      await storage.append(batch);
      latencies.push(performance.now() - start);
      appends++;
    }
    const seconds = (performance.now() - t0) / 1000;
    return { appendsPerSecond: appends / seconds, txnsPerSecond: (appends * batchSize) / seconds, medianMs: median(latencies) };
  } finally {
    await storage.close();
  }
}

async function concurrentAppends(callers) {
  const storage = await Storage.open(freshDir());
  try {
    let zxid = 1n;
    let done = 0;
    const t0 = performance.now();
    const caller = async () => {
      while (performance.now() - t0 < RUN_MS) {
        const batch = batchOf(zxid, 1);
        zxid += 1n;
        await storage.append(batch);
        done++;
      }
    };
    await Promise.all(Array.from({ length: callers }, caller));
    const seconds = (performance.now() - t0) / 1000;
    return { txnsPerSecond: done / seconds, txnsPerFsync: storage.stats.entriesWritten / storage.stats.syncedWrites };
  } finally {
    await storage.close();
  }
}

function* syntheticSnapshot(records) {
  for (let first = 0; first < records; first += RECORDS_PER_CHUNK) {
    const count = Math.min(RECORDS_PER_CHUNK, records - first);
    const chunk = new Uint8Array(count * RECORD_BYTES);
    const view = new DataView(chunk.buffer);
    for (let r = 0; r < count; r++) {
      chunk.set(TXN, r * RECORD_BYTES);
      view.setUint32(r * RECORD_BYTES, first + r);
    }
    yield chunk;
  }
}

async function snapshotRoundTrip() {
  const storage = await Storage.open(freshDir());
  try {
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      heapPeak = Math.max(heapPeak, m.heapUsed + m.arrayBuffers);
    }, 5);
    const w0 = performance.now();
    const written = await storage.writeSnapshot(1n, syntheticSnapshot(SNAPSHOT_RECORDS));
    const writeSeconds = (performance.now() - w0) / 1000;
    clearInterval(sampler);
    const l0 = performance.now();
    const loaded = await storage.loadNewestSnapshot(async (snapshot) => {
      let bytes = 0;
      for await (const chunk of snapshot.chunks) bytes += chunk.length;
      return bytes;
    });
    const loadSeconds = (performance.now() - l0) / 1000;
    if (loaded.snapshot?.value !== written.dataBytes) throw new Error("snapshot load returned a different byte count");
    const mb = written.dataBytes / 1e6;
    return {
      mb,
      writeMBps: mb / writeSeconds,
      loadMBps: mb / loadSeconds,
      writeSeconds,
      loadSeconds,
      heapGrowthMB: (heapPeak - heapBefore) / 1e6,
    };
  } finally {
    await storage.close();
  }
}

async function logReadAfterReopen() {
  const dir = freshDir();
  const storage = await Storage.open(dir, { forceSync: false });
  const data = new Uint8Array(LOG_READ_ENTRY_BYTES).fill(5);
  for (let first = 1; first <= LOG_READ_ENTRIES; first += LOG_READ_WRITE_ENTRIES) {
    const count = Math.min(LOG_READ_WRITE_ENTRIES, LOG_READ_ENTRIES - first + 1);
    await storage.append(Array.from({ length: count }, (_, i) => ({ zxid: BigInt(first + i), data })));
  }
  await storage.close();
  const runs = [];
  for (let run = 0; run < 3; run++) {
    const reopened = await Storage.open(dir);
    try {
      const t0 = performance.now();
      let entries = 0;
      for await (const entry of reopened.readLog(0n)) entries += entry.data.length === LOG_READ_ENTRY_BYTES ? 1 : 0;
      if (entries !== LOG_READ_ENTRIES) throw new Error(`read ${entries} entries of ${LOG_READ_ENTRIES}`);
      runs.push((performance.now() - t0) / 1000);
    } finally {
      await reopened.close();
    }
  }
  return { seconds: median(runs), entriesPerSecond: LOG_READ_ENTRIES / median(runs) };
}

try {
  const one = await batchOneAgainstFsync();
  const fsyncRate = 1000 / one.fsyncMedianMs;
  row(
    "raw fsync, 1 KB write + fsync (median)",
    `${fmt(one.fsyncMedianMs * 1000)} µs`,
    `${fmt(fsyncRate)} fsyncs/s: the limit for batch size 1`,
  );
  row(
    `synced appends, batch 1 × ${RECORD_BYTES} B (alternating with the fsync probe)`,
    `${fmt(one.appendsPerSecond)} appends/s`,
    `median ${fmt(one.appendMedianMs * 1000)} µs: ${fmt((100 * one.fsyncMedianMs) / one.appendMedianMs)}% of the raw fsync rate`,
  );
  for (const size of [1, 10, 100, 1000]) {
    const r = await serialAppends(size);
    row(
      `synced appends, batch ${size} × ${RECORD_BYTES} B`,
      `${fmt(r.appendsPerSecond)} appends/s, ${fmt(r.txnsPerSecond)} txns/s`,
      `median ${fmt(r.medianMs * 1000)} µs per append`,
    );
  }
  const c = await concurrentAppends(CONCURRENT_CALLERS);
  row(
    `group commit, ${CONCURRENT_CALLERS} concurrent callers × batch 1`,
    `${fmt(c.txnsPerSecond)} txns/s`,
    `${fmt(c.txnsPerFsync, 1)} txns per fsync`,
  );
  const s = await snapshotRoundTrip();
  const records = fmt(SNAPSHOT_RECORDS);
  row(
    `snapshot write, ${records} records (${fmt(s.mb)} MB)`,
    `${fmt(s.writeMBps)} MB/s`,
    `${fmt(s.writeSeconds, 2)} s incl. fsync; heap growth ${fmt(s.heapGrowthMB, 1)} MB`,
  );
  row(`snapshot load + verify, ${records} records`, `${fmt(s.loadMBps)} MB/s`, `${fmt(s.loadSeconds, 2)} s (file in page cache)`);
  const r = await logReadAfterReopen();
  row(
    `log read after a reopen, ${fmt(LOG_READ_ENTRIES)} entries × ${LOG_READ_ENTRY_BYTES} B written ${LOG_READ_WRITE_ENTRIES} at a time`,
    `${fmt(r.entriesPerSecond)} entries/s`,
    `${fmt(r.seconds, 3)} s, median of 3`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}

console.log("| measure | value | note |");
console.log("| --- | --- | --- |");
for (const r of rows) console.log(`| ${r.measure} | ${r.value} | ${r.note} |`);
