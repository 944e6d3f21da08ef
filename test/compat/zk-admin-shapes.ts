// What a real ZooKeeper 3.8.0 answered on its admin port (captured by
// scripts/capture-zk/admin.py into fixtures/zk-admin/<standalone|leader|follower>/<command>.json),
// and the comparison of an answer's shape with it: the same field names with the same JSON
// types, recursively. Fields whose keys are data (session ids, paths, times, server ids) are
// compared by their values' shape only.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ZK_ADMIN_FIXTURES = fileURLToPath(new URL("./fixtures/zk-admin", import.meta.url));
export type ZkMode = "standalone" | "leader" | "follower";

export function zkAnswer(mode: ZkMode, command: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ZK_ADMIN_FIXTURES, mode, `${command}.json`), "utf8")) as Record<string, unknown>;
}
export function zkText(mode: ZkMode, word: string): string {
  return readFileSync(join(ZK_ADMIN_FIXTURES, mode, `${word}.txt`), "utf8");
}

/** ZooKeeper 3.8.0's admin commands (Commands.java), primary name first, then the aliases. */
export const ZK_COMMANDS: ReadonlyArray<readonly string[]> = [
  ["connection_stat_reset", "crst"],
  ["configuration", "conf", "config"],
  ["connections", "cons"],
  ["dirs"],
  ["dump"],
  ["environment", "env", "envi"],
  ["initial_configuration", "icfg"],
  ["is_read_only", "isro"],
  ["last_snapshot", "lsnp"],
  ["leader", "lead"],
  ["monitor", "mntr"],
  ["observers", "obsr"],
  ["observer_connection_stat_reset", "orst"],
  ["ruok"],
  ["server_stats", "srvr"],
  ["stats", "stat"],
  ["stat_reset", "srst"],
  ["system_properties", "sysp"],
  ["voting_view"],
  ["watches", "wchc"],
  ["watches_by_path", "wchp"],
  ["watch_summary", "wchs"],
  ["zabstate"],
];

/** Fields whose keys are data, not names. */
const KEYED_BY_DATA = new Set([
  "expiry_time_to_session_ids",
  "session_id_to_ephemeral_paths",
  "session_id_to_watched_paths",
  "path_to_session_ids",
  "current_config",
]);
/** Answers whose keys are the JVM's, not ZooKeeper's: only the keys named here must match. */
export const SHARED_KEYS: Readonly<Record<string, readonly string[]>> = {
  environment: ["zookeeper.version", "host.name", "os.name", "os.arch", "user.dir", "os.memory.free", "os.memory.max", "os.memory.total"],
  system_properties: ["file.separator", "line.separator", "os.arch", "os.name", "path.separator", "user.dir"],
  // ZooKeeper's monitor has ~500 keys, most of them its own processors' internals; Warden reports
  // those it measures (packages/server/README.md lists them) and the test names the ones it must.
  monitor: [],
};

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/**
 * Differences between `ours` and ZooKeeper's `theirs`: "path: missing" or "path: type a, not b".
 * `only` restricts the top-level keys compared (for answers keyed by the JVM's names).
 */
export function shapeDifferences(ours: unknown, theirs: unknown, path = "", only?: readonly string[]): string[] {
  const out: string[] = [];
  // ZooKeeper's null (initial_configuration of a quorum server) says nothing of the type.
  if (theirs === null && path !== ".error" && !path.endsWith(".error")) return out;
  if (typeOf(ours) !== typeOf(theirs)) {
    // An empty array or object (no sessions, no connections) says nothing of its elements.
    return [`${path || "."}: type ${typeOf(ours)}, not ${typeOf(theirs)}`];
  }
  if (Array.isArray(theirs) && Array.isArray(ours)) {
    if (theirs.length > 0 && ours.length > 0) out.push(...shapeDifferences(ours[0], theirs[0], `${path}[0]`));
    return out;
  }
  if (typeOf(theirs) !== "object") return out;
  const o = ours as Record<string, unknown>;
  const t = theirs as Record<string, unknown>;
  const last = path.split(".").pop()!;
  if (KEYED_BY_DATA.has(last)) {
    const [ov] = Object.values(o);
    const [tv] = Object.values(t);
    if (ov !== undefined && tv !== undefined) out.push(...shapeDifferences(ov, tv, `${path}.*`));
    return out;
  }
  for (const key of only ?? Object.keys(t)) {
    if (!(key in o)) out.push(`${path}.${key}: missing`);
    else if (key in t) out.push(...shapeDifferences(o[key], t[key], `${path}.${key}`));
  }
  return out;
}

/** The shape check of one command's answer against ZooKeeper's answer to the same name. */
export function commandShapeDifferences(ours: Record<string, unknown>, mode: ZkMode, name: string): string[] {
  const primary = ZK_COMMANDS.find((names) => names.includes(name))![0]!;
  const theirs = zkAnswer(mode, name);
  const shared = SHARED_KEYS[primary];
  if (shared === undefined) return shapeDifferences(ours, theirs);
  // Keyed by the JVM's names: the shared keys, plus the common fields, plus (monitor) every key both have.
  const keys = [...shared, "command", "error", ...(primary === "monitor" ? Object.keys(ours).filter((k) => k in theirs) : [])];
  return shapeDifferences(ours, theirs, "", keys);
}

/**
 * ZooKeeper 3.8.0's Prometheus metrics (fixtures/zk-admin/prometheus-names.txt, derived from its
 * source by scripts/capture-zk/prometheus-names.sh): name -> type, and a summary's quantiles.
 */
export const ZK_PROMETHEUS: ReadonlyMap<string, { type: string; quantiles: string[]; labels: string[] }> = new Map(
  readFileSync(join(ZK_ADMIN_FIXTURES, "prometheus-names.txt"), "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const [name, type, ...rest] = l.split(" ");
      const quantiles = type === "summary" ? rest.shift()!.split(",") : [];
      return [name!, { type: type!, quantiles, labels: rest }];
    }),
);
