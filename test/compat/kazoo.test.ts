// Debian's python3-kazoo against a standalone Warden: kazoo_scenario.py runs every step
// (CRUD, ephemeral and sequential nodes, DataWatch/ChildrenWatch, transactions, ACLs, and the
// Lock, Election, Counter, Queue, Party and TreeCache recipes) and prints PASS or FAIL for each.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithTool, kazooPython, runPython, startStandalone, type Standalone } from "./helpers.js";

const python = kazooPython();

const STEPS: Array<[string, string]> = [
  ["connected_with_session", "connects and gets a session id and a 16-byte password"],
  ["server_version_from_envi", "server_version() parses the envi four-letter word; command(b'ruok') is imok"],
  ["crud", "create/get/set/exists/delete with versions, and NodeExists/NoNode/BadVersion/NotEmpty errors"],
  ["create_with_stat_and_makepath", "create(makepath=True, include_data=True) returns the path and the stat (create2)"],
  ["ephemeral_nodes", "an ephemeral belongs to its session and disappears with a DELETED event when the session closes"],
  ["sequential_nodes", "sequential and ephemeral-sequential nodes get ten-digit suffixes"],
  ["ensure_path_and_recursive_delete", "ensure_path creates ancestors; delete(recursive=True) removes a subtree"],
  ["get_children_with_stat_and_watch", "get_children(include_data=True) returns the stat, its watch fires on a new child"],
  ["data_watch", "DataWatch sees the initial value, each change, and the deletion"],
  ["children_watch", "ChildrenWatch sees each change of the child list"],
  ["transaction_commits", "a transaction of create, set_data, check and delete commits with per-op results"],
  ["transaction_rolls_back", "a failing check rolls back the whole transaction (RolledBackError, BadVersionError)"],
  ["digest_acl", "digest ACLs and add_auth: NoAuthError without the identity, access with it, set_acls bumps aversion"],
  [
    "makepath_under_a_parent_without_create",
    "create(makepath=True) and ensure_path under a parent without CREATE raise NoAuthError on the same connection, also with an ACL of (auth, None)",
  ],
  ["add_auth_ip", "add_auth('ip', anything) succeeds and the session goes on"],
  ["sync_then_read", "sync then read"],
  ["lock_recipe", "Lock: one holder at a time, contenders in order, the waiter gets it on release"],
  ["election_recipe", "Election: the first runs, the second takes over when the first leaves"],
  ["counter_recipe", "Counter: increments from two sessions, concurrent increments, float counters"],
  ["queue_and_party_recipes", "Queue keeps FIFO order; Party join and leave"],
  ["tree_cache_recipe", "TreeCache initialises and follows a node created by another session"],
  ["config_node_is_readable", "get('/zookeeper/config') answers"],
  ["close_session_removes_ephemerals", "closing a session removes its ephemerals at once"],
];

describeWithTool("python3-kazoo (Debian) against a standalone Warden", python !== undefined, "apt-get install -y python3-kazoo", () => {
  let warden: Standalone;
  let result: { code: number | null; out: string };
  beforeAll(async () => {
    warden = await startStandalone();
    result = await runPython(python!, "kazoo_scenario.py", [warden.hostPort], 50_000);
  }, 60_000);
  afterAll(async () => warden?.stop());

  it("runs the whole scenario to the end", () => {
    expect(result.out, result.out).toMatch(/^DONE$/m);
    expect(result.code, result.out).toBe(0);
  });

  it.each(STEPS)("kazoo %s: %s", (step) => {
    const line = result.out.split("\n").find((l) => l.startsWith(`PASS ${step}`) || l.startsWith(`FAIL ${step}`));
    expect(line, result.out).toBe(`PASS ${step}`);
  });
});
