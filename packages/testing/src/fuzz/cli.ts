// `npm run fuzz -- --target jute|native|admin|peer|all --seconds N [--seed S] ...`: runs a
// campaign per target against a real server process, prints the options it derives, a
// summary table, and on a failure the command that replays it; exits 1 on a failure.
import { parseArgs } from "node:util";
import { runCampaign } from "./campaign.js";
import { MIB } from "./units.js";
import { DEFAULTS, TARGETS, type CampaignOptions, type TargetName } from "./options.js";

const usage = `usage: npm run fuzz -- --target ${TARGETS.join("|")}|all [--seconds N] [--seed S]
         [--cases N | --case I] [--only f1,f2] [--skip f1,f2] [--rss-mib-max M] [--fds-max N]
         [--probe-timeout-ms T] [--no-isolate] [--verbose] [--server-command 'node path/bin/warden']
  --seconds N    time per target (default ${DEFAULTS.seconds})
  --seed S       everything random derives from it (default: from the clock, printed)
  --cases N      run exactly cases 0..N-1 (a replay), whatever the time
  --case I       run case I alone on a fresh server
  --only/--skip  family names to keep / to leave out (listed at start)
  --no-isolate   after a failure, do not look for the one case that fails alone
  --verbose      print every case before it runs
  --server-command  how to run warden (default: this checkout's bin/warden), to fuzz another build`;

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${value}\n${usage}`);
  return n;
}

const list = (v: string | undefined) =>
  v
    ? v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

function optionsFor(target: TargetName, values: Record<string, string | boolean | undefined>, seed: number): CampaignOptions {
  const str = (k: string) => values[k] as string | undefined;
  return {
    target,
    seed,
    seconds: integer("seconds", str("seconds"), DEFAULTS.seconds),
    ...(str("cases") !== undefined ? { cases: integer("cases", str("cases"), 0) } : {}),
    ...(str("case") !== undefined ? { caseIndex: integer("case", str("case"), 0) } : {}),
    only: list(str("only")),
    skip: list(str("skip")),
    rssBytesMax: integer("rss-mib-max", str("rss-mib-max"), DEFAULTS.rssBytesMax / MIB) * MIB,
    fdsMax: integer("fds-max", str("fds-max"), DEFAULTS.fdsMax),
    probeTimeoutMs: integer("probe-timeout-ms", str("probe-timeout-ms"), DEFAULTS.probeTimeoutMs),
    isolate: values["no-isolate"] !== true,
    verbose: values.verbose === true,
    ...(str("server-command") ? { serverCommand: str("server-command")!.split(/\s+/).filter(Boolean) } : {}),
    log: (line) => console.log(line),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      target: { type: "string" },
      seconds: { type: "string" },
      seed: { type: "string" },
      cases: { type: "string" },
      case: { type: "string" },
      only: { type: "string" },
      skip: { type: "string" },
      "rss-mib-max": { type: "string" },
      "fds-max": { type: "string" },
      "probe-timeout-ms": { type: "string" },
      "no-isolate": { type: "boolean" },
      verbose: { type: "boolean" },
      "server-command": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return (console.log(usage), 0);
  const target = values.target ?? "all";
  if (target !== "all" && !(TARGETS as readonly string[]).includes(target)) throw new Error(`unknown target ${target}\n${usage}`);
  const targets = target === "all" ? [...TARGETS] : [target as TargetName];
  const seed = integer("seed", values.seed, Date.now() % 1_000_000_000);
  let failed = 0;
  for (const t of targets) {
    const result = await runCampaign(optionsFor(t, values, seed));
    if (!result.ok) failed++;
  }
  if (targets.length > 1) console.log(`${targets.length - failed} of ${targets.length} targets passed`);
  return failed > 0 ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 2;
}
