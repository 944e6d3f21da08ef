import { resolve } from "node:path";
import { WardenError } from "@warden/protocol";
import { securitySettings, type SecuritySettings } from "./security.js";
import { authConfig, type AuthConfig } from "./auth-config.js";
import { tlsSettings, type TlsSettings } from "./tls-settings.js";
import { adminTlsSettings, type AdminTlsSettings } from "./admin-tls.js";
import { checkMembership, readDynamicConfigFile } from "./dynamic.js";
import { canonicalKeys } from "./parse.js";

// Parsing the text (parse.ts) and loading a server's configuration (load.ts) live apart.
export { parseProperties, parseServerLine } from "./parse.js";
export { loadConfig } from "./load.js";

/** A configuration problem: names the file and line (or the flag) and what is wrong. */
export class ConfigError extends WardenError {
  constructor(message: string) {
    super({ code: "WARDEN_ERR_CONFIG", message });
  }
}

export interface PeerSpec {
  id: number;
  host: string;
  peerPort: number;
  electionPort: number;
  observer: boolean;
  /** The line's client address (`;[host:]port`, host 0.0.0.0 for a port alone); absent without one. */
  client?: { host: string; port: number };
}

/** TLS between servers (QuorumX509Util): the ssl.quorum.* settings, and whether the acceptor checks the dialer's name. */
export interface QuorumTlsSettings {
  settings: TlsSettings;
  /** ssl.quorum.clientHostnameVerification, on only with ssl.quorum.hostnameVerification (as ZooKeeper). */
  clientHostnameVerification: boolean;
}

/** The native port's origins, the admin port's authentication and the audit log (security.ts); SASL and enforcement (auth-config.ts). */
export interface ServerConfig extends SecuritySettings, AuthConfig, AdminTlsSettings {
  tickTimeMs: number;
  initLimitTicks: number;
  syncLimitTicks: number;
  dataDir: string;
  /** Where the transaction log lives: dataLogDir, or dataDir when it is not set (as ZooKeeper). */
  dataLogDir: string;
  clientPort: number;
  clientPortAddress: string | undefined;
  nativePort: number;
  /** The ZooKeeper protocol over TLS, and the native one over wss (0: off); they listen on secureClientPortAddress. */
  secureClientPort: number;
  secureNativePort: number;
  secureClientPortAddress: string | undefined;
  /** The ssl.* settings of the TLS client ports; undefined when neither is on. */
  clientTls: TlsSettings | undefined;
  /** The x509 identity (a certificate's subject) that is the superuser (X509AuthenticationProvider.superUser). */
  x509SuperUser: string | undefined;
  /** TLS handshakes in progress per TLS port (outstandingHandshake.limit). */
  tlsHandshakesMax: number;
  /** sslQuorum=true: the ssl.quorum.* settings of every connection between servers; undefined: plain TCP. */
  quorumTls: QuorumTlsSettings | undefined;
  adminPort: number;
  adminAddress: string | undefined;
  sessionTimeoutMsMin: number;
  sessionTimeoutMsMax: number;
  /** Connections per client address; 0 = unlimited. */
  connectionsPerAddressMax: number;
  /** Client connections in all; 0 = unlimited. */
  connectionsMax: number;
  /** Paths one session may watch. */
  watchesPerSessionMax: number;
  /** Queued output of one client connection: pause reading above the soft bound, close above the max. */
  clientOutputBytesSoft: number;
  clientOutputBytesMax: number;
  /** A client connection must complete its handshake within this. */
  clientHandshakeTimeoutMs: number;
  /** The process's heap may grow this far (percent) past its live data before a full collection; 0: V8's choice. */
  heapGrowthPercent: number;
  snapRetainCount: number;
  purgeIntervalHours: number;
  /** Four-letter words answered on the client port; "*" = all. */
  fourLetterWords: ReadonlySet<string> | "*";
  ensembleSecretFile: string | undefined;
  superDigest: string | undefined;
  /** Largest frame and znode data (ZooKeeper's jute.maxbuffer). */
  frameBytesMax: number;
  outstandingPerSessionMax: number;
  outstandingGlobalMax: number;
  snapCount: number;
  /** ZooKeeper's snapSizeLimitInKb: a snapshot once the txns since the last pass about this many KiB; 0 or less, no such limit. */
  snapSizeLimitKb: number;
  quorumListenOnAllIPs: boolean;
  /** Listen backlog of the client ports; -1: the system's. */
  clientPortListenBacklog: number;
  /** TCP keep-alive on client connections, and on connections between servers. */
  clientTcpKeepAlive: boolean;
  tcpKeepAlive: boolean;
  /** fsync the log (ZooKeeper's forceSync: only "no" turns it off). */
  forceSync: boolean;
  /** A log fsync slower than this is logged. */
  fsyncWarningThresholdMs: number;
  /** Skip every ACL check (ZooKeeper's skipACL: only "yes" turns it on). */
  skipACL: boolean;
  /** Serve reads to canBeReadOnly clients while there is no quorum (readonlymode.enabled; core/read-only.ts). */
  readOnlyMode: boolean;
  /** Refuse creates and setData past a quota's hard limit (ZooKeeper's zookeeper.enforceQuota). */
  enforceQuota: boolean;
  /** Path of the admin commands, and the idle time after which an admin connection is closed. */
  adminCommandUrl: string;
  adminIdleTimeoutMs: number;
  /** How often empty containers and expired TTL nodes are looked for. */
  containerCheckIntervalMs: number;
  /** Snapshot transfer to a lagging follower: bytes per chunk; and the leader's in-memory log window in entries. */
  snapshotChunkBytes: number;
  commitLogCount: number;
  /** The leader's in-memory log window in bytes. */
  commitLogBytes: number;
  /** The change history that lets persistent and recursive watches resume (ChangeHistory's bounds). */
  watchHistoryCount: number;
  watchHistoryBytes: number;
  /** Voting members and observers from server.N lines; empty = standalone. */
  servers: PeerSpec[];
  /** This server's id (from dataDir/myid when server.N lines exist). */
  myId: number;
  /** reconfigEnabled (ZooKeeper 3.5.3+: false by default): the reconfig op is considered at all. */
  reconfigEnabled: boolean;
  /** standaloneEnabled (default true): one voting server alone runs standalone, as ZooKeeper's. */
  standaloneEnabled: boolean;
  /** The membership's version: version= in zoo.cfg, or dynamicConfigFile's name suffix; 0 without. */
  configVersion: bigint;
  /** The file the server.N lines came from when dynamicConfigFile is set. */
  dynamicConfigFile: string | undefined;
  /** zoo.cfg's absolute path, when loaded from a file: a committed reconfig edits it (reconfig/static-config.ts). */
  configFile?: string;
  /** Keys accepted for compatibility but without effect: one line per reason, naming its keys. */
  ignored: string[];
  /** Values accepted with a meaning that may surprise (ZooKeeper's spelling rules): one line each. */
  warnings: string[];
}

