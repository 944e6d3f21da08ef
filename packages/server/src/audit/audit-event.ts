// What ZooKeeper's audit log says about a request (AuditHelper.addAuditLog, AuditEvent.toString):
// tab-separated key=value pairs in the order session, user, ip, operation, znode, znode_type,
// acl (each left out when it has no value), then result. Pure: the request, its outcome and
// who sent it in; lines out.
import { CreateMode, Perms, type ACL, type Id, type Request, type Response } from "@warden/protocol";
import { userNameOf } from "@warden/tree";

export type AuditResult = "success" | "failure";

/** One audited operation, before the session's fields are added. */
export interface AuditEntry {
  operation: string;
  znode?: string;
  znodeType?: string;
  acl?: string;
  result: AuditResult;
}

/** Who sent it: the session, its identities (ZooKeeper's "user"), the client's address. */
export interface AuditSession {
  sessionId: bigint;
  identities: readonly Id[];
  ip: string;
}

/** The znode of ZooKeeper's reconfig lines. */
const CONFIG_NODE = "/zookeeper/config";

const MODE_NAMES: Record<number, string> = {
  [CreateMode.PERSISTENT]: "persistent",
  [CreateMode.EPHEMERAL]: "ephemeral",
  [CreateMode.PERSISTENT_SEQUENTIAL]: "persistent_sequential",
  [CreateMode.EPHEMERAL_SEQUENTIAL]: "ephemeral_sequential",
  [CreateMode.CONTAINER]: "container",
  [CreateMode.PERSISTENT_WITH_TTL]: "persistent_with_ttl",
  [CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL]: "persistent_sequential_with_ttl",
};

/** ZKUtil.getPermString: c d r w a, in that order. */
function permString(perms: number): string {
  const bits: Array<[number, string]> = [
    [Perms.CREATE, "c"],
    [Perms.DELETE, "d"],
    [Perms.READ, "r"],
    [Perms.WRITE, "w"],
    [Perms.ADMIN, "a"],
  ];
  return bits
    .filter(([bit]) => (perms & bit) !== 0)
    .map(([, c]) => c)
    .join("");
}

/** ZKUtil.aclToString's scheme:id:perms per entry; entries are separated by commas (ZooKeeper runs them together). */
export function aclString(acl: readonly ACL[]): string {
  return acl.map((a) => `${a.id.scheme}:${a.id.id}:${permString(a.perms)}`).join(",");
}

/**
 * The entries a write request gives once its outcome is known (err 0: `response` is its reply).
 * As AuditHelper: a successful multi gives a line per create, delete and setData in it, a
 * failed one a single multiOperation failure; check and reads give none.
 */
export function auditEntries(request: Request, err: number, response: Response | undefined): AuditEntry[] {
  const result: AuditResult = err === 0 ? "success" : "failure";
  switch (request.type) {
    case "create": {
      const path = err === 0 && response?.type === "create" ? response.path : request.path;
      return [{ operation: "create", znode: path, znodeType: MODE_NAMES[request.mode], result }];
    }
    case "delete":
      return [{ operation: "delete", znode: request.path, result }];
    case "setData":
      return [{ operation: "setData", znode: request.path, result }];
    case "setACL":
      return [{ operation: "setAcl", znode: request.path, acl: aclString(request.acl), result }];
    case "closeSession":
      return [{ operation: "closeSession", result }];
    case "multi":
      return err === 0 && response?.type === "multi"
        ? multiEntries(request.ops, response.results)
        : [{ operation: "multiOperation", result: "failure" }];
    default:
      return [];
  }
}

function multiEntries(
  ops: Extract<Request, { type: "multi" }>["ops"],
  results: Extract<Response, { type: "multi" }>["results"],
): AuditEntry[] {
  // A multi that failed is answered with an error result per op (its header says OK, as ZooKeeper's).
  if (results.some((r) => r.type === "error")) return [{ operation: "multiOperation", result: "failure" }];
  const out: AuditEntry[] = [];
  ops.forEach((op, i) => {
    const r = results[i];
    if (op.type === "create")
      out.push({ operation: "create", znode: r?.type === "create" ? r.path : op.path, znodeType: MODE_NAMES[op.mode], result: "success" });
    else if (op.type === "delete" || op.type === "setData") out.push({ operation: op.type, znode: op.path, result: "success" });
  });
  return out;
}

/** The line of a reconfig (its result set by the answer). */
export const RECONFIG_ENTRY: AuditEntry = { operation: "reconfig", znode: CONFIG_NODE, result: "failure" };

/** AuthUtil.getUsers: each identity's user name, comma-separated; undefined when there is none. */
export function usersOf(identities: readonly Id[]): string | undefined {
  const names = identities.map(userNameOf).filter((n) => n.trim() !== "");
  return names.length > 0 ? names.join(",") : undefined;
}

/** A value never breaks a line or a pair: tabs and line breaks become spaces. */
const clean = (v: string) => v.replace(/[\t\r\n]/g, " ");

/**
 * One line of the log: time (ISO 8601, UTC), level (ERROR for a failure, as Slf4jAuditLogger),
 * "audit:", then ZooKeeper's AuditEvent text.
 */
export function auditLine(timeMs: number, who: AuditSession, entry: AuditEntry): string {
  const pairs: Array<[string, string | undefined]> = [
    ["session", `0x${BigInt.asUintN(64, who.sessionId).toString(16)}`],
    ["user", usersOf(who.identities)],
    ["ip", who.ip],
    ["operation", entry.operation],
    ["znode", entry.znode],
    ["znode_type", entry.znodeType],
    ["acl", entry.acl],
    ["result", entry.result],
  ];
  const text = pairs
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${clean(v)}`)
    .join("\t");
  return `${new Date(timeMs).toISOString()} ${entry.result === "failure" ? "ERROR" : "INFO"} audit: ${text}`;
}
