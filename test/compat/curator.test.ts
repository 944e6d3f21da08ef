// Debian's Apache Curator 5.4 (libcurator-*-java, with Debian's ZooKeeper 3.8 client, Jackson
// and Guava) against a three-server Warden ensemble of real processes. The Java program in
// curator/ is compiled with javac into a temporary directory and run twice: every recipe the
// way applications use it, then the recipes running while the ensemble's leader is killed.
// The program prints PASS or FAIL per step; a failure shows its output and the servers' logs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ProcessEnsemble } from "@warden/testing";
import {
  COMPAT_DIR,
  describeWithTool,
  ensembleLogs,
  expectStepPassed,
  hasFile,
  startProgram,
  tempDir,
  zkConnectString,
} from "./helpers.js";

const JARS = [
  "curator-x-discovery",
  "curator-recipes",
  "curator-framework",
  "curator-client",
  "zookeeper",
  "zookeeper-jute",
  "guava",
  "jackson-databind",
  "jackson-core",
  "jackson-annotations",
  "slf4j-api",
  "slf4j-simple",
].map((j) => `/usr/share/java/${j}.jar`);
const SOURCES = join(COMPAT_DIR, "curator");
const hasJdk = spawnSync("javac", ["-version"], { stdio: "ignore" }).status === 0;
/** Client JVMs on a shared two-core machine: start fast, few threads, no hsperfdata file in /tmp; Curator's warnings only. */
const JVM_FLAGS = [
  "-Xshare:auto",
  "-XX:TieredStopAtLevel=1",
  "-XX:+UseSerialGC",
  "-XX:-UsePerfData",
  "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
];

/** Curator 5's default sessions (15 s here) must fit under the ensemble's maxSessionTimeout. */
const ENSEMBLE = { tickTimeMs: 500, sessionTimeoutMsMax: 30_000 } as const;

function compile(classes: string): void {
  const sources = readdirSync(SOURCES)
    .filter((f) => f.endsWith(".java"))
    .map((f) => join(SOURCES, f));
  const r = spawnSync("javac", ["-J-XX:-UsePerfData", "-Xlint:all,-path", "-Werror", "-d", classes, "-cp", JARS.join(":"), ...sources], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`javac failed:\n${r.stdout}${r.stderr}`);
}

/** WARDEN_COMPAT_LOG=1 prints each run's output (its INFO and TIME lines) when it ends. */
function java(classes: string, mode: "recipes" | "failover", connectString: string, timeoutMs: number) {
  const program = startProgram(
    "java",
    [...JVM_FLAGS, "-cp", [classes, ...JARS].join(":"), "CuratorScenario", mode, connectString],
    timeoutMs,
  );
  if (process.env.WARDEN_COMPAT_LOG) void program.done.then((r) => console.log(`--- CuratorScenario ${mode}, exit ${r.code}:\n${r.out}`));
  return program;
}

const RECIPE_STEPS: Array<[string, string]> = [
  ["connected", "three clients connect, each with its own session"],
  [
    "discovery_register",
    "ServiceDiscovery registers 24 instances (three services, JSON payloads of 0.6 to 1.5 KiB) as ephemerals of its session",
  ],
  ["discovery_query_names", "queryForNames lists the three services"],
  ["discovery_query_instances", "queryForInstances and queryForInstance return each instance with its payload"],
  ["discovery_service_provider", "a round-robin ServiceProvider visits every instance"],
  ["discovery_service_cache", "a ServiceCache and its listener see an instance come, change and go"],
  ["discovery_unregister", "unregisterService removes instances"],
  ["discovery_close_removes_registrations", "closing the registrar's ServiceDiscovery removes its registrations"],
  ["leader_latch", "LeaderLatch: one of three leads, all name it; it closes and another leads"],
  ["leader_selector", "LeaderSelector with autoRequeue: turns go round the three, never two leaders at once"],
  [
    "mutex_contention",
    "InterProcessMutex: six threads of three sessions update a counter under it, no lost update; re-entry; a timed acquire times out while it is held",
  ],
  ["semaphore_contention", "InterProcessSemaphoreV2: never more than its two leases out; a timed acquire waits while all are out"],
  ["distributed_atomic_long", "DistributedAtomicLong: 60 increments from six threads count 60; compareAndSet"],
  ["curator_cache", "CuratorCache hears creates, a change and a delete below its path from another session"],
  ["persistent_node", "PersistentNode: created, recreated after another session deletes it, setData, gone on close"],
  [
    "transaction",
    "a transaction of create, sequential create, setData, check and delete commits with per-op results; a stale check rolls it all back",
  ],
];

const FAILOVER_STEPS: Array<[string, string]> = [
  ["failover_recipes_running", "before the kill: a latch leader, service cache, PersistentNode, mutex and counter loops running"],
  ["failover_clients_reconnect", "every client goes SUSPENDED then RECONNECTED with its session, never LOST"],
  ["failover_leader_latch", "the latches settle on one leader again"],
  ["failover_mutex_and_counter_go_on", "the mutex and DistributedAtomicLong loops go on; no two holders, no lost update"],
  ["failover_service_discovery", "registrations are kept, and a new one reaches the ServiceCache"],
  ["failover_curator_cache", "the CuratorCache hears a create made after the failover"],
  ["failover_persistent_node", "the PersistentNode is still there, owned by its session"],
];

const present = JARS.every(hasFile) && hasJdk;
describeWithTool(
  "Curator 5.4 (Debian) against a three-server Warden ensemble",
  present,
  "apt-get install -y libcurator-discovery-java libcurator-framework-java libcurator-recipes-java openjdk-17-jdk-headless",
  () => {
    let ensemble: ProcessEnsemble | undefined;
    let classes = "";
    let recipes = { code: null as number | null, out: "" };
    beforeAll(async () => {
      classes = tempDir("curator-classes");
      const started = ProcessEnsemble.start(ENSEMBLE);
      compile(classes);
      ensemble = await started;
      recipes = await java(classes, "recipes", zkConnectString(ensemble), 85_000).done;
    }, 120_000);
    afterAll(async () => {
      await ensemble?.stop();
      if (classes) rmSync(classes, { recursive: true, force: true });
    });

    it("runs every recipe to the end", () => {
      expect(recipes.out, `${recipes.out}\n${ensembleLogs(ensemble)}`).toMatch(/^DONE ok$/m);
      expect(recipes.code).toBe(0);
    });

    it.each(RECIPE_STEPS)("curator %s: %s", (step) => expectStepPassed(recipes.out, step, ensemble));

    describe("while the ensemble's leader is killed", () => {
      let failover = { code: null as number | null, out: "" };
      let killed: number | undefined;
      beforeAll(async () => {
        const e = ensemble!;
        const program = java(classes, "failover", zkConnectString(e), 85_000);
        try {
          await program.waitFor("the recipes to run (READY)", /^READY$/m, 45_000);
          killed = await e.waitForLeader();
          await e.kill(killed);
          program.send("KILLED\n");
        } catch (e) {
          program.kill();
          throw e;
        } finally {
          failover = await program.done;
        }
      }, 120_000);

      it("runs to the end", () => {
        expect(killed, failover.out).toBeDefined();
        expect(failover.out, `${failover.out}\n${ensembleLogs(ensemble)}`).toMatch(/^DONE ok$/m);
        expect(failover.code).toBe(0);
      });

      it.each(FAILOVER_STEPS)("curator %s: %s", (step) => expectStepPassed(failover.out, step, ensemble));
    });
  },
);
