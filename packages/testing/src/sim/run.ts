import type { SimOverrides } from "./options.js";
import { deriveOptions, describeOptions } from "./options.js";
import type { SimStats } from "./simulation.js";
import { Simulation } from "./simulation.js";

export interface SeedResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly options: string;
  readonly stats: SimStats;
  /** The broken rule (or the thrown error) when !ok. */
  readonly failure: string | null;
  readonly trace: readonly string[];
  /** The exact command that replays this seed. */
  readonly replay: string;
}

/** The command line that replays a seed with the same overrides. */
export function replayCommand(seed: number, o: SimOverrides): string {
  const parts = ["npm run sim --", `--seed ${seed}`];
  if (o.machine !== undefined && o.machine !== "kv") parts.push(`--machine ${o.machine}`);
  if (o.voters !== undefined) parts.push(`--replicas ${o.voters}`);
  if (o.safetyMs !== undefined) parts.push(`--steps ${Math.round(o.safetyMs / 50)}`);
  if (o.reconfig === true) parts.push("--reconfig");
  if (o.plantedBugs?.commitWithNewQuorumOnly) parts.push("--bug commit-with-new-quorum-only");
  if (o.plantedBugs?.adoptOnCommit) parts.push("--bug adopt-on-commit");
  if (o.plantedBugs?.commitWithoutQuorum) parts.push("--bug commit-without-quorum");
  if (o.plantedBugs?.voteWithoutLogCheck) parts.push("--bug vote-without-log-check");
  if (o.plantedBugs?.preVoteIgnoresLease) parts.push("--bug prevote-ignores-lease");
  if (o.plantedBugs?.readyAfterStepDown) parts.push("--bug ready-after-step-down");
  if (o.plantedBugs?.installBeforeLastChunk) parts.push("--bug install-before-last-chunk");
  if (o.hostBugs?.ackBeforeFsync) parts.push("--bug ack-before-fsync");
  if (o.hostBugs?.prepareBeforeApplied) parts.push("--bug prepare-before-applied");
  if (o.hostBugs?.keepPreparer) parts.push("--bug keep-preparer");
  return parts.join(" ");
}

/** Run one seed to the end; never throws for a violation, reports it. */
export async function runSeed(seed: number, overrides: SimOverrides = {}): Promise<SeedResult> {
  const options = deriveOptions(seed, overrides);
  const sim = new Simulation(options);
  let failure: string | null = null;
  try {
    await sim.run();
  } catch (e) {
    failure = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  return {
    seed,
    ok: failure === null,
    options: describeOptions(options),
    stats: sim.stats,
    failure,
    trace: sim.trace,
    replay: replayCommand(seed, overrides),
  };
}

/** A failure report: options, the rule broken, recent events, and the replay line last. */
export function formatFailure(r: SeedResult): string {
  return [
    `seed ${r.seed} FAILED`,
    `options: ${r.options}`,
    `failure: ${r.failure}`,
    "recent events:",
    ...r.trace.slice(-30).map((t) => `  ${t}`),
    `replay: ${r.replay}`,
  ].join("\n");
}
