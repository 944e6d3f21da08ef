// What protecting the peer frames costs (packages/server/src/peer/frame-mac.ts): frames sealed
// per second and opened (checked) per second, on one core, for typical frame sizes: 200 B (a
// vote, an ack, a touch), 4 KiB (a small append or batch of forwards) and 64 KiB (a full
// append). A frame of server messages is one whole batch: one MAC per frame, not per message.
// For comparison, AES-256-GCM over the same payload (what confidentiality would add).
//   npm run bench -- peer-mac      (or: npx tsc -b && node bench/peer-mac.bench.mjs)
import { createCipheriv, randomBytes } from "node:crypto";
import { FrameOpener, FrameSealer } from "../packages/server/dist/peer/frame-mac.js";

const QUICK = process.env.BENCH_QUICK === "1";
const DURATION_MS = QUICK ? 200 : 1000;
const SIZES = [200, 4096, 65536];

/** Runs `op` in batches for DURATION_MS (or `max` times); returns operations per second. */
function rate(op, max = Infinity) {
  for (let i = 0; i < 1000; i++) op(); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(DURATION_MS) * 1_000_000n;
  let now = start;
  while (now < end && n + 100 <= max) {
    for (let i = 0; i < 100; i++) op();
    n += 100;
    now = process.hrtime.bigint();
  }
  return (n * 1e9) / Number(now - start);
}

const key = randomBytes(32);
const rows = [];
for (const size of SIZES) {
  const payload = randomBytes(size);
  const sealer = new FrameSealer(key);
  const seal = rate(() => sealer.seal([payload]));
  // Frames to open, in order, sealed beforehand (an opener checks each once, in sequence).
  const count = Math.ceil(seal * (DURATION_MS / 1000) * 1.5) + 2000;
  const pool = new FrameSealer(key);
  const frames = [];
  // Bounded: at most ~128 MiB of frames held.
  for (let i = 0; i < Math.min(count, Math.floor((128 * 1024 * 1024) / (size + 48))); i++)
    frames.push(Buffer.concat([payload, pool.seal([payload])]));
  const opener = new FrameOpener(key);
  let next = 0;
  const open = rate(() => opener.open(frames[next++]), frames.length - 1000);
  const iv = randomBytes(12);
  const gcm = rate(() => {
    const c = createCipheriv("aes-256-gcm", key, iv);
    c.update(payload);
    c.final();
    c.getAuthTag();
  });
  rows.push({ size, seal, open, gcm });
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const mibps = (perSecond, size) => ((perSecond * size) / (1024 * 1024)).toFixed(0);
console.log("| frame | sealed/s (HMAC-SHA256/128) | opened/s | MiB/s sealed | µs per frame sealed | AES-256-GCM/s (comparison) |");
console.log("|---:|---:|---:|---:|---:|---:|");
for (const r of rows)
  console.log(
    `| ${r.size} B | ${fmt(r.seal)} | ${fmt(r.open)} | ${mibps(r.seal, r.size)} | ${(1e6 / r.seal).toFixed(2)} | ${fmt(r.gcm)} |`,
  );
