// The checks ZooKeeper 3.9's PrepRequestProcessor makes of a reconfig request (case
// OpCode.reconfig), in its order, as a pure function: from the current membership and the
// request to the next membership, or to the error ZooKeeper answers. Applying the result
// (proposing it through the log) is consensus's part; this decides only what to propose.
import {
  DYNAMIC_CONFIG_SERVERS_MAX,
  ErrorCode,
  Perms,
  WardenError,
  formatDynamicConfig,
  parseDynamicConfig,
  parseServerSpec,
  javaHostString,
  type ACL,
  type DynamicConfig,
  type Id,
  type QuorumServerSpec,
} from "@warden/protocol";
import { checkACL } from "@warden/tree";

/** ReconfigRequest's fields (zookeeper.jute); null where the client sent none. */
export interface ReconfigRequestFields {
  joiningServers: string | null;
  leavingServers: string | null;
  newMembers: string | null;
  /** -1: any version (the client did not ask for one). */
  curConfigId: bigint;
}

/** What the deciding server (ZooKeeper: the leader) knows when a reconfig arrives. */
export interface ReconfigState {
  /** reconfigEnabled. */
  enabled: boolean;
  /** A standalone server (no quorum): ZooKeeper answers UNIMPLEMENTED. */
  standalone: boolean;
  standaloneEnabled: boolean;
  /** The last committed membership (ZooKeeper's quorum verifier). */
  current: DynamicConfig;
  /** The newest membership proposed (last seen); equal to current.version when no reconfig is in flight. */
  lastSeenVersion: bigint;
  /** The leader and the followers synced with it now (Leader.isQuorumSynced's learners). */
  syncedIds: ReadonlySet<number>;
  /** The ACL of /zookeeper/config (world:anyone:r unless a superuser changed it). */
  configAcl: readonly ACL[];
  /** The zxid the reconfig's transaction would take: the new membership's version. */
  nextZxid: bigint;
}

/** Who asks: ZooKeeper's rule is checkACL(WRITE) on /zookeeper/config, which skipACL and superusers pass. */
export interface Requester {
  superuser: boolean;
  skipACL: boolean;
  identities: readonly Id[];
}

export type ReconfigPlan = { ok: true; next: DynamicConfig; text: string } | { ok: false; err: number; message: string };

const fail = (err: number, message: string): ReconfigPlan => ({ ok: false, err, message });

/** StringUtils.split: split, trim, drop empty parts. */
const splitTrimmed = (text: string, separator: string) =>
  text
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== "");

/** Long.parseLong; undefined where Java throws NumberFormatException (ZooKeeper then answers MARSHALLINGERROR). */
function javaLong(text: string): number | undefined {
  return /^[+-]?\d{1,15}$/.test(text) ? Number(text) : undefined;
}

/**
 * Decides a reconfig as ZooKeeper's leader does: RECONFIG_DISABLED, UNIMPLEMENTED (standalone),
 * RECONFIG_IN_PROGRESS, BAD_VERSION, BAD_ARGUMENTS (malformed lines, too few voters),
 * MARSHALLING_ERROR (where Java throws an unchecked exception), NEW_CONFIG_NO_QUORUM, NO_AUTH,
 * in that order; or the next membership, versioned with nextZxid, and its text.
 */
export function planReconfig(state: ReconfigState, request: ReconfigRequestFields, who: Requester): ReconfigPlan {
  if (!state.enabled) return fail(ErrorCode.RECONFIG_DISABLED, "Reconfig operation requested but reconfig feature is disabled.");
  if (state.standalone) return fail(ErrorCode.UNIMPLEMENTED, "standalone mode - reconfiguration currently not supported");
  if (state.lastSeenVersion !== state.current.version) return fail(ErrorCode.RECONFIG_IN_PROGRESS, "a reconfiguration is in progress");
  if (request.curConfigId !== -1n && request.curConfigId !== state.lastSeenVersion) {
    return fail(
      ErrorCode.BAD_VERSION,
      `Reconfiguration from version ${request.curConfigId} failed -- last seen version is ${state.lastSeenVersion}`,
    );
  }
  const members = request.newMembers !== null ? nonIncremental(request.newMembers) : incremental(state.current, request);
  if (!("servers" in members)) return members;
  const voters = members.servers.filter((s) => s.type === "participant");
  if (state.standaloneEnabled && voters.length < 2)
    return fail(ErrorCode.BAD_ARGUMENTS, "Reconfig failed - new configuration must include at least 2 followers");
  if (voters.length < 1) return fail(ErrorCode.BAD_ARGUMENTS, "Reconfig failed - new configuration must include at least 1 follower");
  const synced = voters.filter((s) => state.syncedIds.has(s.id)).length;
  if (synced <= Math.floor(voters.length / 2))
    return fail(ErrorCode.NEW_CONFIG_NO_QUORUM, "Reconfig failed - there must be a connected and synced quorum in new configuration");
  if (!who.skipACL && !checkACL(state.configAcl, Perms.WRITE, who.identities, who.superuser))
    return fail(ErrorCode.NO_AUTH, "reconfig needs WRITE on /zookeeper/config (a superuser, or skipACL)");
  const next: DynamicConfig = { servers: members.servers, version: state.nextZxid };
  return { ok: true, next, text: formatDynamicConfig(next) };
}

