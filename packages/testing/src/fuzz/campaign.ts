// A campaign: one server under test, cases in batches until the time is up, the checks after
// every case (alive, RSS, descriptors) and after every batch (both probes), the summary at
// the end. On a failure: the seed, the replay commands, the server's last lines, and the one
// case of the batch that fails alone on a fresh server (when there is one).
import { describeParams, type AnyFamily, type FuzzCase } from "./family.js";
import { CheckFailure, type CheckName } from "./monitor.js";
import { deriveOptions, describeOptions, replayCommand, selectFamilies, type CampaignOptions, type DerivedOptions } from "./options.js";
import { formatFailure, formatSummary, scrapeCloses, type CampaignFigures } from "./report.js";
import { Run, newStats, type RunStats } from "./run.js";
import { logTail } from "./server.js";
import { targetFamilies, targetNeedsPeers } from "./targets/index.js";

/** Interval between two progress lines of a campaign. */
const PROGRESS_EVERY_MS = 10_000;
/** Isolating a failure replays the batch's cases one by one on fresh servers, for this long at most. */
const ISOLATE_MS_MAX = 180_000;

export interface Failure {
  readonly check: CheckName;
  readonly message: string;
  /** The case running (or the batch's last case, for a probe after the batch). */
  readonly caseIndex: number | undefined;
  readonly caseLine: string | undefined;
  /** "#index family" of each case of the batch so far. */
  readonly batch: readonly string[];
  readonly logTail: string;
  readonly replay: string;
  readonly dataDir: string;
  /** RSS after each batch (the last ones): a steady climb says growth over time, not one case. */
  readonly rssTrailBytes: readonly number[];
  /** The case that fails alone on a fresh server, when isolation found one. */
  isolated?: { caseLine: string; check: CheckName; message: string; logTail: string; replay: string } | undefined;
  /** Isolation ran and no single case failed alone. */
  needsSequence?: boolean;
}

export interface CampaignResult {
  readonly ok: boolean;
  readonly options: CampaignOptions;
  readonly derived: DerivedOptions;
  readonly stats: RunStats;
  readonly figures: CampaignFigures;
  readonly failure?: Failure;
}

export const caseLine = (c: FuzzCase): string => `#${c.index} ${c.family.name} ${describeParams(c.params)}`;

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const families = selectFamilies(targetFamilies(o.target), o);
  const d = deriveOptions(o);
  for (const line of describeOptions(o, d, families)) o.log(line);
  const stats = newStats();
  const startedMs = Date.now();
  const run = await Run.start(o, d, families, stats, targetNeedsPeers(o.target));
  const startRssBytes = run.monitor.last?.rssBytes ?? 0;
  let failure: Failure | undefined;
  const at: Position = { batch: [], current: undefined, rssTrailBytes: [] };
  try {
    if (o.caseIndex !== undefined) await runOne(run, o.caseIndex, at, o);
    else await runBatches(run, o, d, startedMs, at);
    await run.probe("at the end");
  } catch (e) {
    failure = failureOf(run, e, o, at);
  }
  const closes = await scrapeCloses(run.server.ports.admin);
  if (o.verbose && !failure) o.log(`server's last lines:\n${logTail(run.server)}`);
  const figures: CampaignFigures = {
    ms: Date.now() - startedMs,
    startRssBytes,
    peakRssBytes: run.monitor.peakRssBytes,
    peakFds: run.monitor.peakFds,
    closes,
    endRssBytes: run.server.process.running ? run.monitor.last?.rssBytes : undefined,
    endFds: run.server.process.running ? run.monitor.last?.openFds : undefined,
  };
  await run.stop(failure !== undefined);
  if (failure && o.isolate && o.caseIndex === undefined && failure.check !== "fuzzer") await isolate(o, d, families, failure);
  const result: CampaignResult = { ok: failure === undefined, options: o, derived: d, stats, figures, ...(failure ? { failure } : {}) };
  for (const line of formatSummary(result)) o.log(line);
  if (failure) for (const line of formatFailure(result, failure)) o.log(line);
  return result;
}

