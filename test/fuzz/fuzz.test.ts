// The fuzz campaign in CI: every target against a real server process for a fixed budget,
// with a seed derived from the commit (random across commits, replayable for each; FUZZ_SEED
// overrides it). A failure shows the command that replays it. Two minutes at most in all,
// less when the machine is loaded; FUZZ_SECONDS sets the time per target.
import { cpus, loadavg } from "node:os";
import { describe, expect, it } from "vitest";
import { FUZZ_DEFAULTS, FUZZ_TARGETS, runCampaign } from "@warden/testing";
import { commitSeed } from "./seed.js";

const SEED = commitSeed();
const loaded = loadavg()[0]! > cpus().length;
/** 4 targets x (20 s + ~5 s to start, probe and stop) stays under two minutes; 10 s each when loaded. */
const SECONDS = process.env.FUZZ_SECONDS ? Number(process.env.FUZZ_SECONDS) : loaded ? 10 : 20;
/** One case may run past the deadline (a held case, a 10,000-op multi), then the server stops. */
const SLACK_MS = 40_000;

describe(`fuzz campaign (seed ${SEED}, ${SECONDS} s per target)`, () => {
  for (const target of FUZZ_TARGETS) {
    it(
      `the ${target} target keeps the server alive, serving and within its memory bound`,
      async () => {
        const lines: string[] = [];
        const result = await runCampaign({
          target,
          seed: SEED,
          seconds: SECONDS,
          only: [],
          skip: [],
          isolate: false,
          rssBytesMax: FUZZ_DEFAULTS.rssBytesMax,
          fdsMax: FUZZ_DEFAULTS.fdsMax,
          probeTimeoutMs: FUZZ_DEFAULTS.probeTimeoutMs,
          log: (line) => lines.push(line),
        });
        expect(result.ok, `${result.failure?.replay}\n${lines.join("\n")}`).toBe(true);
      },
      SECONDS * 1000 + SLACK_MS,
    );
  }
});
