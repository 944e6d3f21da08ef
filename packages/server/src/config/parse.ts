// The configuration as text: Java-properties lines parsed into raw keys, each key checked
// against the key table (keys.ts) and given its canonical name, and the server.N lines.
import { parseVersionHex } from "@warden/protocol";
import { SERVER_LINE, lookupKey, type KeySpec } from "./keys.js";
import { serverSpecOf } from "./dynamic.js";
// config.ts imports this file: ConfigError is only used when a line is parsed, after both loaded.
import { ConfigError, type PeerSpec, type RawConfig } from "./config.js";

/** Parses Java-properties-style text (`key=value`, `key: value`, `key value`, # and ! comments). */
export function parseProperties(text: string, source: string): RawConfig {
  const out: RawConfig = new Map();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    const lineNo = i + 1;
    while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (!m) throw new ConfigError(`${source}:${lineNo}: expected key=value, got "${line}"`);
    out.set(m[1]!, { value: m[2]!.trim(), where: `${source}:${lineNo}` });
  }
  return out;
}

function checkValue(key: string, spec: KeySpec, value: string, where: string): void {
  if (spec.kind === "int") {
    if (!/^-?\d+$/.test(value)) throw new ConfigError(`${where}: ${key} must be an integer, got "${value}"`);
    const n = Number(value);
    if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
      throw new ConfigError(`${where}: ${key}=${value} is out of range [${spec.min}, ${spec.max}]`);
    }
  } else if (spec.kind === "bool") {
    if (!/^(true|false|yes|no)$/i.test(value)) throw new ConfigError(`${where}: ${key} must be true or false, got "${value}"`);
  } else if (value === "" && spec.kind !== "list") {
    throw new ConfigError(`${where}: ${key} needs a value`);
  }
}

/** Parses `host:peerPort:electionPort[:participant|observer][;clientAddress:clientPort]`. */
export function parseServerLine(id: number, value: string, where: string): PeerSpec {
  const [quorumPart] = value.split(";");
  const parts = quorumPart!.trim().split(":");
  let host: string;
  let rest: string[];
  if (parts[0]!.startsWith("[")) {
    const end = quorumPart!.indexOf("]");
    host = quorumPart!.slice(1, end);
    rest = quorumPart!.slice(end + 2).split(":");
  } else {
    host = parts[0]!;
    rest = parts.slice(1);
  }
  const port = (s: string | undefined, what: string) => {
    const n = Number(s);
    if (!s || !/^\d+$/.test(s) || n < 1 || n > 65535) throw new ConfigError(`${where}: server.${id} has a bad ${what} "${s ?? ""}"`);
    return n;
  };
  if (!host) throw new ConfigError(`${where}: server.${id} needs a host`);
  const peerPort = port(rest[0], "peer port");
  const electionPort = port(rest[1], "election port");
  const type = rest[2]?.trim();
  if (type !== undefined && type !== "participant" && type !== "observer") {
    throw new ConfigError(`${where}: server.${id} type must be participant or observer, got "${type}"`);
  }
  // ZooKeeper's own rules beyond these (distinct ports, the client part): QuorumServer's.
  const spec = serverSpecOf(id, value, where);
  return { id, host, peerPort, electionPort, observer: type === "observer", ...(spec.client ? { client: spec.client } : {}) };
}

/**
 * Checks every key and value, and returns the keys under their canonical names (an alias or a
 * zookeeper.<key> spelling becomes the key), the server.N lines, and the ignored keys by reason.
 */
export function canonicalKeys(raw: RawConfig): { keys: RawConfig; servers: PeerSpec[]; ignored: string[]; version: bigint | undefined } {
  const servers: PeerSpec[] = [];
  let version: bigint | undefined;
  const keys: RawConfig = new Map();
  const ignoredByReason = new Map<string, string[]>();
  for (const [key, entry] of raw) {
    const { value, where } = entry;
    const sm = SERVER_LINE.exec(key);
    if (sm) {
      if (raw.has("dynamicConfigFile")) throw new ConfigError(`${where}: parameter: ${key} must be in a separate dynamic config file`);
      servers.push(parseServerLine(Number(sm[1]), value, where));
      continue;
    }
    if (key === "version") {
      // Read with the server.N lines, as ZooKeeper's QuorumMaj does in zoo.cfg.
      version = parseVersionHex(value);
      if (version === undefined) throw new ConfigError(`${where}: version must be hexadecimal, got "${value}"`);
      continue;
    }
    if (/^group\.|^weight\./.test(key)) throw new ConfigError(`${where}: ${key}: hierarchical quorums are not supported`);
    const found = lookupKey(key);
    if (!found) throw new ConfigError(`${where}: unknown key "${key}"`);
    const { name, spec } = found;
    checkValue(key, spec, value, where);
    if (spec.refused?.when(value)) throw new ConfigError(`${where}: ${key}=${value} is refused: ${spec.refused.why}`);
    const earlier = keys.get(name);
    if (earlier && earlier.key !== key) throw new ConfigError(`${where}: ${key} is ${name}, already given at ${earlier.where}`);
    keys.set(name, { ...entry, key });
    if (spec.ignored) ignoredByReason.set(spec.ignored, [...(ignoredByReason.get(spec.ignored) ?? []), key]);
  }
  return { keys, servers, version, ignored: [...ignoredByReason].map(([reason, names]) => `${names.join(", ")}: ${reason}`) };
}
