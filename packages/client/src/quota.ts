// ZooKeeper's quota commands as functions of a client (zkCli's SetQuotaCommand.createQuota,
// ListQuotaCommand.listQuota, DelQuotaCommand.delQuota): quotas are plain znodes under
// /zookeeper/quota that the servers read; these functions write them the way zkCli does, so
// zkCli, kazoo and Warden's shell see and change the same quotas.
import {
  NoNodeError,
  NodeExistsError,
  QUOTA_LIMIT_NODE,
  QUOTA_STAT_NODE,
  QUOTA_ROOT,
  formatStatsTrackEntries,
  parseStatsTrack,
  parseStatsTrackEntries,
  quotaLimitPath,
  quotaPath,
  quotaStatPath,
  type NodeData,
  type StatsTrack,
  WardenError,
} from "@warden/protocol";
import type { Client } from "./client.js";

/** Which limit to set or delete: count (-n), bytes (-b), countHardLimit (-N), byteHardLimit (-B). */
export type QuotaKind = "count" | "bytes" | "countHardLimit" | "byteHardLimit";

/** A quota that cannot be set there (zkCli's IllegalArgumentException, printed as it is). */
export class QuotaPathError extends WardenError {
  constructor(message: string) {
    super({ code: "WARDEN_ERR_QUOTA_PATH", message });
  }
}

/** Quota nodes one check visits at most (the subtree of /zookeeper/quota below the path). */
export const QUOTA_NODES_VISITED_MAX = 100_000;

const text = (data: NodeData) => (data === null ? null : new TextDecoder().decode(data));
const trim = (path: string) => path.slice(QUOTA_ROOT.length);

/**
 * Sets one limit of the quota on `path` (creating the quota, or changing that limit of the one
 * there). Returns zkCli's warnings when the subtree is already past the new limit. Throws
 * QuotaPathError where zkCli refuses: under /zookeeper/quota, a missing path, or a path whose
 * ancestor or descendant has a quota.
 */
export async function setQuota(client: Client, path: string, kind: QuotaKind, value: number): Promise<string[]> {
  if (path.startsWith(QUOTA_ROOT)) throw new QuotaPathError(`cannot set a quota under the path: ${QUOTA_ROOT}`);
  if ((await client.exists(path)) === null) throw new QuotaPathError(`${path} does not exist.`);
  await checkNoChildQuota(client, path);
  await checkNoParentQuota(client, path);
  // As zkCli: the nodes from /zookeeper/quota down to the path's own, then its two nodes there.
  let at = QUOTA_ROOT;
  for (const part of path
    .split("/")
    .slice(1)
    .filter((p) => p !== "")) {
    at += `/${part}`;
    if ((await client.exists(at)) === null) await client.create(at, null).catch(ignore(NodeExistsError));
  }
  const limitPath = `${at}/${QUOTA_LIMIT_NODE}`;
  const statPath = `${at}/${QUOTA_STAT_NODE}`;
  let limits: Map<string, number>;
  if ((await client.exists(limitPath)) === null) {
    limits = new Map([
      ["count", -1],
      ["bytes", -1],
      ["countHardLimit", -1],
      ["byteHardLimit", -1],
    ]);
    limits.set(kind, value);
    await client.create(limitPath, formatStatsTrackEntries(limits));
    await client.create(statPath, "count=0,bytes=0");
    limits = parseStatsTrackEntries(text((await client.getData(limitPath)).data));
    return warnings(limits, parseStatsTrack(text((await client.getData(statPath)).data)));
  }
  limits = parseStatsTrackEntries(text((await client.getData(limitPath)).data));
  limits.set(kind, value);
  const out = warnings(limits, parseStatsTrack(text((await client.getData(statPath)).data)));
  await client.setData(limitPath, formatStatsTrackEntries(limits), -1);
  return out;
}

