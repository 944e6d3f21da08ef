// Every configuration key Warden knows, in one place: its meaning is ZooKeeper's where the
// name is ZooKeeper's. `ignored` keys are accepted (so an unedited zoo.cfg starts) and
// reported at start, because Warden has no such mechanism or does it differently.

export type KeyKind = "int" | "string" | "bool" | "path" | "list";

export interface KeySpec {
  kind: KeyKind;
  /** Inclusive bounds for "int". */
  min?: number;
  max?: number;
  doc: string;
  ignored?: string;
}

const PORT = { min: 0, max: 65535 } as const;

export const KEYS: Readonly<Record<string, KeySpec>> = {
  tickTime: { kind: "int", min: 1, max: 600_000, doc: "The basic time unit in ms; session and sync timeouts are counted in ticks." },
  initLimit: { kind: "int", min: 1, max: 10_000, doc: "Ticks a follower may take to connect and sync to a leader." },
  syncLimit: { kind: "int", min: 1, max: 10_000, doc: "Ticks a follower may be out of contact with the leader before it is dropped." },
  dataDir: { kind: "path", doc: "Directory of the transaction log, snapshots and the myid file." },
  dataLogDir: { kind: "path", doc: "Accepted for compatibility; Warden keeps its log in dataDir.", ignored: "the log lives in dataDir" },
  clientPort: { kind: "int", ...PORT, doc: "Port of the ZooKeeper client protocol (default 2181; 0 disables)." },
  clientPortAddress: { kind: "string", doc: "Address the client ports (ZooKeeper and native) listen on (default all)." },
  nativePort: { kind: "int", ...PORT, doc: "Warden's native WebSocket protocol port (default 2281; 0 disables)." },
  adminPort: { kind: "int", ...PORT, doc: "Admin HTTP port: /health, /metrics, /commands/<name> (default 8080; 0 disables)." },
  "admin.serverPort": { kind: "int", ...PORT, doc: "ZooKeeper's name for the admin HTTP port; same as adminPort." },
  "admin.serverAddress": { kind: "string", doc: "Address the admin HTTP server listens on (default all)." },
  "admin.enableServer": { kind: "bool", doc: "false disables the admin HTTP server." },
  minSessionTimeout: { kind: "int", min: 1, max: 86_400_000, doc: "Smallest session timeout in ms a client may get (default 2 ticks)." },
  maxSessionTimeout: { kind: "int", min: 1, max: 86_400_000, doc: "Largest session timeout in ms a client may get (default 20 ticks)." },
  maxClientCnxns: { kind: "int", min: 0, max: 1_000_000, doc: "Connections per client IP address, counted when accepted (0: unlimited; default 60)." },
  maxCnxns: { kind: "int", min: 0, max: 10_000_000, doc: "Client connections in all, on both client ports (0: unlimited, the default, as in ZooKeeper)." },
  watchHistoryCount: { kind: "int", min: 0, max: 10_000_000, doc: "Recent committed changes each server keeps so that a native client coming back (to it or from another server) gets every event its persistent and recursive watches missed; one further behind gets an EventsLost event per such watch instead (default 100000; 0 keeps none). Not ZooKeeper's: its port never replays." },
  watchHistoryBytes: { kind: "int", min: 0, max: 1 << 30, doc: "The same history in bytes (64 per change plus its path): whichever bound is reached first (default 16 MiB)." },
  maxWatchesPerSession: { kind: "int", min: 1, max: 100_000_000, doc: "Paths one session may watch at once; a read that would watch more is refused with THROTTLED (default 100000)." },
  clientOutputBytesSoft: { kind: "int", min: 65_536, max: 1 << 30, doc: "Replies queued for one client connection above which its requests are no longer read and its reads wait (default 4 MiB)." },
  clientOutputBytesMax: { kind: "int", min: 65_536, max: 1 << 30, doc: "Replies queued for one client connection above which it is closed (default 32 MiB)." },
  clientHandshakeTimeoutMs: { kind: "int", min: 100, max: 600_000, doc: "A client connection without a completed handshake after this long is closed (default 10000, ZooKeeper's sessionlessCnxnTimeout)." },
  "autopurge.snapRetainCount": { kind: "int", min: 3, max: 1000, doc: "Snapshots (and the log they need) kept by purging (default 3)." },
  "autopurge.purgeInterval": { kind: "int", min: 0, max: 10_000, doc: "Hours between purges (0: never; default 0)." },
  "4lw.commands.whitelist": { kind: "list", doc: "Four-letter words answered on the client port ('*' for all; default srvr)." },
  ensembleSecretFile: { kind: "path", doc: "File holding the secret peers prove they share." },
  superDigest: { kind: "string", doc: "user:base64(sha1(user:password)) of the superuser (ZooKeeper's DigestAuthenticationProvider.superDigest)." },
  "jute.maxbuffer": { kind: "int", min: 1024, max: 64 * 1024 * 1024, doc: "Largest request frame on the ZooKeeper port (a longer one closes the connection, as in ZooKeeper) and largest znode data, in bytes (default 1048575, ZooKeeper's 0xfffff). Replies may be 64 KiB longer." },
  maxOutstandingPerSession: { kind: "int", min: 1, max: 100_000, doc: "Requests a session may have unanswered before reading pauses (default 1000)." },
  globalOutstandingLimit: { kind: "int", min: 1, max: 10_000_000, doc: "Requests unanswered across all sessions before reading pauses (default 1000 per ZooKeeper; Warden default 100000)." },
  snapCount: { kind: "int", min: 10, max: 100_000_000, doc: "Transactions between snapshots (default 100000)." },
  standaloneEnabled: { kind: "bool", doc: "Accepted; a single server with no server.N lines runs standalone." },
  reconfigEnabled: { kind: "bool", doc: "Dynamic reconfiguration is not supported.", ignored: "no dynamic reconfiguration" },
  electionAlg: { kind: "int", min: 0, max: 3, doc: "Accepted; Warden has one election algorithm.", ignored: "one election algorithm" },
  peerType: { kind: "string", doc: "participant or observer (this server's role)." },
  leaderServes: { kind: "bool", doc: "Accepted; the leader always serves clients.", ignored: "the leader always serves" },
  syncEnabled: { kind: "bool", doc: "Accepted; observers always log to disk.", ignored: "always on" },
  preAllocSize: { kind: "int", min: 0, max: 1 << 30, doc: "Accepted; LevelDB manages its own files.", ignored: "LevelDB manages files" },
  quorumListenOnAllIPs: { kind: "bool", doc: "Peers listen on all addresses instead of the server.N host." },
  "metricsProvider.className": { kind: "string", doc: "Accepted; metrics are always on /metrics.", ignored: "metrics are built in" },
  // Debian's and Apache's sample zoo.cfg carry httpHost beside httpPort (commented out); turning them on must still start.
  "metricsProvider.httpHost": { kind: "string", doc: "Accepted; metrics are on the admin port (admin.serverAddress).", ignored: "metrics are on adminPort" },
  "metricsProvider.httpPort": { kind: "int", ...PORT, doc: "Accepted; metrics are on the admin port.", ignored: "metrics are on adminPort" },
  "metricsProvider.exportJvmInfo": { kind: "bool", doc: "Accepted.", ignored: "no JVM" },
  extendedTypesEnabled: { kind: "bool", doc: "Accepted; TTL nodes are always enabled.", ignored: "TTL nodes always on" },
  "zookeeper.extendedTypesEnabled": { kind: "bool", doc: "Accepted; TTL nodes are always enabled.", ignored: "TTL nodes always on" },
  initialConfig: { kind: "string", doc: "Accepted.", ignored: "no dynamic reconfiguration" },
  dynamicConfigFile: { kind: "path", doc: "Not supported: put server.N lines in this file.", ignored: "no dynamic reconfiguration" },
  localSessionsEnabled: { kind: "bool", doc: "Accepted; all sessions are global.", ignored: "all sessions are global" },
  localSessionsUpgradingEnabled: { kind: "bool", doc: "Accepted.", ignored: "all sessions are global" },
  "audit.enable": { kind: "bool", doc: "Accepted.", ignored: "no audit log" },
  "sslQuorum": { kind: "bool", doc: "TLS between peers is not supported.", ignored: "no TLS" },
  snapshotChunkBytes: { kind: "int", min: 512, max: 2 * 1024 * 1024, doc: "Bytes per chunk of a snapshot the leader sends a follower too far behind for its log (default 1 MiB; 8 chunks unacknowledged at most)." },
  commitLogCount: { kind: "int", min: 2, max: 10_000_000, doc: "Committed transactions the leader keeps in memory to catch followers up; one further behind gets a snapshot (ZooKeeper's zookeeper.commitLogCount, whose default is 500; Warden's default 10000, with commitLogBytes beside it)." },
  commitLogBytes: { kind: "int", min: 65_536, max: 1 << 30, doc: "The same window in bytes of transactions: whichever bound is reached first (default 64 MiB; 10,000 writes of 1 MiB would otherwise stay in memory)." },
};

export const SERVER_LINE = /^server\.(\d+)$/;

/** The table of docs/configuration.md: every key, its type and bounds, what it means. */
export function configurationTable(): string {
  const rows = Object.entries(KEYS).map(([key, spec]) => {
    const type = spec.kind === "int" ? `int ${spec.min ?? ""}..${spec.max ?? ""}` : spec.kind;
    const note = spec.ignored ? ` *(accepted, no effect: ${spec.ignored})*` : "";
    return `| \`${key}\` | ${type} | ${spec.doc}${note} |`;
  });
  return ["| key | type | meaning |", "|---|---|---|", ...rows].join("\n") + "\n";
}