/** newMembers: a whole configuration, commas as line breaks (parseDynamicConfig). */
function nonIncremental(newMembers: string): { servers: QuorumServerSpec[] } | ReconfigPlan {
  let parsed: DynamicConfig;
  try {
    parsed = parseDynamicConfig(newMembers.replaceAll(",", "\n"));
  } catch (e) {
    if (e instanceof WardenError) return fail(ErrorCode.BAD_ARGUMENTS, e.message);
    throw e;
  }
  // parseDynamicConfig's IllegalArgumentException: unchecked in PrepRequestProcessor.
  const voters = parsed.servers.filter((s) => s.type === "participant").length;
  if (voters === 0 && parsed.servers.length > 0)
    return fail(ErrorCode.MARSHALLING_ERROR, "Observers w/o participants is an invalid configuration");
  return { servers: parsed.servers };
}

/** joiningServers (`server.N=spec` lines, comma-separated) and leavingServers (ids) applied to the current members. */
function incremental(current: DynamicConfig, request: ReconfigRequestFields): { servers: QuorumServerSpec[] } | ReconfigPlan {
  const next = new Map(current.servers.map((s) => [s.id, s]));
  for (const leaving of request.leavingServers === null ? [] : splitTrimmed(request.leavingServers, ",")) {
    const id = javaLong(leaving);
    if (id === undefined) return fail(ErrorCode.MARSHALLING_ERROR, `For input string: "${leaving}"`);
    next.delete(id);
  }
  const joiners = request.joiningServers === null ? [] : splitTrimmed(request.joiningServers, ",");
  // Each joiner is compared with every member: bounded, as a whole configuration is.
  if (joiners.length + next.size > DYNAMIC_CONFIG_SERVERS_MAX)
    return fail(ErrorCode.BAD_ARGUMENTS, `more than ${DYNAMIC_CONFIG_SERVERS_MAX} servers`);
  for (const joiner of joiners) {
    const parts = splitTrimmed(joiner, "=");
    if (parts.length !== 2) return fail(ErrorCode.BAD_ARGUMENTS, "Wrong format of server string");
    const id = javaLong(parts[0]!.slice(parts[0]!.lastIndexOf(".") + 1));
    if (id === undefined) return fail(ErrorCode.MARSHALLING_ERROR, `For input string: "${parts[0]}"`);
    let spec: QuorumServerSpec;
    try {
      spec = parseServerSpec(id, parts[1]!);
    } catch {
      return fail(ErrorCode.BAD_ARGUMENTS, "Reconfiguration failed");
    }
    if (spec.client === undefined)
      return fail(ErrorCode.BAD_ARGUMENTS, "Wrong format of server string - each server should have 3 ports specified");
    for (const other of next.values()) {
      if (other.id === spec.id) continue;
      const conflict = addressConflict(spec, other);
      if (conflict) return fail(ErrorCode.BAD_ARGUMENTS, conflict);
    }
    next.delete(spec.id);
    next.set(spec.id, spec);
  }
  return { servers: [...next.values()].sort((a, b) => a.id - b.id) };
}

/** Loopback and wildcard addresses are not compared (QuorumServer.excludedSpecialAddresses). */
function special(host: string): boolean {
  const h = javaHostString(host);
  return h === "localhost" || h === "0.0.0.0" || h === "0:0:0:0:0:0:0:0" || h === "0:0:0:0:0:0:0:1" || /^127\./.test(h);
}

function addressesOf(s: QuorumServerSpec): string[] {
  const all = [`${s.host}:${s.quorumPort}`, ...(s.client ? [`${s.client.host}:${s.client.port}`] : []), `${s.host}:${s.electionPort}`];
  return all
    .filter((a) => !special(a.slice(0, a.lastIndexOf(":"))))
    .map((a) => javaHostString(a.slice(0, a.lastIndexOf(":"))) + a.slice(a.lastIndexOf(":")));
}

/**
 * QuorumServer.checkAddressDuplicate: a joiner's addresses (quorum, client, election) may not
 * be another member's. ZooKeeper compares resolved addresses; this compares host strings, so
 * two names of one address are not caught here.
 */
function addressConflict(joiner: QuorumServerSpec, other: QuorumServerSpec): string | undefined {
  const theirs = new Set(addressesOf(other));
  const mine = addressesOf(joiner).find((a) => theirs.has(a));
  return mine === undefined ? undefined : `${mine} of server.${joiner.id} conflicts ${mine} of server.${other.id}`;
}
