// ZooKeeper's dynamic configuration text (3.5+; QuorumPeer.QuorumServer, QuorumMaj and
// QuorumPeerConfig.parseDynamicConfig in 3.9): `server.N=host:quorumPort:electionPort
// [:participant|:observer][;[clientAddress:]clientPort]` lines and `version=<hex>`, as
// /zookeeper/config holds them and reconfig sends them. Pure: shared by the server (its
// configuration, the config node, reconfig's checks) and the client (getConfig, reconfig).
// Warden's peer port is the quorum port; the election port is carried and printed as given.
import { BadArgumentsError } from "./errors.js";
import { javaHashMapOrder, javaPropertiesOrder } from "./java-order.js";

export type LearnerType = "participant" | "observer";

export interface ServerAddress {
  host: string;
  port: number;
}

/** One `server.N` line. Hosts are kept without IPv6 brackets. */
export interface QuorumServerSpec {
  id: number;
  host: string;
  /** The first port: ZooKeeper's quorum port, Warden's peer port. */
  quorumPort: number;
  electionPort: number;
  type: LearnerType;
  /** After `;`: host 0.0.0.0 when only a port is given (ZooKeeper's reading); absent without `;`. */
  client?: ServerAddress;
}

export interface DynamicConfig {
  /** In ascending id order. */
  servers: QuorumServerSpec[];
  /** The `version=` value (hex on the wire); 0 when absent, as ZooKeeper's. */
  version: bigint;
}

/** server.N lines one configuration may have; ZooKeeper has no limit, its ensembles have a few dozen. */
export const DYNAMIC_CONFIG_SERVERS_MAX = 1024;
/** Characters of configuration text parsed (the node's data is bounded by jute.maxbuffer too). */
export const DYNAMIC_CONFIG_CHARS_MAX = 1024 * 1024;

/** QuorumServer's wrongFormat, 3.9's text. */
const WRONG_FORMAT =
  " does not have the form server_config or server_config;client_config where server_config is the pipe separated list of host:port:port or host:port:port:type and client_config is port or host:port";

const bad = (message: string) => new BadArgumentsError(message);

/** ConfigUtils.getHostAndPort: `[v6]:a:b` or `host:a:b`, split at colons. */
function hostAndPort(s: string): string[] {
  if (!s.startsWith("[")) return s.split(":");
  const i = s.indexOf("]");
  if (i < 0) throw bad(`${s} starts with '[' but has no matching ']:'`);
  if (i + 2 === s.length) throw bad(`${s} doesn't have a port after colon`);
  if (i + 2 < s.length) return [s.slice(1, i), ...s.slice(i + 2).split(":")];
  return [s.replace(/[[\]]/g, "")];
}

/** Integer.parseInt and InetSocketAddress's range: the port, or undefined. */
function javaPort(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 0 && n <= 65535 ? n : undefined;
}

