// Every configuration key Warden knows, in one place: its meaning is ZooKeeper's where the
// name is ZooKeeper's (3.9's administrator guide, zookeeperAdmin.md, and QuorumPeerConfig).
// A key has an effect, or is `ignored` (accepted so an unedited zoo.cfg starts, and named in
// one start-up line per reason), or `refused` for values Warden cannot honour without
// silently lowering security. docs/configuration.md is generated from this table
// (`npm run docs:config`); a test fails when the committed page differs.

import { INT, isTrue, type KeyKind, type KeySpec } from "./key-spec.js";
import { sslClientKeys, sslQuorumKeys } from "./keys-tls.js";
export type { KeyKind, KeySpec } from "./key-spec.js";

const PORT = { min: 0, max: 65535 } as const;

// Reasons shared by many keys: each is one start-up line naming its keys.
const NO_SASL =
  "no SASL between servers and no Kerberos (ensembleSecretFile authenticates peers; clients have SASL DIGEST-MD5 via jaasLoginConfig)";
const NO_JVM = "tuning of ZooKeeper's Java implementation (threads, queues, caches) with no counterpart in Warden";
const NO_OBSERVER_MASTER = "observers follow the leader directly (no observer masters)";
const ELECTION_ON_PEER_PORT = "elections travel on the peer port";
const LEVELDB_LOG = "the log is LevelDB, which sizes and compacts its own files";
const NO_THROTTLE = "no connection or request throttling beyond maxClientCnxns, maxCnxns and the outstanding-request limits";

const SASL_REFUSED = { values: "true", why: "Warden has no SASL between servers; use ensembleSecretFile for peers" };
const AUTH_PROVIDER_DOC =
  "An authentication provider class. org.apache.zookeeper.server.auth.SASLAuthenticationProvider (the sasl scheme), DigestAuthenticationProvider, IPAuthenticationProvider and X509AuthenticationProvider are built in and accepted; the sasl scheme works without this line. Any other class is ignored, with a start-up line naming it.";

function ignoredKeys(names: readonly string[], kind: KeyKind, ignored: string, doc = "Accepted."): Record<string, KeySpec> {
  return Object.fromEntries(names.map((n) => [n, { kind, ...(kind === "int" ? INT : {}), doc, ignored }]));
}

