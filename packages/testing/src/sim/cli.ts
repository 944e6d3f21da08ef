import { parseArgs } from "node:util";
import type { SimOverrides } from "./options.js";
import { formatFailure, runSeed } from "./run.js";

const usage =
  "usage: npm run sim -- [--seeds N] [--seed S] [--replicas 3|5] [--machine kv|tree] [--steps K] [--reconfig] [--bug commit-without-quorum|commit-with-new-quorum-only|adopt-on-commit|vote-without-log-check|prevote-ignores-lease|ready-after-step-down|install-before-last-chunk|ack-before-fsync|prepare-before-applied|keep-preparer] [--verbose]";

function overridesFrom(values: { replicas?: string; steps?: string; bug?: string[]; machine?: string; reconfig?: boolean }): SimOverrides {
  if (values.machine !== undefined && values.machine !== "kv" && values.machine !== "tree")
    throw new Error(`--machine must be kv or tree\n${usage}`);
  if (values.reconfig === true && values.machine === "tree") throw new Error(`--reconfig runs with the kv machine\n${usage}`);
  const bugs = new Set(values.bug ?? []);
  for (const b of bugs)
    if (
      ![
        "commit-without-quorum",
        "commit-with-new-quorum-only",
        "adopt-on-commit",
        "vote-without-log-check",
        "prevote-ignores-lease",
        "ready-after-step-down",
        "install-before-last-chunk",
        "ack-before-fsync",
        "prepare-before-applied",
        "keep-preparer",
      ].includes(b)
    )
      throw new Error(`unknown bug ${b}\n${usage}`);
  const voters = values.replicas === undefined ? undefined : Number(values.replicas);
  if (voters !== undefined && voters !== 3 && voters !== 5) throw new Error(`--replicas must be 3 or 5\n${usage}`);
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) throw new Error(`--steps must be a positive integer\n${usage}`);
  return {
    ...(voters !== undefined ? { voters } : {}),
    ...(values.machine !== undefined ? { machine: values.machine as "kv" | "tree" } : {}),
    ...(steps !== undefined ? { safetyMs: steps * 50 } : {}),
    ...(values.reconfig === true ? { reconfig: true } : {}),
    plantedBugs: {
      commitWithoutQuorum: bugs.has("commit-without-quorum"),
      voteWithoutLogCheck: bugs.has("vote-without-log-check"),
      preVoteIgnoresLease: bugs.has("prevote-ignores-lease"),
      readyAfterStepDown: bugs.has("ready-after-step-down"),
      installBeforeLastChunk: bugs.has("install-before-last-chunk"),
      commitWithNewQuorumOnly: bugs.has("commit-with-new-quorum-only"),
      adoptOnCommit: bugs.has("adopt-on-commit"),
    },
    hostBugs: {
      ackBeforeFsync: bugs.has("ack-before-fsync"),
      prepareBeforeApplied: bugs.has("prepare-before-applied"),
      keepPreparer: bugs.has("keep-preparer"),
    },
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seeds: { type: "string" },
      seed: { type: "string" },
      replicas: { type: "string" },
      machine: { type: "string" },
      steps: { type: "string" },
      reconfig: { type: "boolean" },
      bug: { type: "string", multiple: true },
      verbose: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return (console.log(usage), 0);
  const overrides = overridesFrom(values);
  const first = values.seed === undefined ? Date.now() % 1_000_000_000 : Number(values.seed);
  const count = values.seeds === undefined ? 1 : Number(values.seeds);
  const started = Date.now();
  let events = 0;
  for (let i = 0; i < count; i++) {
    const r = await runSeed(first + i, overrides);
    events += r.stats.events;
    if (values.verbose || count === 1) console.log(`seed ${r.seed}: ${r.options}\n  ${JSON.stringify(r.stats)}`);
    if (!r.ok) {
      console.error(formatFailure(r));
      return 1;
    }
  }
  const ms = Date.now() - started;
  console.log(`${count} seeds from ${first} passed: ${events} events in ${ms} ms`);
  return 0;
}

process.exitCode = await main();
