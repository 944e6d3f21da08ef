// HTTPS on the admin port, as ZooKeeper's JettyAdminServer: admin.forceHttps (HTTPS only),
// admin.portUnification (HTTP and HTTPS on the one port), admin.needClientAuth (a client
// certificate that verifies is required). The stores and protocols are the ssl.quorum.* keys:
// ZooKeeper's admin server reads them through QuorumX509Util. Only the keys JettyAdminServer
// reads matter here; ssl.quorum.clientAuth does not (admin.needClientAuth decides), and the
// stores are read once at start, as Jetty's SslContextFactory is built once.
import { ConfigError, type RawConfig } from "./config.js";
import { tlsSettings, type ClientAuth, type TlsSettings } from "./tls-settings.js";

export interface AdminHttps {
  /** https: the port speaks only TLS; unified: the first byte tells a TLS handshake (0x16) from plain HTTP. */
  mode: "https" | "unified";
  /** The ssl.quorum.* stores, versions and suites, with clientAuth decided by the admin keys. */
  tls: TlsSettings;
}

export interface AdminTlsSettings {
  /** HTTPS on the admin port; undefined: plain HTTP (ZooKeeper's default). */
  adminHttps: AdminHttps | undefined;
}

const isTrue = (raw: RawConfig, key: string) => /^(true|yes)$/i.test(raw.get(key)?.value ?? "");
const where = (raw: RawConfig, key: string) => raw.get(key)?.where ?? key;

/**
 * `x509Wanted`: admin.authRequired with x509 identities to accept, so a certificate is asked
 * for even without admin.needClientAuth (and, when sent, must verify).
 */
export function adminTlsSettings(raw: RawConfig, baseDir: string, x509Wanted: boolean): AdminTlsSettings {
  const forceHttps = isTrue(raw, "admin.forceHttps");
  const unified = isTrue(raw, "admin.portUnification");
  const needClientAuth = isTrue(raw, "admin.needClientAuth");
  if (!forceHttps && !unified) {
    // ZooKeeper ignores it then; starting would leave a port meant to require certificates open to anyone.
    if (needClientAuth)
      throw new ConfigError(
        `${where(raw, "admin.needClientAuth")}: admin.needClientAuth=true needs admin.forceHttps=true (or admin.portUnification=true): without HTTPS no certificate can be asked for`,
      );
    return { adminHttps: undefined };
  }
  // Both: HTTPS only, as JettyAdminServer picks its SSL connector over the unified one.
  let tls: TlsSettings;
  try {
    tls = tlsSettings(raw, "ssl.quorum.", "sslQuorumReloadCertFiles", baseDir);
  } catch (e) {
    throw new ConfigError(
      `the admin port's HTTPS (${forceHttps ? "admin.forceHttps" : "admin.portUnification"}) reads the ssl.quorum.* keys, as ZooKeeper's: ${(e as Error).message}`,
    );
  }
  const clientAuth: ClientAuth = needClientAuth ? "need" : x509Wanted ? "want" : "none";
  return { adminHttps: { mode: forceHttps ? "https" : "unified", tls: { ...tls, clientAuth, reload: false } } };
}