export const KEYS: Readonly<Record<string, KeySpec>> = {
  // ---- the basics
  tickTime: { kind: "int", min: 1, max: 600_000, doc: "The basic time unit in ms; session and sync timeouts are counted in ticks." },
  initLimit: {
    kind: "int",
    min: 1,
    max: 10_000,
    doc: "Ticks a follower may take to connect and sync with a leader (default 10): a new leader that a quorum has not synced with within initLimit ticks steps down, a leader drops (starts the sync over) a follower not synced within it, and a follower gives up a leader it has not synced with within it. Raise it for large data trees, whose snapshot must reach a follower within it.",
  },
  syncLimit: { kind: "int", min: 1, max: 10_000, doc: "Ticks a follower may be out of contact with the leader before it is dropped." },
  dataDir: {
    kind: "path",
    doc: "Directory of the snapshots (dataDir/warden/snapshots), the myid file and, without dataLogDir, the transaction log (dataDir/warden/db).",
  },
  dataLogDir: {
    kind: "path",
    doc: "Directory of the transaction log (dataLogDir/warden/db, LevelDB), as in ZooKeeper: put it on its own device so log fsyncs do not wait behind snapshot writes. A server refuses to start when dataDir still holds a log (move dataDir/warden/db there first) or dataLogDir holds snapshots.",
  },
  clientPort: { kind: "int", ...PORT, doc: "Port of the ZooKeeper client protocol (default 2181; 0 disables)." },
  clientPortAddress: { kind: "string", doc: "Address the client ports (ZooKeeper and native) listen on (default all)." },
  clientPortListenBacklog: {
    kind: "int",
    ...INT,
    doc: "Listen backlog of the client ports (ZooKeeper and native): connections the kernel queues before they are accepted (default -1: the system's, 511 in Node).",
  },
  nativePort: { kind: "int", ...PORT, doc: "Warden's native WebSocket protocol port (default 2281; 0 disables)." },
  nativeAllowedOrigins: {
    kind: "list",
    doc: "Web pages allowed to open the native port, by the Origin their browser sends: comma-separated origins (`https://console.example.com,http://10.0.0.5:8080`), or `*` for any page. A WebSocket upgrade with an Origin not listed is refused with HTTP 403 (counted as origin_refused). Programs send no Origin and are not concerned. A session opened by a page has no ip identity (ip ACLs do not let it in). Default: empty, every page refused. Not ZooKeeper's.",
  },
  nativeAllowAdminOrigin: {
    kind: "bool",
    doc: "true also allows the admin port's own origin, http://HOST:adminPort (https:// when the admin port serves HTTPS, both with admin.portUnification) for this machine's addresses and names (or admin.serverAddress when it is a specific address), for the web console served there at /console/ (default false). Not ZooKeeper's.",
  },
  secureClientPort: {
    kind: "int",
    ...PORT,
    doc: "Port of the ZooKeeper client protocol over TLS, beside or instead of clientPort (default 0: off). Needs ssl.keyStore.location.",
  },
  secureClientPortAddress: {
    kind: "string",
    doc: "Address the TLS client ports (secureClientPort and secureNativePort) listen on (default all).",
  },
  secureNativePort: {
    kind: "int",
    ...PORT,
    doc: "Warden's native protocol over TLS (wss://), with the same ssl.* settings as secureClientPort (default 0: off). Not ZooKeeper's.",
  },
  clientTcpKeepAlive: { kind: "bool", doc: "true sets TCP keep-alive on client connections (default false)." },
  tcpKeepAlive: { kind: "bool", doc: "true sets TCP keep-alive on the connections between servers (default false)." },
  // ---- admin port
  adminPort: { kind: "int", ...PORT, doc: "Admin HTTP port: /health, /metrics, the commands (default 8080; 0 disables)." },
  "admin.serverPort": { kind: "int", ...PORT, doc: "ZooKeeper's name for the admin HTTP port; same as adminPort." },
  "admin.serverAddress": { kind: "string", doc: "Address the admin HTTP server listens on (default all)." },
  "admin.enableServer": { kind: "bool", doc: "false disables the admin HTTP server." },
  "admin.commandURL": { kind: "string", doc: "Path under which the admin commands are served (default /commands)." },
  "admin.idleTimeout": {
    kind: "int",
    min: 1,
    max: 86_400_000,
    doc: "Milliseconds an admin connection may stay idle before it is closed (default 30000).",
  },
  "admin.forceHttps": {
    kind: "bool",
    doc: "true: the admin port speaks only HTTPS (plain HTTP on it fails at the handshake), with ZooKeeper's admin server's key and trust stores, the ssl.quorum.* keys (keyStore.*, trustStore.*, protocol, enabledProtocols, ciphersuites), read once at start; responses carry Strict-Transport-Security, as Jetty's (default false).",
  },
  "admin.portUnification": {
    kind: "bool",
    doc: "true: the admin port serves HTTP and HTTPS on the one port, told apart by the first byte (0x16 opens a TLS handshake), as ZooKeeper's UnifiedConnectionFactory; plain HTTP stays open, so admin.needClientAuth binds only HTTPS requests. With admin.forceHttps too, HTTPS only, as in ZooKeeper (default false).",
  },
  "admin.needClientAuth": {
    kind: "bool",
    doc: "true: an HTTPS admin connection needs a client certificate that verifies against ssl.quorum.trustStore (none, or one that does not verify, fails the handshake). Needs admin.forceHttps or admin.portUnification: refused alone, where ZooKeeper ignores it (default false).",
  },
  "admin.authRequired": {
    kind: "bool",
    doc: "true: every admin request but /health (the commands, their list, /metrics) needs the credentials of a digest user, as HTTP Basic (`curl -u user:password`) or ZooKeeper 3.9's `Authorization: digest user:password`, matching superDigest or one of admin.authDigests, or, on HTTPS, a client certificate that verifies and whose x509 identity is admin.authX509[.N] or X509AuthenticationProvider.superUser; others get 401 (default false). Not ZooKeeper's: its admin port has no such switch (it checks credentials only for snapshot, restore and shed).",
  },
  "admin.authDigests": {
    kind: "list",
    doc: "Comma-separated digest ids, user:base64(sha1(user:password)) as for superDigest, whose users may use the admin port when admin.authRequired is true (superDigest's user may too).",
  },
  "admin.authX509": {
    kind: "string",
    doc: "With admin.authRequired and HTTPS on the admin port: the x509 identity (a client certificate's subject as Java names it, e.g. CN=ops,O=Example) whose verified certificate may use the admin port without a password; admin.authX509.N names more. Not ZooKeeper's.",
  },
  ...ignoredKeys(["admin.rateLimiterIntervalInMS"], "int", "admin commands are not rate limited"),
  ...ignoredKeys(["admin.snapshot.enabled", "admin.restore.enabled"], "bool", "no snapshot or restore admin commands"),
  // ---- sessions and connections
  minSessionTimeout: { kind: "int", min: 1, max: 86_400_000, doc: "Smallest session timeout in ms a client may get (default 2 ticks)." },
  maxSessionTimeout: { kind: "int", min: 1, max: 86_400_000, doc: "Largest session timeout in ms a client may get (default 20 ticks)." },
  maxClientCnxns: {
    kind: "int",
    min: 0,
    max: 1_000_000,
    doc: "Connections per client IP address, counted when accepted (0: unlimited; default 60).",
  },
  maxCnxns: {
    kind: "int",
    min: 0,
    max: 10_000_000,
    doc: "Client connections in all, on both client ports (0: unlimited, the default, as in ZooKeeper).",
  },
  watchHistoryCount: {
    kind: "int",
    min: 0,
    max: 10_000_000,
    doc: "Recent committed changes each server keeps so that a native client coming back (to it or from another server) gets every event its persistent and recursive watches missed; one further behind gets an EventsLost event per such watch instead (default 100000; 0 keeps none). Not ZooKeeper's: its port never replays.",
  },
  watchHistoryBytes: {
    kind: "int",
    min: 0,
    max: 1 << 30,
    doc: "The same history in bytes (64 per change plus its path): whichever bound is reached first (default 16 MiB).",
  },
  maxWatchesPerSession: {
    kind: "int",
    min: 1,
    max: 100_000_000,
    doc: "Paths one session may watch at once; a read that would watch more is refused with THROTTLED (default 100000).",
  },
  clientOutputBytesSoft: {
    kind: "int",
    min: 65_536,
    max: 1 << 30,
    doc: "Replies queued for one client connection above which its requests are no longer read and its reads wait (default 4 MiB).",
  },
  clientOutputBytesMax: {
    kind: "int",
    min: 65_536,
    max: 1 << 30,
    doc: "Replies queued for one client connection above which it is closed (default 32 MiB).",
  },
  clientHandshakeTimeoutMs: {
    kind: "int",
    min: 100,
    max: 600_000,
    doc: "A client connection without a completed handshake after this long is closed (default 10000, ZooKeeper's sessionlessCnxnTimeout).",
  },
  maxOutstandingPerSession: {
    kind: "int",
    min: 1,
    max: 100_000,
    doc: "Requests a session may have unanswered before reading pauses (default 1000).",
  },
  globalOutstandingLimit: {
    kind: "int",
    min: 1,
    max: 10_000_000,
    doc: "Requests unanswered across all sessions before reading pauses (default 1000 per ZooKeeper; Warden default 100000).",
  },
  "4lw.commands.whitelist": { kind: "list", doc: "Four-letter words answered on the client port ('*' for all; default srvr)." },
  localSessionsEnabled: { kind: "bool", doc: "Accepted; all sessions are global.", ignored: "all sessions are global" },
  localSessionsUpgradingEnabled: { kind: "bool", doc: "Accepted.", ignored: "all sessions are global" },
  ...ignoredKeys(["serverCnxnFactory"], "string", "Warden has its own network layer (no NIO or Netty factory)"),
  ...ignoredKeys(["netty.server.earlyDropSecureConnectionHandshakes"], "string", NO_THROTTLE),
  "outstandingHandshake.limit": {
    kind: "int",
    ...INT,
    doc: "TLS handshakes in progress on each TLS client port; one more connection is closed at once, logged and counted (default 1000; 0 or less is taken as 1000, not as no limit as in ZooKeeper: every count is bounded).",
  },
  // ---- storage
  snapCount: {
    kind: "int",
    min: 10,
    max: 100_000_000,
    doc: "Transactions between snapshots (default 100000): as in ZooKeeper, each server begins one once the transactions since its last pass a point it draws at random between snapCount/2 and snapCount, so that the servers do not all write one at once.",
  },
  "autopurge.snapRetainCount": {
    kind: "int",
    min: INT.min,
    max: 1000,
    doc: "Snapshots (and the log they need) each purge keeps, newest first (default 3; below 3 is taken as 3 with a warning, as in ZooKeeper).",
  },
  "autopurge.purgeInterval": {
    kind: "int",
    ...INT,
    doc: "Hours between purges: a purge at start and then every N hours (0 or less: never, the default, as in ZooKeeper: every snapshot and the whole log are kept).",
  },
  forceSync: {
    kind: "bool",
    doc: "no writes the transaction log without fsync: faster, but a power loss (not a process crash) may lose acknowledged writes. Only the value no turns fsync off, as in ZooKeeper (default yes).",
  },
  "fsync.warningthresholdms": {
    kind: "int",
    min: 0,
    max: INT.max,
    doc: "A log fsync slower than this many ms is logged as a warning (default 1000).",
  },
  preAllocSize: { kind: "int", min: 0, max: 1 << 30, doc: "Accepted.", ignored: LEVELDB_LOG },
  txnLogSizeLimitInKb: { kind: "int", ...INT, doc: "Accepted.", ignored: LEVELDB_LOG },
  snapSizeLimitInKb: {
    kind: "int",
    ...INT,
    doc: "KiB of transactions after which a snapshot is begun even before snapCount is reached: at a point drawn in the upper half, as for snapCount (default 4194304, 4 GiB; 0 or less: no limit by size).",
  },
  "snapshot.compression.method": {
    kind: "string",
    doc: "Accepted; snapshots are not compressed.",
    ignored: "snapshots are written uncompressed, with checksums",
  },
  "snapshot.trust.empty": { kind: "bool", doc: "Accepted.", ignored: "a log without a snapshot is always replayed from the start" },
  "digest.enabled": { kind: "bool", doc: "Accepted.", ignored: "no tree digests; the log and snapshots carry CRC-32 checksums" },
  syncEnabled: { kind: "bool", doc: "Accepted; observers always log to disk.", ignored: "always on" },
  "jute.maxbuffer": {
    kind: "int",
    min: 1024,
    max: 64 * 1024 * 1024,
    doc: "Largest request frame on the ZooKeeper port (a longer one closes the connection, as in ZooKeeper) and largest znode data, in bytes (default 1048575, ZooKeeper's 0xfffff). Replies may be 64 KiB longer.",
  },
  "jute.maxbuffer.extrasize": { kind: "int", ...INT, doc: "Accepted.", ignored: "peer frames are sized from jute.maxbuffer" },
  // ---- ensemble
  peerType: { kind: "string", doc: "participant or observer (this server's role)." },
  standaloneEnabled: {
    kind: "bool",
    doc: "true (default, as ZooKeeper): a configuration with one voting server is a standalone server: /zookeeper/config stays empty and reconfig is refused (UNIMPLEMENTED); a reconfig must leave at least 2 voting servers. false: one voting server is a quorum of one, whose /zookeeper/config lists it, and a reconfig may leave 1.",
  },
  quorumListenOnAllIPs: { kind: "bool", doc: "Peers listen on all addresses instead of the server.N host." },
  ensembleSecretFile: {
    kind: "path",
    doc: "File holding the secret peers prove they share (mutual handshake, every peer frame MAC'd: packages/server/README.md, Peers); session passwords are derived from it. Without it peers are admitted by address (a warning says so) and the ensemble's first leader commits a random session secret through the log, so no password can be computed from outside.",
  },
  commitLogCount: {
    kind: "int",
    min: 2,
    max: 10_000_000,
    doc: "Committed transactions the leader keeps in memory to catch followers up; one further behind gets a snapshot (ZooKeeper's zookeeper.commitLogCount, whose default is 500; Warden's default 10000, with commitLogBytes beside it).",
  },
  commitLogBytes: {
    kind: "int",
    min: 65_536,
    max: 1 << 30,
    doc: "The same window in bytes of transactions: whichever bound is reached first (default 64 MiB; 10,000 writes of 1 MiB would otherwise stay in memory).",
  },
  snapshotChunkBytes: {
    kind: "int",
    min: 512,
    max: 2 * 1024 * 1024,
    doc: "Bytes per chunk of a snapshot the leader sends a follower too far behind for its log (default 1 MiB; 8 chunks unacknowledged at most).",
  },
  electionAlg: { kind: "int", min: 0, max: 3, doc: "Accepted; Warden has one election algorithm.", ignored: "one election algorithm" },
  leaderServes: { kind: "bool", doc: "Accepted; the leader always serves clients.", ignored: "the leader always serves" },
  reconfigEnabled: {
    kind: "bool",
    doc: "true lets a superuser (or any client, with skipACL=yes) ask for the reconfig op; false (default, as ZooKeeper 3.5.3+) answers it RECONFIG_DISABLED. The request is decided on the leader as ZooKeeper decides it (versions, server lines, a synced quorum of the new voters; a follower forwards it), proposed through the log, and answered with the new configuration once it committed.",
  },
  initialConfig: { kind: "string", doc: "Accepted.", ignored: "ZooKeeper sets it itself from the configuration file's text" },
  dynamicConfigFile: {
    kind: "path",
    doc: "A file holding the server.N lines (and nothing else), as ZooKeeper's; zoo.cfg then must have none. The membership's version is the file name's hex suffix (zoo.cfg.dynamic.100000000), 0 without one; a version= line inside is refused, as in ZooKeeper. In zoo.cfg itself a version= line beside the server.N lines is read.",
  },
  ...ignoredKeys(["electionPortBindRetry", "cnxTimeout", "quorumCnxnTimeoutMs", "quorum.cnxn.threads.size"], "int", ELECTION_ON_PEER_PORT),
  ...ignoredKeys(
    ["fastleader.minNotificationInterval", "fastleader.maxNotificationInterval", "maxTimeToWaitForEpoch"],
    "int",
    "elections follow Warden's own timeouts (syncLimit)",
  ),
  ...ignoredKeys(
    ["observerMasterPort", "connectToLearnerMasterLimit", "observer.reconnectDelayMs", "observer.election.DelayMs"],
    "int",
    NO_OBSERVER_MASTER,
  ),
  ...ignoredKeys(
    [
      "learner.closeSocketAsync",
      "leader.closeSocketAsync",
      "learner.asyncSending",
      "forward_learner_requests_to_commit_processor_disabled",
      "zookeeper.follower.skipLearnerRequestToNextProcessor",
    ],
    "bool",
    NO_JVM,
  ),
  ...ignoredKeys(["multiAddress.enabled", "multiAddress.reachabilityCheckEnabled"], "bool", "one address per server"),
  ...ignoredKeys(["multiAddress.reachabilityCheckTimeoutMs"], "int", "one address per server"),
  // ---- security
  superDigest: {
    kind: "string",
    doc: "user:base64(sha1(user:password)) of the superuser (ZooKeeper's DigestAuthenticationProvider.superDigest).",
  },
  "DigestAuthenticationProvider.superDigest": { kind: "string", doc: "ZooKeeper's name of superDigest.", aliasOf: "superDigest" },
  "DigestAuthenticationProvider.enabled": {
    kind: "bool",
    doc: "Digest authentication is always on.",
    refused: {
      when: (v) => !isTrue(v),
      values: "false",
      why: "digest authentication cannot be turned off in Warden; turning it off silently would let digest users in",
    },
  },
  "DigestAuthenticationProvider.digestAlg": {
    kind: "string",
    doc: "Digest of superDigest and digest ACLs: SHA1 only.",
    refused: {
      when: (v) => !/^SHA-?1$/i.test(v),
      values: "anything but SHA1",
      why: "Warden's digests are SHA1; another algorithm would not match the configured digests",
    },
  },
  skipACL: {
    kind: "bool",
    doc: "yes skips every ACL check on this server: full access to the tree for everyone. Only the value yes skips, as in ZooKeeper (default no).",
  },
  sslQuorum: {
    kind: "bool",
    doc: "true: every connection between servers is TLS, with certificates verified both ways (ssl.quorum.*; default false). The stores are read before storage opens: a bad one stops the start. The peer port then speaks only TLS: a plain-text server is refused, so turn it on for every server together.",
  },
  sslQuorumReloadCertFiles: {
    kind: "bool",
    doc: "true: reload ssl.quorum.keyStore and ssl.quorum.trustStore when their files change; new peer connections, both ways, use the new certificates (default false).",
  },
  ...ignoredKeys(
    ["portUnification", "client.portUnification"],
    "bool",
    "no port unification: clientPort speaks plain text, secureClientPort only TLS",
  ),
  ...ignoredKeys(["fips-mode"], "bool", "TLS is Node's (OpenSSL), in its own mode"),
  ...sslClientKeys,
  ...sslQuorumKeys,
  "quorum.auth.serverRequireSasl": { kind: "bool", doc: "SASL between peers.", refused: { when: isTrue, ...SASL_REFUSED } },
  "quorum.auth.learnerRequireSasl": { kind: "bool", doc: "SASL between peers.", refused: { when: isTrue, ...SASL_REFUSED } },
  jaasLoginConfig: {
    kind: "path",
    doc: 'JAAS file whose server section (sasl.serverconfig, default Server) lists the SASL DIGEST-MD5 users of the ZooKeeper port: org.apache.zookeeper.server.auth.DigestLoginModule with user_<name>="<password>" options. A session that authenticates gets the identity sasl:<name>. Kerberos (Krb5LoginModule) and other modules are refused at start. ZooKeeper takes this file from the JVM\'s java.security.auth.login.config.',
  },
  "java.security.auth.login.config": { kind: "path", doc: "The JVM's name of jaasLoginConfig.", aliasOf: "jaasLoginConfig" },
  "sasl.serverconfig": {
    kind: "string",
    doc: "Section of the JAAS file with the SASL users (ZooKeeper's zookeeper.sasl.serverconfig; default Server).",
  },
  allowSaslFailedClients: {
    kind: "bool",
    doc: "true: a failed SASL round is answered OK with no token and the connection goes on without a sasl identity, as ZooKeeper's zookeeper.allowSaslFailedClients; ignored when SASL is required (default false: AUTHFAILED and the connection closes).",
  },
  "SASLAuthenticationProvider.superPassword": {
    kind: "string",
    doc: "The password of the SASL user super, instead of the one in the JAAS file (ZooKeeper's zookeeper.SASLAuthenticationProvider.superPassword; as there, super must be a user of the JAAS file). The SASL user super matches every sasl ACL.",
  },
  letAnySaslUserDoX: {
    kind: "string",
    doc: "ZooKeeper's test-only property that lets every SASL user match the ACL sasl:<value>.",
    refused: {
      when: () => true,
      values: "any value",
      why: "it lets every SASL user pass sasl ACLs written for one user; ZooKeeper has it for its own tests",
    },
  },
  superUser: {
    kind: "string",
    doc: "A SASL user who is a superuser (every ACL allows it), as ZooKeeper's zookeeper.superUser; superUser.N names more.",
  },
  sessionRequireClientSASLAuth: {
    kind: "bool",
    doc: "true: every request but auth and SASL from a connection without a sasl identity is answered SESSIONCLOSEDREQUIRESASLAUTH and the connection closed (enforce.auth with the scheme sasl; needs jaasLoginConfig). Native-port clients cannot use SASL.",
  },
  "enforce.auth.enabled": {
    kind: "bool",
    doc: "true: every request but auth and SASL from a connection with no identity of a scheme in enforce.auth.schemes is answered SESSIONCLOSEDREQUIRESASLAUTH and the connection closed, on both client ports (default false).",
  },
  "enforce.auth.schemes": {
    kind: "list",
    doc: "Comma-separated schemes enforce.auth.enabled accepts: digest, ip, sasl (sasl needs jaasLoginConfig), x509 (a verified client certificate on a TLS port). Every connection has an ip identity, as in ZooKeeper.",
  },
  ...ignoredKeys(["quorum.auth.enableSasl"], "bool", NO_SASL),
  ...ignoredKeys(
    [
      "quorum.auth.kerberos.servicePrincipal",
      "quorum.auth.learner.saslLoginContext",
      "quorum.auth.server.saslLoginContext",
      "kerberos.removeHostFromPrincipal",
      "kerberos.removeRealmFromPrincipal",
      "kerberos.canonicalizeHostNames",
      "zookeeper.ensembleAuthName",
    ],
    "string",
    NO_SASL,
  ),
  ...ignoredKeys(["IPAuthenticationProvider.usexforwardedfor"], "bool", "ip ACLs use the connection's address"),
  "audit.enable": {
    kind: "bool",
    doc: "true writes ZooKeeper's audit log: a line per state-changing request (session creation and close, create, delete, setData, setAcl, multi, reconfig) with its session, user, client ip, operation, znode and result, on the server the client is connected to (default false).",
  },
  "audit.impl.class": { kind: "string", doc: "Accepted.", ignored: "one audit logger, to audit.logFile" },
  "audit.logFile": {
    kind: "path",
    doc: "The audit log's file (default dataDir/audit.log). Full files are renamed file.1 (newest) .. file.N. Not ZooKeeper's (its file is set in logback.xml).",
  },
  "audit.logFileBytesMax": {
    kind: "int",
    min: 1024,
    max: 1 << 30,
    doc: "Size at which the audit log is rotated (default 10 MiB, ZooKeeper's logback MaxFileSize).",
  },
  "audit.logFilesKept": {
    kind: "int",
    min: 0,
    max: 1000,
    doc: "Rotated audit log files kept (default 10, ZooKeeper's logback maxIndex; 0 keeps none).",
  },
  // ---- data model
  extendedTypesEnabled: { kind: "bool", doc: "Accepted; TTL nodes are always enabled.", ignored: "TTL nodes always on" },
  emulate353TTLNodes: { kind: "bool", doc: "Accepted.", ignored: "TTL nodes always on, with 3.5.4+ numbering" },
  enforceQuota: {
    kind: "bool",
    doc: "true: a create or setData that would take a quota (setquota -N or -B) past its hard limit fails with QUOTAEXCEEDED (-125), as ZooKeeper's zookeeper.enforceQuota; only the value true turns it on, as Java's Boolean.parseBoolean (default false). Soft limits, and hard ones when this is off, are only logged (rate-limited). The stats of every quota are kept either way.",
  },
  "readonlymode.enabled": {
    kind: "bool",
    doc: "true: a server of an ensemble that has looked for a leader for max(2000 ms, tickTime) serves reads from its last applied tree to clients that connected with canBeReadOnly (kazoo's read_only=True), as ZooKeeper's ReadOnlyZooKeeperServer: writes and sync get NOT_READONLY (-119), a client without canBeReadOnly and a session of the quorum are refused, new sessions are local to it (never valid on another server); isro answers ro and srvr Mode read-only. When an election ends it stops and closes those connections, so the clients move to a read-write server (default false). ZooKeeper reads it as a Java system property (-Dreadonlymode.enabled=true); Warden from the configuration.",
  },
  "znode.container.checkIntervalMs": {
    kind: "int",
    min: 50,
    max: 86_400_000,
    doc: "How often empty containers and expired TTL nodes are looked for and deleted, in ms (default 60000).",
  },
  ...ignoredKeys(["znode.container.maxPerMinute", "znode.container.maxNeverUsedIntervalMs"], "int", "containers are deleted as found"),
  // ---- metrics
  "metricsProvider.className": { kind: "string", doc: "Accepted; metrics are always on /metrics.", ignored: "metrics are built in" },
  // Debian's and Apache's sample zoo.cfg carry httpHost beside httpPort (commented out); turning them on must still start.
  "metricsProvider.httpHost": {
    kind: "string",
    doc: "Accepted; metrics are on the admin port (admin.serverAddress).",
    ignored: "metrics are on adminPort",
  },
  "metricsProvider.httpPort": {
    kind: "int",
    ...PORT,
    doc: "Accepted; metrics are on the admin port.",
    ignored: "metrics are on adminPort",
  },
  "metricsProvider.exportJvmInfo": { kind: "bool", doc: "Accepted.", ignored: "no JVM" },
  ...ignoredKeys(
    ["metricsProvider.numWorkerThreads", "metricsProvider.maxQueueSize", "metricsProvider.workerShutdownTimeoutMs"],
    "int",
    "metrics are built in",
  ),
  heapGrowthPercent: {
    kind: "int",
    min: 0,
    max: 1_000,
    doc: "How far the JavaScript heap may grow past what the last full collection kept before the next one runs (V8's heap growing factor, 1 + this/100): the server's memory stays within about twice its live data, not four times (default 100; 0 leaves V8's own choice). Set by `warden server` for its process.",
  },
  // ---- tuning of ZooKeeper's implementation
  ...ignoredKeys(
    [
      "maxResponseCacheSize",
      "maxGetChildrenResponseCacheSize",
      "watcherCleanThreadsNum",
      "watcherCleanThreshold",
      "watcherCleanIntervalInSeconds",
      "maxInProcessingDeadWatchers",
      "bitHashCacheSize",
      "flushDelay",
      "maxWriteQueuePollTime",
      "maxBatchSize",
      "maxConcurrentSnapSyncs",
      "maxConcurrentDiffSyncs",
      "largeRequestMaxBytes",
      "largeRequestThreshold",
      "zookeeper.nio.numSelectorThreads",
      "zookeeper.nio.numWorkerThreads",
      "zookeeper.nio.directBufferBytes",
      "zookeeper.nio.shutdownTimeout",
      "zookeeper.commitProcessor.numWorkerThreads",
      "zookeeper.commitProcessor.maxReadBatchSize",
      "zookeeper.commitProcessor.maxCommitBatchSize",
      "zookeeper.messageTracker.BufferSize",
      "jvm.pause.info-threshold.ms",
      "jvm.pause.warn-threshold.ms",
      "jvm.pause.sleep.time.ms",
    ],
    "int",
    NO_JVM,
  ),
  ...ignoredKeys(["watchManagerName", "oraclePath"], "string", NO_JVM),
  ...ignoredKeys(
    ["zookeeper.messageTracker.Enabled", "serializeLastProcessedZxid.enabled", "jvm.pause.monitor", "enableEagerACLCheck"],
    "bool",
    NO_JVM,
  ),
  ...ignoredKeys(
    [
      "connectionMaxTokens",
      "connectionTokenFillTime",
      "connectionTokenFillCount",
      "connectionFreezeTime",
      "connectionDropIncrease",
      "connectionDropDecrease",
      "connectionDecreaseRatio",
      "zookeeper.connection_throttle_global_session_weight",
      "zookeeper.connection_throttle_local_session_weight",
      "zookeeper.connection_throttle_renew_session_weight",
      "requestThrottleLimit",
      "requestThrottleStallTime",
      "zookeeper.request_throttler.shutdownTimeout",
      "throttledOpWaitTime",
    ],
    "string",
    NO_THROTTLE,
  ),
  ...ignoredKeys(
    [
      "zookeeper.connection_throttle_weight_enabled",
      "requestThrottleDropStale",
      "requestStaleLatencyCheck",
      "requestStaleConnectionCheck",
      "advancedFlowControlEnabled",
    ],
    "bool",
    NO_THROTTLE,
  ),
};

