// ZooKeeper's X509Util keys (ssl.* for the client ports; ssl.quorum.* has the same shape, for
// the peer port with sslQuorum, see peer/peer-tls.ts) read into one checked value. No file is opened here:
// net/tls-context.ts reads the stores when a TLS port starts, and again when they change.
import { getCiphers } from "node:tls";
import { extname, resolve } from "node:path";
import { readFileSync } from "node:fs";
import { ConfigError, type RawConfig } from "./config.js";

export type StoreType = "PEM" | "PKCS12";
export type ClientAuth = "none" | "want" | "need";
export type TlsVersion = "TLSv1.2" | "TLSv1.3";

export interface StoreSpec {
  location: string;
  password: string;
  type: StoreType;
}

export interface TlsSettings {
  /** The server's key and certificate chain (required by a TLS port). */
  keyStore: StoreSpec;
  /** Authorities client certificates must chain to; undefined: Node's bundled roots. */
  trustStore: StoreSpec | undefined;
  clientAuth: ClientAuth;
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  /** OpenSSL cipher list; undefined: Node's default. */
  ciphers: string | undefined;
  hostnameVerification: boolean;
  /** Reload the stores when their files change (client.certReload; sslQuorumReloadCertFiles for peers). */
  reload: boolean;
}

const VERSIONS: readonly TlsVersion[] = ["TLSv1.2", "TLSv1.3"];
/** ZooKeeper's KeyStoreFileType.fromFilename: the extension names the type. */
const EXTENSIONS: Record<string, StoreType | "JKS"> = { ".pem": "PEM", ".p12": "PKCS12", ".jks": "JKS" };

type Lookup = (key: string) => { value: string; where: string } | undefined;

/**
 * The TLS settings under `prefix` ("ssl." or "ssl.quorum."). `reloadKey` is the key that turns
 * reloading on. Throws ConfigError naming the key for anything Warden cannot honour.
 */
export function tlsSettings(raw: RawConfig, prefix: string, reloadKey: string, baseDir: string): TlsSettings {
  const get: Lookup = (suffix) => raw.get(prefix + suffix);
  const keyStore = storeSpec(get, prefix, "keyStore", baseDir);
  if (!keyStore)
    throw new ConfigError(`a TLS port needs ${prefix}keyStore.location: the server's private key and certificate (PEM or PKCS12)`);
  const { minVersion, maxVersion } = versions(get, prefix);
  return {
    keyStore,
    trustStore: storeSpec(get, prefix, "trustStore", baseDir),
    clientAuth: clientAuth(get, prefix),
    minVersion,
    maxVersion,
    ciphers: ciphers(get, prefix),
    hostnameVerification: !/^false$/i.test(get("hostnameVerification")?.value ?? "true"),
    reload: /^(true|yes)$/i.test(raw.get(reloadKey)?.value ?? "false"),
  };
}

function storeSpec(get: Lookup, prefix: string, which: "keyStore" | "trustStore", baseDir: string): StoreSpec | undefined {
  const location = get(`${which}.location`);
  if (!location) return undefined;
  const typeKey = get(`${which}.type`);
  let type: StoreType | "JKS" | undefined;
  if (typeKey) {
    const t = typeKey.value.toUpperCase();
    if (t !== "PEM" && t !== "PKCS12" && t !== "JKS")
      throw new ConfigError(`${typeKey.where}: ${prefix}${which}.type must be PEM or PKCS12, got "${typeKey.value}"`);
    type = t;
  } else {
    type = EXTENSIONS[extname(location.value).toLowerCase()];
    if (!type)
      throw new ConfigError(
        `${location.where}: cannot tell the type of ${location.value} from its extension (.pem or .p12): set ${prefix}${which}.type to PEM or PKCS12`,
      );
  }
  if (type === "JKS") {
    throw new ConfigError(
      `${(typeKey ?? location).where}: ${prefix}${which} ${location.value} is a Java KeyStore (JKS), which Warden cannot read: convert it to PKCS12 with ` +
        `keytool -importkeystore -srckeystore ${location.value} -destkeystore ${location.value.replace(/\.jks$/i, "")}.p12 -deststoretype PKCS12, then point ${prefix}${which}.location at the .p12 file`,
    );
  }
  return { location: resolve(baseDir, location.value), password: password(get, prefix, which, baseDir), type };
}