/** Keys as given: the value, where it was given, and (after aliases are resolved) the spelling used. */
export type RawConfig = Map<string, { value: string; where: string; key?: string }>;

const int = (raw: RawConfig, key: string, dflt: number) => (raw.has(key) ? Number(raw.get(key)!.value) : dflt);
const bool = (raw: RawConfig, key: string, dflt: boolean) => (raw.has(key) ? /^(true|yes)$/i.test(raw.get(key)!.value) : dflt);
const str = (raw: RawConfig, key: string) => raw.get(key)?.value;

/** Validates raw keys and builds the configuration. `baseDir` resolves relative paths. */
export function buildConfig(given: RawConfig, baseDir: string): ServerConfig {
  const { keys: raw, servers: staticServers, version, ignored: ignoredKeys } = canonicalKeys(given);
  const dynamic = raw.has("dynamicConfigFile")
    ? readDynamicConfigFile(str(raw, "dynamicConfigFile")!, baseDir, raw.get("dynamicConfigFile")!.where)
    : undefined;
  const servers = dynamic?.servers ?? staticServers;
  const { auth, ignored: ignoredProviders } = authConfig(raw, baseDir);
  const ignored = [...ignoredKeys, ...ignoredProviders];
  const dataDirValue = str(raw, "dataDir");
  if (!dataDirValue) throw new ConfigError("dataDir is required (in the file or as --dataDir)");
  const dataDir = resolve(baseDir, dataDirValue);
  const tickTimeMs = int(raw, "tickTime", 2000);
  const security = securitySettings(raw, baseDir, dataDir, str(raw, "superDigest"));
  const cfg: ServerConfig = {
    tickTimeMs,
    initLimitTicks: int(raw, "initLimit", 10),
    syncLimitTicks: int(raw, "syncLimit", 5),
    dataDir,
    dataLogDir: raw.has("dataLogDir") ? resolve(baseDir, str(raw, "dataLogDir")!) : dataDir,
    clientPort: int(raw, "clientPort", 2181),
    clientPortAddress: str(raw, "clientPortAddress"),
    nativePort: int(raw, "nativePort", 2281),
    secureClientPort: int(raw, "secureClientPort", 0),
    secureNativePort: int(raw, "secureNativePort", 0),
    secureClientPortAddress: str(raw, "secureClientPortAddress"),
    clientTls:
      int(raw, "secureClientPort", 0) > 0 || int(raw, "secureNativePort", 0) > 0
        ? tlsSettings(raw, "ssl.", "client.certReload", baseDir)
        : undefined,
    x509SuperUser: str(raw, "X509AuthenticationProvider.superUser"),
    tlsHandshakesMax: int(raw, "outstandingHandshake.limit", 0) > 0 ? int(raw, "outstandingHandshake.limit", 0) : 1000,
    quorumTls: quorumTlsSettings(raw, baseDir),
    adminPort: bool(raw, "admin.enableServer", true) ? int(raw, "adminPort", int(raw, "admin.serverPort", 8080)) : 0,
    adminAddress: str(raw, "admin.serverAddress"),
    sessionTimeoutMsMin: int(raw, "minSessionTimeout", 2 * tickTimeMs),
    sessionTimeoutMsMax: int(raw, "maxSessionTimeout", 20 * tickTimeMs),
    connectionsPerAddressMax: int(raw, "maxClientCnxns", 60),
    connectionsMax: int(raw, "maxCnxns", 0),
    watchesPerSessionMax: int(raw, "maxWatchesPerSession", 100_000),
    clientOutputBytesSoft: int(raw, "clientOutputBytesSoft", 4 * 1024 * 1024),
    heapGrowthPercent: int(raw, "heapGrowthPercent", 100),
    clientOutputBytesMax: int(raw, "clientOutputBytesMax", 32 * 1024 * 1024),
    clientHandshakeTimeoutMs: int(raw, "clientHandshakeTimeoutMs", 10_000),
    snapRetainCount: int(raw, "autopurge.snapRetainCount", 3),
    purgeIntervalHours: int(raw, "autopurge.purgeInterval", 0),
    fourLetterWords: parseWhitelist(str(raw, "4lw.commands.whitelist")),
    ensembleSecretFile: raw.has("ensembleSecretFile") ? resolve(baseDir, str(raw, "ensembleSecretFile")!) : undefined,
    superDigest: str(raw, "superDigest"),
    frameBytesMax: int(raw, "jute.maxbuffer", JUTE_MAX_BUFFER_DEFAULT),
    outstandingPerSessionMax: int(raw, "maxOutstandingPerSession", 1000),
    outstandingGlobalMax: int(raw, "globalOutstandingLimit", 100_000),
    snapCount: int(raw, "snapCount", 100_000),
    snapSizeLimitKb: int(raw, "snapSizeLimitInKb", 4_194_304),
    quorumListenOnAllIPs: bool(raw, "quorumListenOnAllIPs", false),
    clientPortListenBacklog: int(raw, "clientPortListenBacklog", -1),
    clientTcpKeepAlive: bool(raw, "clientTcpKeepAlive", false),
    tcpKeepAlive: bool(raw, "tcpKeepAlive", false),
    forceSync: str(raw, "forceSync") !== "no",
    fsyncWarningThresholdMs: int(raw, "fsync.warningthresholdms", 1000),
    skipACL: str(raw, "skipACL") === "yes",
    readOnlyMode: bool(raw, "readonlymode.enabled", false),
    enforceQuota: /^true$/i.test(str(raw, "enforceQuota") ?? ""),
    adminCommandUrl: str(raw, "admin.commandURL") ?? "/commands",
    adminIdleTimeoutMs: int(raw, "admin.idleTimeout", 30_000),
    containerCheckIntervalMs: int(raw, "znode.container.checkIntervalMs", 60_000),
    snapshotChunkBytes: int(raw, "snapshotChunkBytes", 1024 * 1024),
    commitLogCount: int(raw, "commitLogCount", 10_000),
    commitLogBytes: int(raw, "commitLogBytes", 64 * 1024 * 1024),
    watchHistoryCount: int(raw, "watchHistoryCount", 100_000),
    watchHistoryBytes: int(raw, "watchHistoryBytes", 16 * 1024 * 1024),
    servers: servers.sort((a, b) => a.id - b.id),
    myId: 0,
    reconfigEnabled: bool(raw, "reconfigEnabled", false),
    standaloneEnabled: bool(raw, "standaloneEnabled", true),
    configVersion: dynamic?.version ?? version ?? 0n,
    dynamicConfigFile: dynamic?.file,
    ignored,
    warnings: spellingWarnings(raw),
    ...security,
    ...adminTlsSettings(raw, baseDir, security.adminAuthX509.size > 0),
    ...auth,
  };
  checkConsistency(cfg, raw);
  return cfg;
}

