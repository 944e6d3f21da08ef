// One server under test with its fixture, monitor and counters; runs cases and probes on it.
// The campaign (campaign.ts) drives it in batches; a single case replays on a fresh one.
import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@warden/client";
import { caseAt, type AnyFamily, type CaseContext, type Fixture, type FuzzCase } from "./family.js";
import { createFixture, fixtureFor, tidyFixture } from "./fixture.js";
import { CheckFailure, Monitor } from "./monitor.js";
import { SUPER_AUTH, dataBytesMaxOf, type CampaignOptions, type DerivedOptions } from "./options.js";
import { probeClient, probeJute, probeNative } from "./probes.js";
import { startServerUnderTest, stopServerUnderTest, type ServerUnderTest } from "./server.js";
import { ConnectionPool } from "./wire.js";

/** After a case ends its connections, this long for the server to notice before the checks. */
const SETTLE_MS = 20;
/** Every wait inside a case is bounded; a case that takes longer is a fuzzer bug. */
const CASE_TIMEOUT_MS = 60_000;
/** Longest single wait while a case holds a connection open. */
const HOLD_SLICE_MS = 100;

export interface FamilyStats {
  cases: number;
  connections: number;
  closedByServer: number;
  ms: number;
  observations: Map<string, number>;
  /** The first cases of each observation that may be a hang, to replay. */
  examples: Map<string, number[]>;
}

/** Observations where the server neither answered nor closed: not failures (it may rightly wait for more bytes), but worth a replay. */
const HANG_LIKE = /silent|no reply|no answer|left open/;
/** Example case numbers kept per finding. */
const EXAMPLES_MAX = 3;

export interface RunStats {
  cases: number;
  connections: number;
  closedByServer: number;
  probes: number;
  probeMsMax: number;
  tidiedNodes: number;
  byFamily: Map<string, FamilyStats>;
}

export const newStats = (): RunStats => ({
  cases: 0,
  connections: 0,
  closedByServer: 0,
  probes: 0,
  probeMsMax: 0,
  tidiedNodes: 0,
  byFamily: new Map(),
});

export class Run {
  private probeCount = 0;

  private constructor(
    readonly o: CampaignOptions,
    readonly d: DerivedOptions,
    readonly families: readonly AnyFamily[],
    readonly server: ServerUnderTest,
    readonly monitor: Monitor,
    readonly fixture: Fixture,
    readonly stats: RunStats,
  ) {}

  /** A fresh server with the fixture, monitored from here on. */
  static async start(
    o: CampaignOptions,
    d: DerivedOptions,
    families: readonly AnyFamily[],
    stats: RunStats,
    withPeers: boolean,
  ): Promise<Run> {
    const server = await startServerUnderTest({ ...d.settings }, withPeers ? { up: d.impersonatedPeersUp } : undefined, o.serverCommand);
    const fixture = fixtureFor(dataBytesMaxOf(d));
    const monitor = new Monitor(server, { rssBytesMax: o.rssBytesMax, fdsMax: o.fdsMax });
    const run = new Run(o, d, families, server, monitor, fixture, stats);
    try {
      await run.withClient((c) => createFixture(c, fixture));
    } catch (e) {
      await stopServerUnderTest(server, true);
      throw new CheckFailure("fixture", `creating the fixture failed: ${(e as Error).message}`);
    }
    monitor.start();
    return run;
  }

  async stop(keepDir: boolean): Promise<void> {
    this.monitor.stop();
    await stopServerUnderTest(this.server, keepDir);
  }

  caseAt(index: number): FuzzCase {
    return caseAt(this.families, this.o.seed, index);
  }

