// What a campaign is asked (flags) and what it derives from its seed (TigerBeetle's VOPR
// habit: everything from one seed, printed at start), and the command that replays it.
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { AnyFamily } from "./family.js";
import { MIB } from "./units.js";

export const TARGETS = ["jute", "native", "admin", "peer"] as const;
export type TargetName = (typeof TARGETS)[number];

export interface CampaignOptions {
  readonly target: TargetName;
  readonly seed: number;
  /** Stop starting batches after this long (unless `cases` is given). */
  readonly seconds: number;
  /** Run exactly cases [0, cases) whatever the time (a replay). */
  readonly cases?: number;
  /** Run only this case, alone on a fresh server. */
  readonly caseIndex?: number;
  /** Family names to keep / to leave out. */
  readonly only: readonly string[];
  readonly skip: readonly string[];
  /** The stated bound on the server's RSS (its high-water mark). */
  readonly rssBytesMax: number;
  readonly fdsMax: number;
  /** How long a probe may take before the server counts as not serving. */
  readonly probeTimeoutMs: number;
  /** After a failure, look for the one case of the batch that fails alone on a fresh server. */
  readonly isolate: boolean;
  /** The command that runs `warden` (default: this checkout's bin/warden), to fuzz another build. */
  readonly serverCommand?: readonly string[];
  /** Print every case before it runs, and the server's last lines at the end. */
  readonly verbose?: boolean;
  /** Where the report goes (stdout by default). */
  readonly log: (line: string) => void;
}

export const DEFAULTS = {
  seconds: 60,
  // ~70 MiB at start plus a 1 MiB fixture; leaves room for dozens of 1 MiB replies in flight,
  // not for hundreds (the field cases that queued 400 MiB).
  rssBytesMax: 320 * MIB,
  fdsMax: 2_048,
  probeTimeoutMs: 10_000,
} as const;

export interface DerivedOptions {
  readonly casesPerBatch: number;
  /** Fuzzed connections come from 127.0.0.1 .. 127.0.0.<sourceAddresses>. */
  readonly sourceAddresses: number;
  /** The server's configuration (ZooKeeper key names). */
  readonly settings: Readonly<Record<string, string>>;
  /** Peer target: the impersonated observers accept the server's dials (else they are down). */
  readonly impersonatedPeersUp: boolean;
}

/** jute.maxbuffer of the server under test: ZooKeeper's default, the size of the field cases. */
export const DATA_BYTES_MAX = 0xfffff;

/** The options derived from the seed; the target is mixed in so each target draws its own. */
export function deriveOptions(o: Pick<CampaignOptions, "seed" | "target">): DerivedOptions {
  const arbitrary = fc.record({
    casesPerBatch: fc.integer({ min: 4, max: 24 }),
    sourceAddresses: fc.constantFrom(1, 1, 2, 4),
    maxClientCnxns: fc.constantFrom("60", "60", "10", "0"),
    maxOutstandingPerSession: fc.constantFrom("1000", "1000", "20"),
    globalOutstandingLimit: fc.constantFrom("100000", "1000"),
    snapCount: fc.constantFrom("100000", "100000", "1000"),
    impersonatedPeersUp: fc.constantFrom(true, true, true, false),
  });
  const [d] = fc.sample(arbitrary, { seed: (o.seed ^ (TARGETS.indexOf(o.target) * 0x01000193)) | 0, numRuns: 1 });
  return {
    casesPerBatch: d!.casesPerBatch,
    sourceAddresses: d!.sourceAddresses,
    impersonatedPeersUp: d!.impersonatedPeersUp,
    settings: {
      // Sessions of abandoned connections expire within seconds (20 ticks at most).
      tickTime: "200",
      "4lw.commands.whitelist": "*",
      "jute.maxbuffer": String(DATA_BYTES_MAX),
      maxClientCnxns: d!.maxClientCnxns,
      maxOutstandingPerSession: d!.maxOutstandingPerSession,
      globalOutstandingLimit: d!.globalOutstandingLimit,
      snapCount: d!.snapCount,
      // The leader's window of recent writes is a bound of its own (64 MiB by default), kept
      // small here so that the RSS bound speaks of what is not bounded.
      commitLogBytes: String(16 * 1024 * 1024),
      superDigest: SUPER_DIGEST,
    },
  };
}

