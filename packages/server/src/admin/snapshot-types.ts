// The one picture of a server that every admin answer reads (snapshot.ts takes it), and what
// the commands that change state may do. ZooKeeper's names where its answers carry the figure.
export interface ConnectionInfo {
  remote: string;
  protocol: "native" | "zookeeper";
  sessionId: bigint;
  timeoutMs: number;
  /** 1 while its requests are read, 0 while reading is paused (ZooKeeper's interest ops). */
  interestOps: number;
  queued: number;
  received: number;
  sent: number;
  lastOp: string;
  establishedMs: number;
  lastCxid: number;
  lastZxid: bigint;
  lastResponseMs: number;
  lastLatencyMs: number;
  latencyMsMin: number;
  latencyMsAvg: number;
  latencyMsMax: number;
}

export interface ObserverInfo {
  id: number;
  remoteAddress: string;
  establishedMs: number;
  queuedFrames: number;
  queuedBytes: number;
  framesReceived: number;
  framesSent: number;
  requests: number;
  lastZxid: bigint;
}

export interface PeerInfo {
  id: number;
  host: string;
  peerPort: number;
  electionPort: number;
  observer: boolean;
}

/** Sizes in bytes of the last, smallest and largest proposal (-1 before the first), as ZooKeeper's BufferStats. */
export interface SizeStats {
  last: number;
  min: number;
  max: number;
}

export interface ServerSnapshot {
  mode: "standalone" | "leader" | "follower" | "observer" | "looking" | "read-only";
  serverId: number;
  epoch: number;
  zxid: bigint;
  nodeCount: number;
  latencyMs: { min: number; avg: number; max: number };
  packetsReceived: number;
  packetsSent: number;
  outstanding: number;
  connections: ConnectionInfo[];
  sessions: number;
  watchCount: number;
  watchesBySession: Map<bigint, string[]>;
  watchesByPath: Map<string, bigint[]>;
  ephemeralsCount: number;
  /** Each session's ephemeral paths (sessions without any left out). */
  ephemerals: Map<bigint, string[]>;
  /** Leader and standalone: session deadlines (ms since the epoch, rounded to a tick) and their sessions. */
  sessionExpiry: Map<number, bigint[]>;
  /** Every session of the ensemble with its timeout. */
  sessionTimeouts: Map<bigint, number>;
  approximateDataSize: number;
  followers: Array<{ id: number; lastZxid: bigint; lag: number }>;
  syncedFollowers: number;
  syncedObservers: number;
  /** Leader: each observer in contact (ZooKeeper's LearnerHandler.getLearnerHandlerInfo). */
  observers: ObserverInfo[];
  learners: number;
  pendingSyncs: number;
  quorumSize: number;
  leaderId: number | null;
  leaderUptimeMs: number;
  proposalSizes: SizeStats;
  electionCount: number;
  fsyncP50Ms: number;
  readOnly: boolean;
  /** Serving clients (node.serving): a leader once established, a follower once synced with its leader. */
  serving: boolean;
  uptimeMs: number;
  fileDescriptors: { open: number; max: number } | undefined;
  /** dirs' datadir_size and logdir_size, as ZooKeeper computes them (snapshot.ts directorySizes). */
  dataDirBytes: number;
  logDirBytes: number;
  lastSnapshot: { zxid: bigint; timestampS: number } | undefined;
  servers: PeerInfo[];
  clientAddress: string;
  /** What the configuration file or the command line said, key=value lines (initial_configuration). */
  initialConfiguration: string;
  settings: Settings;
}

export interface Settings {
  clientPort: number;
  /** The TLS ZooKeeper port; 0: off. */
  secureClientPort: number;
  dataDir: string;
  dataLogDir: string;
  tickTimeMs: number;
  connectionsPerAddressMax: number;
  sessionTimeoutMsMin: number;
  sessionTimeoutMsMax: number;
  initLimitTicks: number;
  syncLimitTicks: number;
  nativePort: number;
  adminPort: number;
  frameBytesMax: number;
}

/** What the commands that change state do (stat_reset, connection_stat_reset). */
export interface AdminActions {
  resetServerStats(): void;
  resetConnectionStats(): void;
  /** Zeroes the observers' packet and request counts (observer_connection_stat_reset). */
  resetObserverStats(): void;
}
