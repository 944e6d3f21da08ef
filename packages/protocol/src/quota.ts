// ZooKeeper's quota layout and its StatsTrack text (org.apache.zookeeper.Quotas, StatsTrack):
// a quota on /a is the node /zookeeper/quota/a/zookeeper_limits, whose data holds the limits,
// beside /zookeeper/quota/a/zookeeper_stats, whose data the servers keep at the subtree's count
// of nodes (/a included) and bytes of data. Shared by the tree (which keeps the stats) and
// the client (whose setquota, listquota and delquota write the limits).

export const QUOTA_ROOT = "/zookeeper/quota";
export const QUOTA_LIMIT_NODE = "zookeeper_limits";
export const QUOTA_STAT_NODE = "zookeeper_stats";

/** /zookeeper/quota + path. */
export const quotaPath = (path: string): string => QUOTA_ROOT + path;
export const quotaLimitPath = (path: string): string => `${QUOTA_ROOT}${path}/${QUOTA_LIMIT_NODE}`;
export const quotaStatPath = (path: string): string => `${QUOTA_ROOT}${path}/${QUOTA_STAT_NODE}`;

/** StatsTrack's fields; -1 is "not set" (a limit) as in ZooKeeper. */
export interface StatsTrack {
  count: number;
  bytes: number;
  countHardLimit: number;
  byteHardLimit: number;
}

/** Characters of StatsTrack text parsed; ZooKeeper's is a few dozen. */
const STATS_TEXT_CHARS_MAX = 4096;
/** Keys kept from one text. */
const STATS_KEYS_MAX = 64;

/**
 * StatsTrack(String): `key=long` pairs separated by `,` or `;` (3.7's form is
 * `count=4,bytes=9=;byteHardLimit=15;countHardLimit=4`, the 3.4 form `count=4,bytes=9`), as
 * the keys present and their values. An empty value reads as -1, as there; a pair Java would
 * fail on (no `=`, not a number) is skipped instead, so a hand-written node cannot stop a server.
 */
export function parseStatsTrackEntries(text: string | null): Map<string, number> {
  const out = new Map<string, number>();
  if (text === null || text === "" || text.length > STATS_TEXT_CHARS_MAX) return out;
  for (const pair of text.split(/[,;]+/)) {
    // Java's split drops trailing empty strings: "bytes=9=" is ["bytes", "9"].
    const kv = pair.split("=");
    while (kv.length > 0 && kv[kv.length - 1] === "") kv.pop();
    if (kv.length === 0 || kv[0] === "" || out.size >= STATS_KEYS_MAX) continue;
    let value: number;
    if (kv.length === 1) {
      if (!pair.includes("=")) continue;
      value = -1;
    } else if (kv[1] === "") {
      value = -1;
    } else if (/^[+-]?\d{1,18}$/.test(kv[1]!)) {
      value = Number(kv[1]);
    } else {
      continue;
    }
    out.set(kv[0]!, value);
  }
  return out;
}

/** The four fields of StatsTrack text; a missing key reads as -1. */
export function parseStatsTrack(text: string | null): StatsTrack {
  const e = parseStatsTrackEntries(text);
  return {
    count: e.get("count") ?? -1,
    bytes: e.get("bytes") ?? -1,
    countHardLimit: e.get("countHardLimit") ?? -1,
    byteHardLimit: e.get("byteHardLimit") ?? -1,
  };
}

/**
 * StatsTrack.toString(): `count=N,bytes=N` (-1 when absent), then, when any other key is
 * present, a spurious `=` (so 3.4's parser still reads count and bytes) and every other key,
 * sorted, after `;`.
 */
export function formatStatsTrackEntries(entries: ReadonlyMap<string, number>): string {
  let text = `count=${entries.get("count") ?? -1},bytes=${entries.get("bytes") ?? -1}`;
  const rest = [...entries.keys()].filter((k) => k !== "count" && k !== "bytes").sort();
  if (rest.length === 0) return text;
  text += "=";
  for (const key of rest) text += `;${key}=${entries.get(key)}`;
  return text;
}

/** StatsTrack.toString() of the four fields (`withLimits`: the hard limits are keys of it, as in a limits node). */
export function formatStatsTrack(s: StatsTrack, withLimits: boolean): string {
  const entries = new Map([
    ["count", s.count],
    ["bytes", s.bytes],
  ]);
  if (withLimits) {
    entries.set("countHardLimit", s.countHardLimit);
    entries.set("byteHardLimit", s.byteHardLimit);
  }
  return formatStatsTrackEntries(entries);
}

/** The stats text ZooKeeper's servers write: `count=N,bytes=N`. */
export function formatQuotaStats(count: number, bytes: number): string {
  return `count=${count},bytes=${bytes}`;
}

/**
 * The quota path a limits or stats node belongs to, and which of the two it is; undefined for
 * any other node, and for targets that carry no quota ("/", and /zookeeper and below: ZooKeeper
 * keeps none on its own subtree, whose stats nodes would count themselves).
 */
export function quotaNodeOf(path: string): { target: string; kind: "limits" | "stats" } | undefined {
  if (!path.startsWith(`${QUOTA_ROOT}/`)) return undefined;
  const slash = path.lastIndexOf("/");
  const name = path.slice(slash + 1);
  const kind = name === QUOTA_LIMIT_NODE ? "limits" : name === QUOTA_STAT_NODE ? "stats" : undefined;
  if (kind === undefined) return undefined;
  const target = path.slice(QUOTA_ROOT.length, slash);
  if (!isQuotaTarget(target)) return undefined;
  return { target, kind };
}

/** Whether a quota on `path` is kept: not "" or "/", and not /zookeeper or below. */
export function isQuotaTarget(path: string): boolean {
  return path.length > 1 && path.startsWith("/") && path !== "/zookeeper" && !path.startsWith("/zookeeper/");
}
