// npm run bench [-- name ...]: runs each bench/<name>.bench.mjs in its own process
// (with --expose-gc, so heap figures are measured after a full collection), one after another.
// Each prints its own table. BENCH_QUICK=1 shrinks the sizes for a smoke run.
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.mjs$/, "")))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n## ${f.replace(/\.bench\.mjs$/, "")}\n`);
  const r = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=8192", dir + f], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.log(`(bench ${f} failed with status ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
