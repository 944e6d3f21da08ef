// The campaign's seed in CI: the commit (random across commits, replayable for each);
// FUZZ_SEED overrides it.
import { execFileSync } from "node:child_process";

export function commitSeed(): number {
  if (process.env.FUZZ_SEED) return Number(process.env.FUZZ_SEED);
  try {
    return parseInt(execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).slice(0, 7), 16);
  } catch {
    return 1;
  }
}