/** Java's split drops trailing empty strings ("a;" is ["a"]). */
function javaSplit(s: string, separator: string): string[] {
  const parts = s.split(separator);
  while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/**
 * Parses the value of a `server.N` line (QuorumServer(sid, addressStr)); throws
 * BadArgumentsError with ZooKeeper's message for what it refuses.
 */
export function parseServerSpec(id: number, value: string): QuorumServerSpec {
  const parts = javaSplit(value, ";");
  if (parts.length > 2) throw bad(value + WRONG_FORMAT);
  const addresses = parts[0]!.split("|");
  if (addresses.length > 1) throw bad(`Multiple address feature is disabled, but multiple addresses were specified for sid ${id}`);
  const server = hostAndPort(addresses[0]!);
  if (server.length < 3 || server.length > 4) throw bad(value + WRONG_FORMAT);
  const host = server[0]!;
  if (host === "") throw bad(value + WRONG_FORMAT);
  const quorumPort = javaPort(server[1]);
  if (quorumPort === undefined) throw bad(`Address unresolved: ${host}:${server[1]}`);
  const electionPort = javaPort(server[2]);
  if (electionPort === undefined) throw bad(`Address unresolved: ${host}:${server[2]}`);
  if (quorumPort === electionPort)
    throw bad(`Client and election port must be different! Please update the configuration file on server.${id}`);
  let type: LearnerType = "participant";
  if (server.length === 4) {
    const t = server[3]!.trim().toLowerCase();
    if (t !== "participant" && t !== "observer") throw bad(`Unrecognised peertype: ${server[3]}`);
    type = t;
  }
  const spec: QuorumServerSpec = { id, host, quorumPort, electionPort, type };
  if (parts.length === 2) spec.client = parseClientPart(parts[1]!, value);
  return spec;
}

function parseClientPart(text: string, value: string): ServerAddress {
  const parts = hostAndPort(text);
  if (parts.length > 2) throw bad(value + WRONG_FORMAT);
  const host = parts.length === 2 ? parts[0]! : "0.0.0.0";
  const port = javaPort(parts[parts.length - 1]);
  // 3.9 names the server's hostname field here, not yet set when the client part is read.
  if (port === undefined) throw bad(`Address unresolved: null:${parts[parts.length - 1]}`);
  return { host, port };
}

/** InetSocketAddress.getHostString of a literal: IPv4 as given, IPv6 in Java's long form; names as given. */
export function javaHostString(host: string): string {
  if (!host.includes(":")) return host;
  const groups = expandIPv6(host);
  if (groups === undefined) return host;
  // Java makes an IPv4-mapped address an Inet4Address.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  return groups.map((g) => g.toString(16)).join(":");
}

function expandIPv6(host: string): number[] | undefined {
  const [address, scope] = host.split("%", 2);
  if (scope !== undefined || !/^[0-9a-fA-F:.]+$/.test(address!)) return undefined;
  let text = address!;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const b = v4.slice(1).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    text = `${text.slice(0, v4.index)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const side = (s: string) => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = side(halves[0]!);
  const tail = halves.length === 2 ? side(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return groups.some(Number.isNaN) ? undefined : groups;
}

const delimited = (host: string) => {
  const h = javaHostString(host);
  return h.includes(":") ? `[${h}]` : h;
};

/** QuorumServer.toString: `host:quorumPort:electionPort:type[;clientHost:clientPort]`. */
export function formatServerSpec(spec: QuorumServerSpec): string {
  const client = spec.client ? `;${delimited(spec.client.host)}:${spec.client.port}` : "";
  return `${delimited(spec.host)}:${spec.quorumPort}:${spec.electionPort}:${spec.type}${client}`;
}

/** Java's Long.parseLong(value, 16) for a version; undefined when Java would throw. */
export function parseVersionHex(text: string): bigint | undefined {
  if (!/^[+-]?[0-9a-fA-F]{1,16}$/.test(text)) return undefined;
  const negative = text.startsWith("-");
  const v = BigInt(`0x${text.replace(/^[+-]/, "")}`);
  const signed = negative ? -v : v;
  return signed > 0x7fffffffffffffffn || signed < -0x8000000000000000n ? undefined : signed;
}

/** Long.toHexString: two's complement for negatives (-1 is ffffffffffffffff). */
export function formatVersionHex(version: bigint): string {
  return BigInt.asUintN(64, version).toString(16);
}

/** The `key=value` pairs of properties text in file order (a repeated key keeps its last value, at its first place). */
export function propertiesEntries(text: string): Array<[string, string]> {
  if (text.length > DYNAMIC_CONFIG_CHARS_MAX) throw bad(`configuration text longer than ${DYNAMIC_CONFIG_CHARS_MAX} characters`);
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const m = /^([^=:\s]+)\s*[=:\s]?\s*(.*)$/.exec(line)!;
    out.set(m[1]!, m[2]!);
  }
  return [...out];
}

/**
 * QuorumPeerConfig.parseDynamicConfig (not in backward-compatibility mode): only `server.N`
 * and `version` keys. `group.`/`weight.` lines are hierarchical quorums, which Warden refuses.
 */
export function parseDynamicConfig(text: string): DynamicConfig {
  const servers = new Map<number, QuorumServerSpec>();
  let version = 0n;
  for (const [key, value] of propertiesEntries(text)) {
    if (key.startsWith("group") || key.startsWith("weight")) throw bad(`${key}: hierarchical quorums are not supported`);
    if (key === "version") {
      const v = parseVersionHex(value);
      if (v === undefined) throw bad(`For input string: "${value}"`);
      version = v;
    } else if (key.startsWith("server.")) {
      servers.set(serverId(key), parseServerSpec(serverId(key), value));
      if (servers.size > DYNAMIC_CONFIG_SERVERS_MAX) throw bad(`more than ${DYNAMIC_CONFIG_SERVERS_MAX} servers`);
    } else {
      throw bad(`Unrecognised parameter: ${key}`);
    }
  }
  return { servers: [...servers.values()].sort((a, b) => a.id - b.id), version };
}

/** The N of `server.N` (Long.parseLong); Warden keeps ids to safe integers. */
export function serverId(key: string): number {
  const text = key.slice(key.lastIndexOf(".") + 1);
  if (!/^\d{1,15}$/.test(text)) throw bad(`For input string: "${text}"`);
  return Number(text);
}

/**
 * QuorumMaj.toString: `server.N=...` lines then `version=<hex>`, no newline after it. The
 * lines come in the order of ZooKeeper's HashMap of members filled from a Properties of these
 * lines (ascending for ids below the map's table size, so for every ensemble with ids under 16).
 */
export function formatDynamicConfig(config: DynamicConfig): string {
  const byId = new Map(config.servers.map((s) => [s.id, s]));
  const keys: Array<[string, string]> = [...config.servers.map((s): [string, string] => [`server.${s.id}`, ""]), ["version", ""]];
  const inserted = javaPropertiesOrder(keys).flatMap(([k]) => (k === "version" ? [] : [Number(k.slice(7))]));
  const lines = javaHashMapOrder(inserted).map((id) => `server.${id}=${formatServerSpec(byId.get(id)!)}\n`);
  return `${lines.join("")}version=${formatVersionHex(config.version)}`;
}

/**
 * ConfigUtils.getClientConfigStr (zkCli's `config -c`): `<version> host:port,host:port` from
 * the client addresses, in the order Java's Properties gives the keys; a server without a
 * client address still takes its comma, as there. The version is the text of `version=`.
 */
export function clientConfigString(text: string): string {
  const entries = propertiesEntries(text).map(([k, v]) => [k.trim(), v.trim()] as [string, string]);
  let version = "";
  const hosts: string[] = [];
  for (const [key, value] of javaPropertiesOrder(entries)) {
    if (key === "version") version = value;
    if (!key.startsWith("server.")) continue;
    let spec: QuorumServerSpec;
    try {
      spec = parseServerSpec(-1, value);
    } catch {
      continue;
    }
    hosts.push(spec.client ? `${javaHostString(spec.client.host)}:${spec.client.port}` : "");
  }
  return `${version} ${hosts.join(",")}`;
}

/** The voting members (participants). */
export const votersOf = (config: DynamicConfig): QuorumServerSpec[] => config.servers.filter((s) => s.type === "participant");