function quorumTlsSettings(raw: RawConfig, baseDir: string): QuorumTlsSettings | undefined {
  if (!bool(raw, "sslQuorum", false)) return undefined;
  const settings = tlsSettings(raw, "ssl.quorum.", "sslQuorumReloadCertFiles", baseDir);
  return {
    settings,
    clientHostnameVerification: settings.hostnameVerification && bool(raw, "ssl.quorum.clientHostnameVerification", true),
  };
}

/** ZooKeeper turns forceSync off only for "no" and skipACL on only for "yes": say so when another spelling is used. */
function spellingWarnings(raw: RawConfig): string[] {
  const out: string[] = [];
  const forceSync = raw.get("forceSync");
  if (forceSync && forceSync.value !== "no" && /^(false|no)$/i.test(forceSync.value))
    out.push(`${forceSync.where}: forceSync=${forceSync.value} keeps fsync on: ZooKeeper turns it off only for the value no`);
  const skipACL = raw.get("skipACL");
  if (skipACL && skipACL.value !== "yes" && /^(true|yes)$/i.test(skipACL.value))
    out.push(`${skipACL.where}: skipACL=${skipACL.value} keeps ACL checks on: ZooKeeper skips them only for the value yes`);
  const ssl = [...raw.keys()].filter((k) => k.startsWith("ssl.") && !k.startsWith("ssl.quorum."));
  if (ssl.length > 0 && !(Number(raw.get("secureClientPort")?.value ?? 0) > 0 || Number(raw.get("secureNativePort")?.value ?? 0) > 0)) {
    out.push(`${ssl.join(", ")}: no effect without a TLS client port (secureClientPort or secureNativePort)`);
  }
  const quorum = [...raw.keys()].filter((k) => k.startsWith("ssl.quorum.") || k === "sslQuorumReloadCertFiles");
  if (quorum.length > 0 && !bool(raw, "sslQuorum", false))
    out.push(`${quorum.join(", ")}: no effect without sslQuorum=true: the servers talk in plain TCP`);
  if (skipACL?.value === "yes") out.push(`WARNING: skipACL=yes: ACL checks are skipped, everyone has full access to the tree`);
  return out;
}