/** Where the campaign is, for the failure report: the batch so far and the case running. */
interface Position {
  batch: FuzzCase[];
  current: FuzzCase | undefined;
  rssTrailBytes: number[];
}

/** Resident-size samples kept to show the memory trend. */
const RSS_TRAIL_MAX = 12;

async function runOne(run: Run, index: number, at: Position, o: CampaignOptions): Promise<void> {
  at.current = run.caseAt(index);
  at.batch = [at.current];
  o.log(`case ${caseLine(at.current)}`);
  await run.runCase(at.current);
}

async function runBatches(run: Run, o: CampaignOptions, d: DerivedOptions, startedMs: number, at: Position): Promise<void> {
  const deadline = startedMs + o.seconds * 1000;
  let index = 0;
  let progressAt = Date.now() + PROGRESS_EVERY_MS;
  const more = () => (o.cases !== undefined ? index < o.cases : Date.now() < deadline);
  while (more()) {
    at.batch = [];
    for (let k = 0; k < d.casesPerBatch && more(); k++) {
      at.current = run.caseAt(index++);
      at.batch.push(at.current);
      if (o.verbose) o.log(`  case ${caseLine(at.current)}`);
      await run.runCase(at.current);
    }
    await run.probe("after a batch");
    await run.tidy();
    at.rssTrailBytes.push(run.monitor.last?.rssBytes ?? 0);
    if (at.rssTrailBytes.length > RSS_TRAIL_MAX) at.rssTrailBytes.shift();
    if (Date.now() >= progressAt) {
      progressAt += PROGRESS_EVERY_MS;
      const m = run.monitor;
      o.log(
        `  ${((Date.now() - startedMs) / 1000).toFixed(0)} s: ${run.stats.cases} cases, ${run.stats.connections} connections, RSS ${mibOf(m.last?.rssBytes)} (peak ${mibOf(m.peakRssBytes)}), ${m.last?.openFds ?? "?"} fds`,
      );
    }
  }
}

const mibOf = (bytes: number | undefined) => (bytes === undefined ? "?" : `${(bytes / 1024 / 1024).toFixed(0)} MiB`);

function failureOf(run: Run, e: unknown, o: CampaignOptions, at: Position): Failure {
  const f = e instanceof CheckFailure ? e : new CheckFailure("fuzzer", (e as Error).stack ?? String(e));
  const c = at.current;
  return {
    check: f.check,
    message: f.message,
    caseIndex: c?.index,
    caseLine: c ? caseLine(c) : undefined,
    batch: at.batch.map((b) => `#${b.index} ${b.family.name}`),
    logTail: logTail(run.server),
    rssTrailBytes: at.rssTrailBytes,
    replay: replayCommand(o, c ? { cases: c.index + 1 } : {}),
    dataDir: run.server.dataDir,
  };
}

/** Replays the batch's cases one at a time on fresh servers, the failing one first, then backwards. */
async function isolate(o: CampaignOptions, d: DerivedOptions, families: readonly AnyFamily[], failure: Failure): Promise<void> {
  if (failure.caseIndex === undefined) return;
  const first = failure.caseIndex - failure.batch.length + 1;
  const deadline = Date.now() + ISOLATE_MS_MAX;
  o.log(`isolating: replaying cases ${failure.caseIndex} down to ${first} alone, each on a fresh server`);
  for (let index = failure.caseIndex; index >= first && Date.now() < deadline; index--) {
    const run = await Run.start(o, d, families, newStats(), targetNeedsPeers(o.target));
    const c = run.caseAt(index);
    try {
      await run.runCase(c);
      await run.probe("after the case alone");
      await run.stop(false);
    } catch (e) {
      const f = e instanceof CheckFailure ? e : new CheckFailure("fuzzer", String(e));
      failure.isolated = {
        caseLine: caseLine(c),
        check: f.check,
        message: f.message,
        logTail: logTail(run.server),
        replay: replayCommand(o, { caseIndex: index }),
      };
      await run.stop(false);
      return;
    }
  }
  failure.needsSequence = true;
}
