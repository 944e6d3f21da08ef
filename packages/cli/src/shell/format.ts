// How the shell prints things, in zkCli's formats: Stat fields (`cZxid = 0x...`), child
// lists (`[a, b]`), watch events (`WatchedEvent state:SyncConnected type:NodeCreated path:/a`)
// and the messages of its common errors.
import { ErrorCode, EventType, KeeperState, WardenError, formatZxid, type Stat } from "@warden/client";
import type { WatchedEvent } from "@warden/client";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/** Java's Date.toString() in UTC: `Wed Nov 25 15:02:56 UTC 2026`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} UTC ${d.getUTCFullYear()}`;
}

export function formatStat(stat: Stat): string {
  return `${[
    `cZxid = ${formatZxid(stat.czxid)}`,
    `ctime = ${formatTime(stat.ctime)}`,
    `mZxid = ${formatZxid(stat.mzxid)}`,
    `mtime = ${formatTime(stat.mtime)}`,
    `pZxid = ${formatZxid(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = ${formatZxid(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ].join("\n")}\n`;
}

/** Java's List.toString(): `[a, b]`. */
export function formatList(items: readonly string[]): string {
  return `[${items.join(", ")}]\n`;
}

const nameOf = (table: Record<string, number>, value: number) => Object.entries(table).find(([, v]) => v === value)?.[0] ?? String(value);

/** zkCli's watcher output: a blank line, `WATCHER::`, a blank line and the event. */
export function formatEvent(event: Pick<WatchedEvent, "type" | "state" | "path">): string {
  const path = event.path === "" ? "null" : event.path;
  return `\nWATCHER::\n\nWatchedEvent state:${nameOf(KeeperState, event.state)} type:${nameOf(EventType, event.type)} path:${path}\n`;
}

const ZKCLI_MESSAGES: Partial<Record<number, string>> = {
  [ErrorCode.NO_NODE]: "Node does not exist: ",
  [ErrorCode.NO_CHILDREN_FOR_EPHEMERALS]: "Ephemerals cannot have children: ",
  [ErrorCode.NODE_EXISTS]: "Node already exists: ",
  [ErrorCode.NOT_EMPTY]: "Node not empty: ",
  [ErrorCode.NOT_READONLY]: "Not a read-only call: ",
  [ErrorCode.INVALID_ACL]: "Acl is not valid : ",
  [ErrorCode.NO_AUTH]: "Insufficient permission : ",
  [ErrorCode.BAD_VERSION]: "version No is not valid : ",
  [ErrorCode.QUOTA_EXCEEDED]: "Quota has exceeded : ",
};

/** The message zkCli prints for a failed command; `path` is the command's own path. */
export function errorMessage(error: unknown, path: string | undefined): string {
  if (error instanceof WardenError) {
    const prefix = error.zkCode === undefined ? undefined : ZKCLI_MESSAGES[error.zkCode];
    const where = error.path ?? path;
    if (prefix !== undefined && where !== undefined) return prefix + where;
    if (error.zkCode === ErrorCode.NO_WATCHER && where !== undefined) return `No watcher of that kind on ${where}`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