/** Keys named by a prefix: any key that starts with it (ZooKeeper's authProvider.N, for one). */
export const KEY_PREFIXES: ReadonlyArray<{ prefix: string; display: string; spec: KeySpec }> = [
  { prefix: "authProvider.", display: "authProvider.N", spec: { kind: "string", doc: AUTH_PROVIDER_DOC } },
  {
    prefix: "admin.authX509.",
    display: "admin.authX509.N",
    spec: { kind: "string", doc: "More x509 identities allowed on the admin port, as admin.authX509." },
  },
  {
    prefix: "superUser.",
    display: "superUser.N",
    spec: { kind: "string", doc: "More SASL superusers (ZooKeeper reads every zookeeper.superUser.*)." },
  },
];

/** ZooKeeper reads every other zoo.cfg key as the system property zookeeper.<key>: both spellings are accepted. */
export const SYSTEM_PROPERTY_PREFIX = "zookeeper.";

export const SERVER_LINE = /^server\.(\d+)$/;

/** The key's spec and its canonical name, or undefined for an unknown key. */
export function lookupKey(key: string): { name: string; spec: KeySpec } | undefined {
  const direct = KEYS[key];
  if (direct) return { name: direct.aliasOf ?? key, spec: direct.aliasOf ? KEYS[direct.aliasOf]! : direct };
  const prefixed = KEY_PREFIXES.find((p) => key.startsWith(p.prefix) && key.length > p.prefix.length);
  if (prefixed) return { name: key, spec: prefixed.spec };
  if (key.startsWith(SYSTEM_PROPERTY_PREFIX)) {
    const bare = lookupKey(key.slice(SYSTEM_PROPERTY_PREFIX.length));
    if (bare && !bare.name.startsWith(SYSTEM_PROPERTY_PREFIX)) return bare;
  }
  return undefined;
}