/** The superuser's digest credentials: tidying deletes nodes whatever ACL a fuzzed create gave them. */
export const SUPER_AUTH = "super:warden-fuzz";
const SUPER_DIGEST = `super:${createHash("sha1").update(SUPER_AUTH).digest("base64")}`;

export const dataBytesMaxOf = (d: DerivedOptions): number => Number(d.settings["jute.maxbuffer"]);

/** The lines printed at start: every option, asked and derived, and the families with their weights. */
export function describeOptions(o: CampaignOptions, d: DerivedOptions, families: readonly AnyFamily[]): string[] {
  const asked = [
    `target=${o.target}`,
    `seed=${o.seed}`,
    o.caseIndex !== undefined ? `case=${o.caseIndex}` : o.cases !== undefined ? `cases=${o.cases}` : `seconds=${o.seconds}`,
    `rssBytesMax=${o.rssBytesMax} (${o.rssBytesMax / MIB} MiB)`,
    `fdsMax=${o.fdsMax}`,
    `probeTimeoutMs=${o.probeTimeoutMs}`,
  ];
  const derived = [
    `casesPerBatch=${d.casesPerBatch}`,
    `sourceAddresses=${d.sourceAddresses}`,
    ...(o.target === "peer" ? [`impersonatedPeersUp=${d.impersonatedPeersUp}`] : []),
    ...Object.entries(d.settings).map(([k, v]) => `${k}=${v}`),
  ];
  const total = families.reduce((n, f) => n + f.weight, 0);
  return [
    `fuzz ${asked.join(" ")}`,
    `derived: ${derived.join(" ")}`,
    `families: ${families.map((f) => `${f.name}(${((100 * f.weight) / total).toFixed(0)}%)`).join(" ")}`,
  ];
}

/** The command that runs this campaign again; `replay` narrows it to cases [0, cases) or one case. */
export function replayCommand(o: CampaignOptions, replay: { cases?: number; caseIndex?: number } = {}): string {
  const parts = ["npm run fuzz --", `--target ${o.target}`, `--seed ${o.seed}`];
  if (replay.caseIndex !== undefined) parts.push(`--case ${replay.caseIndex}`);
  else if (replay.cases !== undefined) parts.push(`--cases ${replay.cases}`);
  else parts.push(`--seconds ${o.seconds}`);
  if (o.only.length > 0) parts.push(`--only ${o.only.join(",")}`);
  if (o.skip.length > 0) parts.push(`--skip ${o.skip.join(",")}`);
  if (o.rssBytesMax !== DEFAULTS.rssBytesMax) parts.push(`--rss-mib-max ${o.rssBytesMax / MIB}`);
  if (o.fdsMax !== DEFAULTS.fdsMax) parts.push(`--fds-max ${o.fdsMax}`);
  if (o.serverCommand) parts.push(`--server-command '${o.serverCommand.join(" ")}'`);
  return parts.join(" ");
}

/** The target's families after --only and --skip (unknown names are an error). */
export function selectFamilies(all: readonly AnyFamily[], o: Pick<CampaignOptions, "only" | "skip" | "target">): AnyFamily[] {
  const names = new Set(all.map((f) => f.name));
  for (const n of [...o.only, ...o.skip])
    if (!names.has(n)) throw new Error(`the ${o.target} target has no family "${n}"; it has: ${[...names].join(", ")}`);
  const kept = all.filter((f) => (o.only.length === 0 || o.only.includes(f.name)) && !o.skip.includes(f.name));
  if (kept.length === 0) throw new Error("--only/--skip left no family to run");
  return kept;
}