/** ZooKeeper's default jute.maxbuffer (BinaryInputArchive.maxBuffer): 0xfffff. */
export const JUTE_MAX_BUFFER_DEFAULT = 0xfffff;

function parseWhitelist(value: string | undefined): ReadonlySet<string> | "*" {
  if (value === undefined) return new Set(["srvr"]);
  const words = value
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean);
  return words.includes("*") ? "*" : new Set(words);
}

function checkConsistency(cfg: ServerConfig, raw: RawConfig): void {
  if (cfg.sessionTimeoutMsMin > cfg.sessionTimeoutMsMax) {
    throw new ConfigError(`minSessionTimeout (${cfg.sessionTimeoutMsMin}) is larger than maxSessionTimeout (${cfg.sessionTimeoutMsMax})`);
  }
  // One reply may pass the soft bound before reading pauses: the hard bound must leave room for it.
  const largestReply = cfg.frameBytesMax + 64 * 1024;
  if (cfg.clientOutputBytesSoft + largestReply > cfg.clientOutputBytesMax) {
    throw new ConfigError(
      `clientOutputBytesMax (${cfg.clientOutputBytesMax}) must be at least clientOutputBytesSoft (${cfg.clientOutputBytesSoft}) plus the largest reply (jute.maxbuffer + 64 KiB = ${largestReply})`,
    );
  }
  if (cfg.superDigest !== undefined && !/^[^:]+:[A-Za-z0-9+/]{27}=$/.test(cfg.superDigest)) {
    throw new ConfigError(`${raw.get("superDigest")!.where}: superDigest must be user:base64(sha1(user:password))`);
  }
  checkMembership(cfg.servers, cfg.standaloneEnabled);
  const ids = new Set<number>();
  for (const s of cfg.servers) {
    if (ids.has(s.id)) throw new ConfigError(`server.${s.id} is listed twice`);
    ids.add(s.id);
  }
}