function password(get: Lookup, prefix: string, which: string, baseDir: string): string {
  const direct = get(`${which}.password`);
  if (direct) return direct.value;
  const path = get(`${which}.passwordPath`);
  if (!path) return "";
  try {
    return readFileSync(resolve(baseDir, path.value), "utf8").split(/\r?\n/)[0]!;
  } catch (e) {
    throw new ConfigError(`${path.where}: cannot read ${prefix}${which}.passwordPath ${path.value}: ${(e as Error).message}`);
  }
}

function clientAuth(get: Lookup, prefix: string): ClientAuth {
  const v = get("clientAuth");
  if (!v) return "need";
  const mode = v.value.toLowerCase();
  if (mode !== "none" && mode !== "want" && mode !== "need")
    throw new ConfigError(`${v.where}: ${prefix}clientAuth must be none, want or need, got "${v.value}"`);
  return mode;
}

/**
 * ZooKeeper's defaults: ssl.protocol TLSv1.3 (on a JDK that has it), and enabledProtocols
 * TLSv1.3 and TLSv1.2 when the protocol is TLSv1.3, else the protocol alone.
 */
function versions(get: Lookup, prefix: string): { minVersion: TlsVersion; maxVersion: TlsVersion } {
  const version = (text: string, where: string, key: string): TlsVersion => {
    const v = VERSIONS.find((x) => x.toLowerCase() === text.trim().toLowerCase());
    if (!v)
      throw new ConfigError(
        `${where}: ${prefix}${key} must be TLSv1.2 or TLSv1.3, got "${text.trim()}"${/^TLSv1(\.1)?$/i.test(text.trim()) ? " (older versions are not safe)" : ""}`,
      );
    return v;
  };
  const p = get("protocol");
  const protocol = p && p.value.toUpperCase() !== "TLS" ? version(p.value, p.where, "protocol") : "TLSv1.3";
  const e = get("enabledProtocols");
  const enabled = e
    ? e.value
        .split(",")
        .filter((s) => s.trim() !== "")
        .map((s) => version(s, e.where, "enabledProtocols"))
    : protocol === "TLSv1.3"
      ? VERSIONS
      : [protocol];
  if (enabled.length === 0) throw new ConfigError(`${e!.where}: ${prefix}enabledProtocols names no protocol`);
  const sorted = [...enabled].sort();
  return { minVersion: sorted[0]!, maxVersion: sorted.at(-1)! };
}

function ciphers(get: Lookup, prefix: string): string | undefined {
  const c = get("ciphersuites");
  if (!c || c.value.trim() === "") return undefined;
  const known = new Set(getCiphers().map((n) => n.toLowerCase()));
  const names = c.value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((n) => ({ given: n, openssl: opensslCipherName(n) }));
  const unknown = names.filter((n) => !known.has(n.openssl.toLowerCase()));
  if (unknown.length > 0)
    throw new ConfigError(`${c.where}: ${prefix}ciphersuites: unknown cipher suite ${unknown.map((n) => n.given).join(", ")}`);
  return names.map((n) => n.openssl).join(":");
}

/**
 * OpenSSL's name of a cipher suite given by its IANA (Java) name:
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 is ECDHE-RSA-AES128-GCM-SHA256. TLS 1.3 suites
 * (TLS_AES_128_GCM_SHA256) and OpenSSL's own names are returned as they are.
 */
export function opensslCipherName(name: string): string {
  const m = /^TLS_(.+?)_WITH_(.+)$/.exec(name);
  if (!m) return name;
  const kx = m[1] === "RSA" ? "" : `${m[1]!.replace(/_/g, "-")}-`;
  let enc = m[2]!;
  if (/^CHACHA20_POLY1305_SHA256$/.test(enc)) return `${kx}CHACHA20-POLY1305`;
  const aes = /^AES_(128|256)_(GCM|CBC)_(SHA|SHA256|SHA384)$/.exec(enc);
  if (!aes) return name;
  enc = aes[2] === "GCM" ? `AES${aes[1]}-GCM-${aes[3]}` : `AES${aes[1]}-${aes[3]}`;
  return kx + enc;
}
