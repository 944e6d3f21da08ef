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
  /** The audit log, when audit.enable is true. */
  audit: AuditSettings | undefined;
}

const value = (raw: RawConfig, key: string) => raw.get(key)?.value;
const where = (raw: RawConfig, key: string) => raw.get(key)?.where ?? key;
const isTrue = (raw: RawConfig, key: string) => /^(true|yes)$/i.test(value(raw, key) ?? "");
const list = (raw: RawConfig, key: string) => (value(raw, key) ?? "").split(",").map((s) => s.trim()).filter(Boolean);

function origins(raw: RawConfig): AllowedOrigins {
  const entries = list(raw, "nativeAllowedOrigins");
  if (entries.includes("*")) return "*";
  return new Set(
    entries.map((e) => {
      const o = normalizeOrigin(e);
      if (o === undefined) throw new ConfigError(`${where(raw, "nativeAllowedOrigins")}: "${e}" is not an origin (scheme://host[:port], http or https, no path) nor *`);
      return o;
    }),
  );
}

function adminDigests(raw: RawConfig, superDigest: string | undefined): ReadonlySet<string> | undefined {
  const given = list(raw, "admin.authDigests");
  for (const d of given) if (!DIGEST_ID.test(d)) throw new ConfigError(`${where(raw, "admin.authDigests")}: "${d}" must be user:base64(sha1(user:password))`);
  if (!isTrue(raw, "admin.authRequired")) return undefined;
  const ids = new Set(given);
  if (superDigest !== undefined) ids.add(superDigest);
  // Required with nobody able to pass would shut operators out silently.
  if (ids.size === 0) throw new ConfigError(`${where(raw, "admin.authRequired")}: admin.authRequired needs superDigest or admin.authDigests`);
  return ids;
}

export function securitySettings(raw: RawConfig, baseDir: string, dataDir: string, superDigest: string | undefined): SecuritySettings {
  const file = value(raw, "audit.logFile");
  return {
    nativeAllowedOrigins: origins(raw),
    nativeAllowAdminOrigin: isTrue(raw, "nativeAllowAdminOrigin"),
    adminAuthDigests: adminDigests(raw, superDigest),
    audit: isTrue(raw, "audit.enable")
      ? {
          file: file === undefined ? resolve(dataDir, "audit.log") : resolve(baseDir, file),
          fileBytesMax: Number(value(raw, "audit.logFileBytesMax") ?? 10 * 1024 * 1024),
          filesKept: Number(value(raw, "audit.logFilesKept") ?? 10),
        }
      : undefined,
  };
}
