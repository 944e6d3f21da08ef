// The typed settings of the native port's origin check, the admin port's authentication and
// the audit log (their keys are in keys.ts), parsed apart from config.ts so they stay together.
import { resolve } from "node:path";
import { normalizeOrigin, type AllowedOrigins } from "../net/origins.js";
// config.ts imports this file: ConfigError is only used when a setting is parsed, after both loaded.
import { ConfigError, type RawConfig } from "./config.js";

/** ZooKeeper's superDigest shape: user:base64(sha1(user:password)). */
export const DIGEST_ID = /^[^:\s,]+:[A-Za-z0-9+/]{27}=$/;

export interface AuditSettings {
  /** The file lines are appended to; rotated files are file.1 (newest) .. file.N. */
  file: string;
  /** A file reaching this size is rotated. */
  fileBytesMax: number;
  /** Rotated files kept (0: the file is truncated when it is full). */
  filesKept: number;
}

export interface SecuritySettings {
  /** Pages (WebSocket Origin) allowed on the native port: "*" or a set; empty refuses every page. */
  nativeAllowedOrigins: AllowedOrigins;
  /** The admin port's own origin (http://HOST:adminPort) is allowed on the native port too. */
  nativeAllowAdminOrigin: boolean;
  /** Every admin request but /health needs credentials of one of these digest ids; undefined: none needed. */
  adminAuthDigests: ReadonlySet<string> | undefined;
  /** ...or, on HTTPS, a verified client certificate with one of these x509 identities (admin.authX509[.N], X509AuthenticationProvider.superUser). */
  adminAuthX509: ReadonlySet<string>;
  /** The audit log, when audit.enable is true. */
  audit: AuditSettings | undefined;
}

const value = (raw: RawConfig, key: string) => raw.get(key)?.value;
const where = (raw: RawConfig, key: string) => raw.get(key)?.where ?? key;
const isTrue = (raw: RawConfig, key: string) => /^(true|yes)$/i.test(value(raw, key) ?? "");
const list = (raw: RawConfig, key: string) =>
  (value(raw, key) ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function origins(raw: RawConfig): AllowedOrigins {
  const entries = list(raw, "nativeAllowedOrigins");
  if (entries.includes("*")) return "*";
  return new Set(
    entries.map((e) => {
      const o = normalizeOrigin(e);
      if (o === undefined)
        throw new ConfigError(
          `${where(raw, "nativeAllowedOrigins")}: "${e}" is not an origin (scheme://host[:port], http or https, no path) nor *`,
        );
      return o;
    }),
  );
}

/** The subjects of admin.authX509 and admin.authX509.N (a subject holds commas: one a key, as superUser.N). */
function x509Subjects(raw: RawConfig): string[] {
  const keys = [...raw.keys()].filter((k) => k === "admin.authX509" || k.startsWith("admin.authX509.")).sort();
  return keys.map((k) => {
    const subject = value(raw, k)!.trim();
    if (!/^[^=,]+=/.test(subject))
      throw new ConfigError(
        `${where(raw, k)}: ${k} must be a certificate's subject as ZooKeeper's x509 identity, e.g. CN=ops,O=Example; got "${subject}"`,
      );
    return subject;
  });
}

function adminAuth(raw: RawConfig, superDigest: string | undefined): Pick<SecuritySettings, "adminAuthDigests" | "adminAuthX509"> {
  const given = list(raw, "admin.authDigests");
  for (const d of given)
    if (!DIGEST_ID.test(d)) throw new ConfigError(`${where(raw, "admin.authDigests")}: "${d}" must be user:base64(sha1(user:password))`);
  const subjects = x509Subjects(raw);
  const https = isTrue(raw, "admin.forceHttps") || isTrue(raw, "admin.portUnification");
  const firstKey = [...raw.keys()].find((k) => k === "admin.authX509" || k.startsWith("admin.authX509."));
  if (firstKey !== undefined && !https)
    throw new ConfigError(
      `${where(raw, firstKey)}: ${firstKey} needs HTTPS on the admin port (admin.forceHttps=true): a client certificate comes only with TLS`,
    );
  if (!isTrue(raw, "admin.authRequired")) return { adminAuthDigests: undefined, adminAuthX509: new Set() };
  const ids = new Set(given);
  if (superDigest !== undefined) ids.add(superDigest);
  const x509 = new Set(https ? subjects : []);
  const superUser = value(raw, "X509AuthenticationProvider.superUser");
  if (https && superUser !== undefined) x509.add(superUser);
  // Required with nobody able to pass would shut operators out silently.
  if (ids.size === 0 && x509.size === 0)
    throw new ConfigError(
      `${where(raw, "admin.authRequired")}: admin.authRequired needs superDigest or admin.authDigests (or, with admin.forceHttps, admin.authX509 or X509AuthenticationProvider.superUser)`,
    );
  return { adminAuthDigests: ids, adminAuthX509: x509 };
}

export function securitySettings(raw: RawConfig, baseDir: string, dataDir: string, superDigest: string | undefined): SecuritySettings {
  const file = value(raw, "audit.logFile");
  return {
    nativeAllowedOrigins: origins(raw),
    nativeAllowAdminOrigin: isTrue(raw, "nativeAllowAdminOrigin"),
    ...adminAuth(raw, superDigest),
    audit: isTrue(raw, "audit.enable")
      ? {
          file: file === undefined ? resolve(dataDir, "audit.log") : resolve(baseDir, file),
          fileBytesMax: Number(value(raw, "audit.logFileBytesMax") ?? 10 * 1024 * 1024),
          filesKept: Number(value(raw, "audit.logFilesKept") ?? 10),
        }
      : undefined,
  };
}
