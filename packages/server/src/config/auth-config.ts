// The client-authentication keys: SASL (jaasLoginConfig, sasl.serverconfig, superUser[.N]),
// enforcement (sessionRequireClientSASLAuth, enforce.auth.*) and authProvider.N classes,
// as ZooKeeper 3.9 reads them (AuthenticationHelper, ProviderRegistry, ServerCnxnFactory).
import { resolve } from "node:path";
import { ConfigError, type RawConfig } from "./config.js";

export interface AuthConfig {
  /** The JAAS file with the SASL DIGEST-MD5 users; undefined: no SASL on the ZooKeeper port. */
  jaasLoginConfig: string | undefined;
  /** Its section with the users (zookeeper.sasl.serverconfig, default Server). */
  saslServerSection: string;
  /** SASL users who are superusers (zookeeper.superUser and zookeeper.superUser.*). */
  saslSuperUsers: string[];
  /** Schemes one of which every session must have an identity of (empty: not enforced). */
  enforceAuthSchemes: string[];
  /** A failed SASL round leaves the connection open, without an identity (unless SASL is required). */
  allowSaslFailedClients: boolean;
  /** The SASL user super's password, instead of the JAAS file's. */
  saslSuperPassword: string | undefined;
}

const AUTH_PACKAGE = "org.apache.zookeeper.server.auth.";
/** Classes whose schemes Warden has built in. */
const BUILT_IN_PROVIDERS = new Set(
  ["SASLAuthenticationProvider", "DigestAuthenticationProvider", "IPAuthenticationProvider", "X509AuthenticationProvider"].map(
    (c) => AUTH_PACKAGE + c,
  ),
);
/** Schemes enforce.auth.schemes may name (x509: a verified client certificate on a TLS port). */
const ENFORCEABLE_SCHEMES = ["digest", "ip", "sasl", "x509"];

/** The settings, and start-up lines for authProvider.N classes that are ignored. Throws ConfigError. */
export function authConfig(raw: RawConfig, baseDir: string): { auth: AuthConfig; ignored: string[] } {
  const value = (key: string) => raw.get(key)?.value;
  const isTrue = (key: string) => /^(true|yes)$/i.test(value(key) ?? "");
  const jaas = value("jaasLoginConfig");
  const saslSuperUsers = [...raw.keys()]
    .filter((k) => k === "superUser" || k.startsWith("superUser."))
    .sort()
    .map((k) => value(k)!);
  const ignored: string[] = [];
  for (const [key, entry] of raw) {
    if (key.startsWith("authProvider.") && !BUILT_IN_PROVIDERS.has(entry.value)) {
      ignored.push(`${entry.key ?? key}=${entry.value}: not a provider Warden has (the schemes digest, ip, sasl and x509 are built in)`);
    }
  }
  const auth: AuthConfig = {
    jaasLoginConfig: jaas === undefined ? undefined : resolve(baseDir, jaas),
    saslServerSection: value("sasl.serverconfig") ?? "Server",
    saslSuperUsers,
    enforceAuthSchemes: enforcedSchemes(raw, isTrue, jaas !== undefined),
    allowSaslFailedClients: isTrue("allowSaslFailedClients"),
    saslSuperPassword: value("SASLAuthenticationProvider.superPassword"),
  };
  return { auth, ignored };
}

/** AuthenticationHelper: sessionRequireClientSASLAuth means enforce.auth with sasl; enabled needs schemes that exist. */
function enforcedSchemes(raw: RawConfig, isTrue: (key: string) => boolean, sasl: boolean): string[] {
  const where = (key: string) => raw.get(key)?.where ?? key;
  let schemes: string[];
  let from: string;
  if (isTrue("sessionRequireClientSASLAuth")) {
    schemes = ["sasl"];
    from = "sessionRequireClientSASLAuth";
  } else if (isTrue("enforce.auth.enabled")) {
    schemes = (raw.get("enforce.auth.schemes")?.value ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    from = "enforce.auth.enabled";
    if (schemes.length === 0)
      throw new ConfigError(`${where(from)}: enforce.auth.enabled is true: enforce.auth.schemes must name the schemes to enforce`);
  } else {
    return [];
  }
  for (const scheme of schemes) {
    if (scheme === "sasl" && !sasl)
      throw new ConfigError(`${where(from)}: ${from} requires SASL, which needs jaasLoginConfig (the users): no client could authenticate`);
    if (!ENFORCEABLE_SCHEMES.includes(scheme))
      throw new ConfigError(
        `${where("enforce.auth.schemes")}: authentication scheme ${scheme} is not available (${ENFORCEABLE_SCHEMES.join(", ")})`,
      );
  }
  return schemes;
}
