// A Patroni-like cluster on Debian's python3-kazoo against a three-server Warden ensemble of
// real processes: kazoo_patroni.py runs three simulated Patroni members (Patroni 3.0's
// ZooKeeper DCS and client setup, patroni_dcs.py) through bootstrap, their HA loop, and a
// leader that shuts down; it prints PASS or FAIL for each step. The ensemble has no
// ensembleSecretFile, as an unedited ZooKeeper zoo.cfg.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ProcessEnsemble } from "@warden/testing";
import { describeWithTool, ensembleLogs, expectStepPassed, kazooPython, runPython, zkConnectString } from "./helpers.js";

const python = kazooPython();

const STEPS: Array<[string, string]> = [
  ["patroni_clients_connect", "three members connect with Patroni's kazoo setup, three sessions"],
  ["bootstrap_race_is_won_once", "the three race to create /initialize: one bootstraps; all share its system id; /config created"],
  ["leader_key_is_the_bootstrappers_ephemeral", "/leader holds the bootstrapper's name, an ephemeral of its session"],
  ["members_are_ephemerals_with_json", "each member key is an ephemeral of its session holding Patroni's JSON; replicas say replica"],
  [
    "status_and_optime_advance_with_versions",
    "the leader's /status optime advances, its version bumps; /optime/leader kept for a Patroni 2.0 member",
  ],
  [
    "config_edits_with_versions_reach_every_member",
    "16 edits of /config with versions (patronictl edit-config) reach every member through its watch; a stale version is refused",
  ],
  ["member_key_change_wakes_the_others", "a member key deleted and created again fires the leader's children watch on /members"],
  [
    "retry_after_the_connection_drops",
    "with its socket closed (Patroni's reload_config), client.retry loads the cluster on the same session",
  ],
  [
    "leadership_moves_when_the_leaders_session_ends",
    "the leader shuts down (a new session): exactly one other member takes /leader and records its promotion in a transaction",
  ],
  ["old_leader_rejoins_as_a_replica", "the old leader comes back as a replica with a new member key"],
  ["no_ha_cycle_failed", "no member's HA cycle raised"],
];

describeWithTool(
  "a Patroni-like cluster on python3-kazoo (Debian) against a three-server Warden ensemble",
  python !== undefined,
  "apt-get install -y python3-kazoo",
  () => {
    let ensemble: ProcessEnsemble | undefined;
    let result = { code: null as number | null, out: "" };
    beforeAll(async () => {
      // Patroni's users run an unedited ZooKeeper zoo.cfg: no ensembleSecretFile, so the session
      // secret is the one the first leader commits, and sessions that move must still reattach.
      ensemble = await ProcessEnsemble.start({ tickTimeMs: 500, withoutSecret: true });
      result = await runPython(python!, "kazoo_patroni.py", [zkConnectString(ensemble)], 75_000);
      if (process.env.WARDEN_COMPAT_LOG) console.log(`--- kazoo_patroni.py, exit ${result.code}:\n${result.out}`);
    }, 110_000);
    afterAll(async () => ensemble?.stop());

    it("runs the whole flow to the end", () => {
      expect(result.out, `${result.out}\n${ensembleLogs(ensemble)}`).toMatch(/^DONE ok$/m);
      expect(result.code).toBe(0);
    });

    it.each(STEPS)("patroni %s: %s", (step) => expectStepPassed(result.out, step, ensemble));
  },
);
