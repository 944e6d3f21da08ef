// What the server reads before it opens anything: the SASL users and the TLS key and trust
// stores. A bad file stops the start (ConfigError) before storage or a port is opened.
import { loadSaslUsers, type SaslUsers } from "../auth/sasl-users.js";
import { ConfigError, type ServerConfig } from "../config/index.js";
import type { MetricsRegistry } from "../admin/metrics.js";
import { adminListenerTls } from "../admin/listener.js";
import type { AdminTls } from "../admin/listener.js";
import { PeerTls } from "../peer/peer-tls.js";
import { TlsReloader, tlsServerOptions } from "../net/tls-context.js";
import type { ListenerTls } from "../net/tls-listener.js";

/** A TLS handshake on the peer port must finish within this, as the peer handshake after it (transport.ts). */
const PEER_TLS_HANDSHAKE_TIMEOUT_MS = 5_000;

/** The SASL DIGEST-MD5 users of jaasLoginConfig, read once at start (ConfigError when the file is wrong). */
export function saslUsers(config: ServerConfig, log: (l: string) => void): SaslUsers | undefined {
  if (config.jaasLoginConfig === undefined) return undefined;
  const users = loadSaslUsers(config.jaasLoginConfig, config.saslServerSection, config.saslSuperPassword);
  log(
    `SASL DIGEST-MD5 on the ZooKeeper port: ${users.passwords.size} users from ${users.source}${users.passwords.size === 0 ? " (WARNING: none, every SASL client will fail)" : ""}`,
  );
  if (config.saslSuperPassword !== undefined && !users.passwords.has("super"))
    log("WARNING: SASLAuthenticationProvider.superPassword has no effect: the JAAS file has no user super (as in ZooKeeper)");
  if (config.enforceAuthSchemes.length > 0)
    log(`authentication enforced: every session needs an identity of scheme ${config.enforceAuthSchemes.join(" or ")}`);
  return users;
}

/** The TLS settings of the client ports, the peer port and the admin port, with their stores read. */
export interface TlsStores {
  /** The TLS client ports' (secureClientPort, secureNativePort); its reloader is started with them. */
  readonly client: ListenerTls | undefined;
  /** The peer port's (sslQuorum); its reloader is started with the peer transport. */
  readonly peer: PeerTls | undefined;
  readonly admin: AdminTls | undefined;
  /** Counts the reloads of the client and peer stores in `registry` from now on, by result. */
  countReloads(registry: MetricsRegistry): void;
}

/** Reads every TLS store now, so a bad one stops the start before anything is opened. */
export function readTlsStores(config: ServerConfig, log: (line: string) => void): TlsStores {
  let clientReloaded: (ok: boolean) => void = () => {};
  const client = clientTls(config, log, (ok) => clientReloaded(ok));
  let peerReloaded: (ok: boolean) => void = () => {};
  const peer = quorumTls(config, log, (ok) => peerReloaded(ok));
  const admin = adminListenerTls(config);
  return {
    client,
    peer,
    admin,
    countReloads(registry) {
      const clientReloads = registry.counter(
        "warden_tls_reloads_total",
        "Reloads of the TLS client ports' key and trust stores after their files changed (client.certReload), by result",
      );
      clientReloaded = (ok) => clientReloads.inc({ result: ok ? "ok" : "failed" });
      const peerReloads = registry.counter(
        "warden_peer_tls_reloads_total",
        "Reloads of the peer port's key and trust stores after their files changed (sslQuorumReloadCertFiles), by result",
      );
      peerReloaded = (ok) => peerReloads.inc({ result: ok ? "ok" : "failed" });
    },
  };
}

/** The TLS client ports' settings as their listeners take them; the stores are read now, so a bad one stops the start. */
function clientTls(config: ServerConfig, log: (line: string) => void, reloaded: (ok: boolean) => void): ListenerTls | undefined {
  const settings = config.clientTls;
  if (!settings) return undefined;
  let options;
  try {
    options = tlsServerOptions(settings, config.clientHandshakeTimeoutMs);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  return {
    options,
    clientAuth: settings.clientAuth,
    superUser: config.x509SuperUser,
    reloader: settings.reload ? new TlsReloader(settings, log, reloaded) : undefined,
    handshakesMax: config.tlsHandshakesMax,
  };
}

/** TLS between servers (sslQuorum); the stores are read now, so a bad one stops the start. */
function quorumTls(config: ServerConfig, log: (line: string) => void, reloaded: (ok: boolean) => void): PeerTls | undefined {
  if (!config.quorumTls) return undefined;
  if (config.servers.length <= 1) log("sslQuorum=true has no effect on a standalone server (no server.N lines to talk to)");
  if (config.quorumTls.settings.clientAuth === "none")
    log(
      "WARNING: ssl.quorum.clientAuth=none: the peer port does not ask dialing servers for a certificate; only ensembleSecretFile (or the address) says who they are",
    );
  if (!config.quorumTls.settings.trustStore)
    log(
      "WARNING: sslQuorum without ssl.quorum.trustStore.location: peers' certificates are checked against Node's public root authorities",
    );
  try {
    return new PeerTls(config.quorumTls, PEER_TLS_HANDSHAKE_TIMEOUT_MS, log, reloaded);
  } catch (e) {
    throw new ConfigError(`sslQuorum: ${(e as Error).message}`);
  }
}
