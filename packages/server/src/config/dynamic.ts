// The membership part of the configuration, as ZooKeeper 3.9's QuorumPeerConfig reads it:
// server.N lines in zoo.cfg (with an optional version=), or in the file dynamicConfigFile
// names (server.N lines only; the version is the file name's hex suffix, zoo.cfg.dynamic.100000000).
// And the text /zookeeper/config holds for it (QuorumMaj.toString).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  WardenError,
  formatDynamicConfig,
  parseDynamicConfig,
  parseServerSpec,
  parseVersionHex,
  propertiesEntries,
  type DynamicConfig,
  type QuorumServerSpec,
} from "@warden/protocol";
import { ConfigError, type PeerSpec } from "./config.js";

/** QuorumPeerConfig.getVersionFromFilename: the hex after the last dot, or undefined. */
export function versionFromFilename(file: string): bigint | undefined {
  const suffix = file.slice(file.lastIndexOf(".") + 1);
  return file.includes(".") ? parseVersionHex(suffix) : undefined;
}

const asConfigError = (where: string, e: unknown): never => {
  if (e instanceof WardenError) throw new ConfigError(`${where}: ${e.message}`);
  throw e;
};

/** The ZooKeeper-format checks of a server.N value beyond Warden's own, and its client address. */
export function serverSpecOf(id: number, value: string, where: string): QuorumServerSpec {
  try {
    return parseServerSpec(id, value);
  } catch (e) {
    return asConfigError(`${where}: server.${id}`, e);
  }
}

export function peerOf(spec: QuorumServerSpec): PeerSpec {
  const peer: PeerSpec = {
    id: spec.id,
    host: spec.host,
    peerPort: spec.quorumPort,
    electionPort: spec.electionPort,
    observer: spec.type === "observer",
  };
  if (spec.client) peer.client = { ...spec.client };
  return peer;
}

export function specOf(peer: PeerSpec): QuorumServerSpec {
  const spec: QuorumServerSpec = {
    id: peer.id,
    host: peer.host,
    quorumPort: peer.peerPort,
    electionPort: peer.electionPort,
    type: peer.observer ? "observer" : "participant",
  };
  if (peer.client) spec.client = { ...peer.client };
  return spec;
}

/** Reads dynamicConfigFile: its servers and the version its name carries (0 without one). */
export function readDynamicConfigFile(
  value: string,
  baseDir: string,
  where: string,
): { servers: PeerSpec[]; version: bigint; file: string } {
  const file = resolve(baseDir, value);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`${where}: cannot read dynamicConfigFile ${file}: ${(e as Error).message}`);
  }
  if (propertiesEntries(text).some(([k]) => k === "version")) throw new ConfigError(`${file}: dynamic file shouldn't have version inside`);
  let parsed: DynamicConfig;
  try {
    parsed = parseDynamicConfig(text);
  } catch (e) {
    return asConfigError(`Error processing ${file}`, e);
  }
  return { servers: parsed.servers.map(peerOf), version: versionFromFilename(file) ?? 0n, file };
}

/**
 * ZooKeeper's setupClientPort: this server's line may carry its client address; a clientPort
 * (or clientPortAddress) given too must agree with it. Returns the address to listen on.
 */
export function ownClientAddress(
  servers: readonly PeerSpec[],
  myId: number,
  staticAddress: { port: number; host: string | undefined; portGiven: boolean },
): { port: number; host: string | undefined } {
  const own = servers.find((s) => s.id === myId)?.client;
  if (!own) return { port: staticAddress.port, host: staticAddress.host };
  const anyLocal = staticAddress.host === undefined || staticAddress.host === "0.0.0.0" || staticAddress.host === "::";
  const differs = staticAddress.portGiven && (staticAddress.port !== own.port || (!anyLocal && staticAddress.host !== own.host));
  if (differs) {
    throw new ConfigError(
      `client address for this server (id = ${myId}) in static config file is ${staticAddress.host ?? "0.0.0.0"}:${staticAddress.port} is different from client address found in dynamic file: ${own.host}:${own.port}`,
    );
  }
  return { port: own.port, host: own.host === "0.0.0.0" ? undefined : own.host };
}

/** Whether ZooKeeper would run these servers as a quorum (QuorumPeerConfig.isDistributed). */
export function isDistributed(servers: readonly PeerSpec[], standaloneEnabled: boolean): boolean {
  const voters = servers.filter((s) => !s.observer).length;
  // One voter with observers: ZooKeeper refuses it under standaloneEnabled, Warden runs an ensemble.
  return servers.length > 0 && (!standaloneEnabled || voters > 1 || voters < servers.length);
}

/**
 * What /zookeeper/config holds on a server started with this membership: QuorumMaj.toString
 * in a quorum (initConfigInZKDatabase), nothing on a standalone server (ZooKeeperServerMain
 * never writes it).
 */
export function configNodeText(membership: { servers: readonly PeerSpec[]; configVersion: bigint; standaloneEnabled: boolean }): string {
  if (!isDistributed(membership.servers, membership.standaloneEnabled)) return "";
  return formatDynamicConfig({ servers: membership.servers.map(specOf), version: membership.configVersion });
}

/** QuorumPeerConfig.parseDynamicConfig's checks of the voting members. */
export function checkMembership(servers: readonly PeerSpec[], standaloneEnabled: boolean): void {
  const voters = servers.filter((s) => !s.observer).length;
  const observers = servers.length - voters;
  if (voters === 0 && !standaloneEnabled) throw new ConfigError("standaloneEnabled = false then number of participants should be >0");
  if (voters === 0 && observers > 0) throw new ConfigError("Observers w/o participants is an invalid configuration");
  // ZooKeeper also refuses one voter with observers under standaloneEnabled; Warden runs it as an ensemble.
}