/** The quota's limits and its stats, as zkCli's listquota reads them; NoNodeError when there is no quota. */
export async function listQuota(client: Client, path: string): Promise<{ limits: Map<string, number>; stats: Map<string, number> }> {
  const limits = parseStatsTrackEntries(text((await client.getData(quotaLimitPath(path))).data));
  const stats = parseStatsTrackEntries(text((await client.getData(quotaStatPath(path))).data));
  return { limits, stats };
}

/**
 * Deletes the quota on `path` (`kinds` absent or empty: all of it, its nodes and the empty
 * ones above them; otherwise those limits are set to -1). False when there is no quota.
 */
export async function deleteQuota(client: Client, path: string, kinds: readonly QuotaKind[] = []): Promise<boolean> {
  const parent = quotaPath(path);
  const limitPath = quotaLimitPath(path);
  if ((await client.exists(limitPath)) === null) return false;
  const limits = parseStatsTrackEntries(text((await client.getData(limitPath)).data));
  if (kinds.length === 0) {
    for (const child of await client.getChildren(parent)) await client.delete(`${parent}/${child}`, -1);
    // Then the quota's now-empty ancestors, up to /zookeeper/quota.
    for (let at = parent; at !== QUOTA_ROOT && at.startsWith(QUOTA_ROOT); at = at.slice(0, at.lastIndexOf("/"))) {
      if ((await client.getChildren(at)).length > 0) break;
      await client.delete(at, -1);
    }
    return true;
  }
  for (const kind of kinds) limits.set(kind, -1);
  await client.setData(limitPath, formatStatsTrackEntries(limits), -1);
  return true;
}

/** zkCli's checkQuota: a new limit already passed by the subtree. */
function warnings(limits: Map<string, number>, stats: StatsTrack): string[] {
  const l = parseStatsTrack(formatStatsTrackEntries(limits));
  const out: string[] = [];
  if ((l.count > -1 && l.count < stats.count) || (l.countHardLimit > -1 && l.countHardLimit < stats.count))
    out.push(`[Warning]: the count quota you create is less than the existing count:${stats.count}`);
  if ((l.bytes > -1 && l.bytes < stats.bytes) || (l.byteHardLimit > -1 && l.byteHardLimit < stats.bytes))
    out.push(`[Warning]: the bytes quota you create is less than the existing bytes:${stats.bytes}`);
  return out;
}

/** No node below /zookeeper/quota/<path> may hold a limits node (zkCli's checkIfChildQuota). */
async function checkNoChildQuota(client: Client, path: string): Promise<void> {
  const root = quotaPath(path);
  const stack = [root];
  for (let visited = 0; stack.length > 0; visited++) {
    if (visited >= QUOTA_NODES_VISITED_MAX) throw new QuotaPathError(`more than ${QUOTA_NODES_VISITED_MAX} nodes under ${root}`);
    const at = stack.pop()!;
    let children: string[];
    try {
      children = await client.getChildren(at);
    } catch (e) {
      if (e instanceof NoNodeError) continue;
      throw e;
    }
    if (at !== root && children.includes(QUOTA_LIMIT_NODE)) throw new QuotaPathError(`${path} has a child ${trim(at)} which has a quota`);
    for (const child of children.sort().reverse()) stack.push(`${at}/${child}`);
  }
}

/** No ancestor of `path` may have a quota (zkCli's checkIfParentQuota). */
async function checkNoParentQuota(client: Client, path: string): Promise<void> {
  const parts = path.split("/");
  let at = QUOTA_ROOT;
  for (let i = 1; i < parts.length - 1; i++) {
    at += `/${parts[i]}`;
    let children: string[];
    try {
      children = await client.getChildren(at);
    } catch (e) {
      if (e instanceof NoNodeError) return;
      throw e;
    }
    if (children.length === 0) return;
    if (children.includes(QUOTA_LIMIT_NODE)) throw new QuotaPathError(`${path} has a parent ${trim(at)} which has a quota`);
  }
}

const ignore =
  (C: new (...args: never[]) => Error) =>
  (e: unknown): void => {
    if (!(e instanceof C)) throw e;
  };
