// The TLS settings of a port as Node wants them: the key and trust stores read from their
// files (PEM or PKCS12), checked by building a secure context, and reloaded when the files
// change (ZooKeeper's FileChangeWatcher, client.certReload). A reload that fails keeps the
// context in use and logs why; servers that registered get the new one with setSecureContext.
import { WardenError } from "@warden/protocol";
import { readFileSync, watch, type FSWatcher } from "node:fs";
import { X509Certificate } from "node:crypto";
import { basename, dirname } from "node:path";
import { createSecureContext, type SecureContextOptions, type TlsOptions } from "node:tls";
import type { StoreSpec, TlsSettings } from "../config/tls-settings.js";
import { pkcs12Certificates } from "./pkcs12.js";

/** A store whose files change is reloaded once they have been quiet this long (a copy is rarely one write). */
const RELOAD_QUIET_MS = 200;
/** Bytes read from a store file at most. */
const STORE_BYTES_MAX = 1024 * 1024;

export class TlsStoreError extends WardenError {
  constructor(message: string) {
    super({ code: "WARDEN_ERR_TLS_STORE", message });
  }
}

function readStore(spec: StoreSpec, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(spec.location);
  } catch (e) {
    throw new TlsStoreError(`cannot read the ${what} ${spec.location}: ${(e as Error).message}`);
  }
  if (bytes.length > STORE_BYTES_MAX) throw new TlsStoreError(`the ${what} ${spec.location} is larger than ${STORE_BYTES_MAX} bytes`);
  // A Java KeyStore whatever its name says (JKS 0xFEEDFEED, JCEKS 0xCECECECE).
  if (bytes.length >= 4 && (bytes.readUInt32BE(0) === 0xfeedfeed || bytes.readUInt32BE(0) === 0xcececece)) {
    throw new TlsStoreError(
      `the ${what} ${spec.location} is a Java KeyStore (JKS), which Warden cannot read: convert it to PKCS12 with keytool -importkeystore -srckeystore ${spec.location} -destkeystore ${spec.location.replace(/\.[^./]*$/, "")}-converted.p12 -deststoretype PKCS12`,
    );
  }
  return bytes;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;
function pemBlocks(text: string, kind: (label: string) => boolean): string[] {
  return [...text.matchAll(PEM_BLOCK)].filter((m) => kind(m[1]!)).map((m) => m[0]);
}

/** The options of createSecureContext for these settings, from the files as they are now. */
export function secureContextOptions(settings: TlsSettings): SecureContextOptions {
  const out: SecureContextOptions = { minVersion: settings.minVersion, maxVersion: settings.maxVersion };
  if (settings.ciphers !== undefined) out.ciphers = settings.ciphers;
  const key = readStore(settings.keyStore, "key store");
  if (settings.keyStore.type === "PKCS12") {
    out.pfx = key;
    out.passphrase = settings.keyStore.password;
  } else {
    const text = key.toString("utf8");
    const keys = pemBlocks(text, (l) => l.endsWith("PRIVATE KEY"));
    const certs = pemBlocks(text, (l) => l === "CERTIFICATE");
    if (keys.length !== 1 || certs.length === 0) {
      throw new TlsStoreError(
        `the key store ${settings.keyStore.location} must hold one private key and its certificate chain in PEM (found ${keys.length} keys, ${certs.length} certificates)`,
      );
    }
    out.key = keys[0];
    out.cert = certs.join("\n");
    if (settings.keyStore.password !== "") out.passphrase = settings.keyStore.password;
  }
  if (settings.trustStore) out.ca = trustedCertificates(settings.trustStore);
  return out;
}

function trustedCertificates(spec: StoreSpec): string[] {
  const bytes = readStore(spec, "trust store");
  let certs: string[];
  try {
    certs =
      spec.type === "PKCS12"
        ? pkcs12Certificates(bytes, spec.password).map((der) => new X509Certificate(der).toString())
        : pemBlocks(bytes.toString("utf8"), (l) => l === "CERTIFICATE");
  } catch (e) {
    throw new TlsStoreError(`cannot read the trust store ${spec.location}: ${(e as Error).message}`);
  }
  if (certs.length === 0) throw new TlsStoreError(`the trust store ${spec.location} holds no certificate`);
  return certs;
}

/** The server options of a TLS port: the secure context and what it asks of clients. */
export function tlsServerOptions(settings: TlsSettings, handshakeTimeoutMs: number): TlsOptions {
  const options = secureContextOptions(settings);
  // Built once here so that a bad key, password or certificate stops the start with its reason.
  try {
    createSecureContext(options);
  } catch (e) {
    throw new TlsStoreError(`the TLS settings do not make a usable context (${settings.keyStore.location}): ${(e as Error).message}`);
  }
  return {
    ...options,
    requestCert: settings.clientAuth !== "none",
    // want: a certificate that does not verify ends the connection after the handshake (ZooKeeper's trust manager refuses it).
    rejectUnauthorized: settings.clientAuth === "need",
    handshakeTimeout: handshakeTimeoutMs,
    // As the plain ports: a small reply leaves at once (tls.Server takes net.Server's noDelay;
    // setNoDelay on the TLS socket itself does not reach the TCP socket under it).
    noDelay: true,
  };
}

/** What reloads go to: each TLS server of the port's settings. */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void;
}

/**
 * Watches the stores' directories (a store replaced by rename is seen too) and, once the files
 * have been quiet for a moment, builds a new context and hands it to every target.
 */
export class TlsReloader {
  private readonly watchers: FSWatcher[] = [];
  private readonly targets: SecureContextTarget[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Reloads done and failed, for tests and operators. */
  reloads = 0;
  failures = 0;

  constructor(
    private readonly settings: TlsSettings,
    private readonly log: (line: string) => void,
    /** Told of every reload attempt (warden_tls_reloads_total). */
    private readonly reloaded: (ok: boolean) => void = () => {},
  ) {}

  add(target: SecureContextTarget): void {
    this.targets.push(target);
  }

  start(): void {
    const files = [this.settings.keyStore, this.settings.trustStore].filter((s): s is StoreSpec => s !== undefined).map((s) => s.location);
    for (const dir of new Set(files.map((f) => dirname(f)))) {
      const names = new Set(files.filter((f) => dirname(f) === dir).map((f) => basename(f)));
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (name === null || names.has(name.toString())) this.schedule();
        });
        w.on("error", (e) => this.log(`tls: watching ${dir} for certificate changes failed: ${e.message}`));
        this.watchers.push(w);
      } catch (e) {
        this.log(`tls: cannot watch ${dir} for certificate changes (client.certReload): ${(e as Error).message}`);
      }
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reload(), RELOAD_QUIET_MS);
    this.timer.unref();
  }

  /** Builds the context from the files now; on failure the old one stays. */
  reload(): boolean {
    let options: SecureContextOptions;
    try {
      options = secureContextOptions(this.settings);
      createSecureContext(options);
    } catch (e) {
      this.failures++;
      this.reloaded(false);
      this.log(`tls: reloading ${this.settings.keyStore.location} failed, the previous certificates stay in use: ${(e as Error).message}`);
      return false;
    }
    for (const t of this.targets) t.setSecureContext(options);
    this.reloads++;
    this.reloaded(true);
    this.log(`tls: reloaded the key and trust stores (${this.settings.keyStore.location})`);
    return true;
  }

  stop(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }
}
