// A server's picture (ServerSnapshot) as the admin tests build it: a standalone server with one
// connection, a leader and a follower of three, and commands' answers read back as a client would.
import { commandJson } from "../src/admin/commands.js";
import type { AdminActions, ConnectionInfo, ServerSnapshot } from "../src/admin/snapshot-types.js";
import { adminJson } from "../src/admin/admin-json.js";

export const SID = 0x100032590650000n;
export const connection = (over: Partial<ConnectionInfo> = {}): ConnectionInfo => ({
  remote: "127.0.0.1:46812",
  protocol: "zookeeper",
  sessionId: SID,
  timeoutMs: 10_000,
  interestOps: 1,
  queued: 0,
  received: 8,
  sent: 8,
  lastOp: "GETC",
  establishedMs: 1796455148688,
  lastCxid: 7,
  lastZxid: 4n,
  lastResponseMs: 52794540,
  lastLatencyMs: 1,
  latencyMsMin: 0,
  latencyMsAvg: 5,
  latencyMsMax: 16,
  ...over,
});

export const snapshot = (over: Partial<ServerSnapshot> = {}): ServerSnapshot => ({
  mode: "standalone",
  serverId: 1,
  epoch: 0,
  zxid: 0x100000005n,
  nodeCount: 5,
  latencyMs: { min: 0, avg: 0.5, max: 3 },
  packetsReceived: 10,
  packetsSent: 9,
  outstanding: 0,
  connections: [connection()],
  sessions: 1,
  watchCount: 2,
  watchesBySession: new Map([[SID, ["/a", "/b"]]]),
  watchesByPath: new Map([
    ["/a", [SID]],
    ["/b", [SID]],
  ]),
  ephemeralsCount: 1,
  ephemerals: new Map([[SID, ["/cap/e"]]]),
  sessionExpiry: new Map([[1796455160000, [SID]]]),
  sessionTimeouts: new Map([[SID, 10_000]]),
  approximateDataSize: 67,
  followers: [],
  syncedFollowers: 0,
  syncedObservers: 0,
  observers: [],
  learners: 0,
  pendingSyncs: 0,
  quorumSize: 1,
  leaderId: null,
  leaderUptimeMs: 0,
  proposalSizes: { last: -1, min: -1, max: -1 },
  electionCount: 0,
  fsyncP50Ms: 0,
  readOnly: false,
  serving: true,
  uptimeMs: 2093,
  fileDescriptors: { open: 43, max: 20000 },
  dataDirBytes: 4096,
  logDirBytes: 8192,
  lastSnapshot: undefined,
  servers: [],
  clientAddress: "127.0.0.1:2181",
  initialConfiguration: "tickTime=2000\n",
  settings: {
    clientPort: 2181,
    secureClientPort: 0,
    dataDir: "/d",
    dataLogDir: "/l",
    tickTimeMs: 2000,
    connectionsPerAddressMax: 60,
    sessionTimeoutMsMin: 4000,
    sessionTimeoutMsMax: 40000,
    initLimitTicks: 10,
    syncLimitTicks: 5,
    nativePort: 2282,
    adminPort: 8080,
    frameBytesMax: 0xfffff,
  },
  ...over,
});

export const servers = [1, 2, 3].map((id) => ({ id, host: "127.0.0.1", peerPort: 2880 + id, electionPort: 3880 + id, observer: false }));
export const leader = (over: Partial<ServerSnapshot> = {}) =>
  snapshot({
    mode: "leader",
    serverId: 3,
    leaderId: 3,
    servers,
    quorumSize: 3,
    learners: 2,
    syncedFollowers: 2,
    leaderUptimeMs: 3156,
    proposalSizes: { last: 91, min: 48, max: 91 },
    followers: [
      { id: 1, lastZxid: 4n, lag: 0 },
      { id: 2, lastZxid: 4n, lag: 0 },
    ],
    ...over,
  });
export const follower = () => snapshot({ mode: "follower", serverId: 1, leaderId: 3, servers, quorumSize: 3, sessionExpiry: new Map() });

export const noActions: AdminActions = {
  resetServerStats: () => undefined,
  resetConnectionStats: () => undefined,
  resetObserverStats: () => undefined,
};
/** A command's answer as the admin port writes it, read back as a client would. */
export const answer = (name: string, s: ServerSnapshot, actions = noActions) =>
  JSON.parse(adminJson(commandJson(name, s, actions))) as Record<string, unknown>;