  /** Runs one case and ends its connections; throws CheckFailure when the server broke a check. */
  async runCase(c: FuzzCase): Promise<void> {
    this.monitor.check();
    const pool = new ConnectionPool();
    const fs = this.familyStats(c.family.name);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new CheckFailure("fuzzer", `the fuzzer's case did not end within ${CASE_TIMEOUT_MS} ms (a fuzzer bug)`)),
          CASE_TIMEOUT_MS,
        );
      });
      await this.monitor.race(Promise.race([c.family.run(c.params, this.context(pool, fs, c.index)), timeout]));
    } catch (e) {
      if (e instanceof CheckFailure) throw e;
      // The server's death explains any error of the case; otherwise it is the fuzzer's own.
      this.monitor.check();
      throw new CheckFailure("fuzzer", `the case threw (a fuzzer bug): ${(e as Error).stack ?? String(e)}`);
    } finally {
      clearTimeout(timer);
      pool.end();
      fs.cases++;
      fs.connections += pool.opened;
      fs.closedByServer += pool.closedByServer;
      fs.ms += Date.now() - started;
      this.stats.cases++;
      this.stats.connections += pool.opened;
      this.stats.closedByServer += pool.closedByServer;
    }
    await sleep(SETTLE_MS);
    this.monitor.check();
  }

  /** Both probes, from the probe address; throws CheckFailure naming the one that failed. */
  async probe(when: string): Promise<void> {
    this.monitor.check();
    const started = Date.now();
    const timeoutMs = this.o.probeTimeoutMs;
    const juteProblem = await this.monitor.race(probeJute(this.server.ports.client, this.fixture, timeoutMs));
    this.monitor.check();
    if (juteProblem) throw new CheckFailure("jute-probe", `${when}: a fresh ZooKeeper-protocol client was not served: ${juteProblem}`);
    const nativeProblem = await this.monitor.race(
      probeNative(this.server.ports.native, this.fixture, `probe ${++this.probeCount}`, timeoutMs),
    );
    this.monitor.check();
    if (nativeProblem) throw new CheckFailure("native-probe", `${when}: a fresh native client was not served: ${nativeProblem}`);
    this.stats.probes++;
    this.stats.probeMsMax = Math.max(this.stats.probeMsMax, Date.now() - started);
  }

  /** Deletes what the cases created (bounded tree, bounded memory). */
  async tidy(): Promise<void> {
    this.stats.tidiedNodes += await this.withClient(async (c) => {
      await c.addAuth("digest", SUPER_AUTH);
      return tidyFixture(c, this.fixture);
    });
  }

  private async withClient<T>(work: (c: Client) => Promise<T>): Promise<T> {
    const client = probeClient(this.server.ports.native, this.o.probeTimeoutMs);
    try {
      await client.connected({ timeoutMs: this.o.probeTimeoutMs });
      return await work(client);
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  private familyStats(name: string): FamilyStats {
    let fs = this.stats.byFamily.get(name);
    if (!fs)
      this.stats.byFamily.set(
        name,
        (fs = { cases: 0, connections: 0, closedByServer: 0, ms: 0, observations: new Map(), examples: new Map() }),
      );
    return fs;
  }

  private observe(fs: FamilyStats, index: number, what: string): void {
    fs.observations.set(what, (fs.observations.get(what) ?? 0) + 1);
    if (!HANG_LIKE.test(what)) return;
    const examples = fs.examples.get(what) ?? [];
    if (examples.length < EXAMPLES_MAX) fs.examples.set(what, [...examples, index]);
  }

  private context(pool: ConnectionPool, fs: FamilyStats, index: number): CaseContext {
    const dataBytesMax = dataBytesMaxOf(this.d);
    return {
      ports: this.server.ports,
      pool,
      fixture: this.fixture,
      limits: { dataBytesMax, frameBytesMax: dataBytesMax + 64 * 1024 },
      source: (n) => `127.0.0.${1 + (n % this.d.sourceAddresses)}`,
      hold: (ms) => this.hold(ms),
      observe: (what) => this.observe(fs, index, what),
      ...(this.server.peer ? { peer: this.server.peer } : {}),
    };
  }

  /** Holds for `ms` (the case keeps its connections open), checking all along and probing once midway. */
  private async hold(ms: number): Promise<void> {
    const end = Date.now() + ms;
    const probeAt = Date.now() + ms / 2;
    let probed = false;
    for (;;) {
      this.monitor.check();
      if (!probed && Date.now() >= probeAt) {
        probed = true;
        await this.probe("while a case held its connections");
      }
      const left = end - Date.now();
      if (left <= 0) return;
      await sleep(Math.min(HOLD_SLICE_MS, left));
    }
  }
}
