// The server side of SASL DIGEST-MD5 (RFC 2831) as ZooKeeper's ZooKeeperSaslServer uses
// Java's: protocol "zookeeper", server name and realm "zk-sasl-md5", quality of protection
// "auth" only (no integrity or confidentiality layer). Two rounds: an empty token gets the
// challenge; the digest-response gets rspauth and completes, naming the user. Anything else
// (a third round, a malformed token, a wrong digest) throws SaslError and the exchange is over.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { SASL_TOKEN_BYTES_MAX, SaslError, parseDirectives, quote } from "./sasl-directives.js";

/** ZooKeeper's server name for DIGEST-MD5 (SecurityUtils.createSaslServer), also its realm. */
export const ZK_SASL_REALM = "zk-sasl-md5";
export const ZK_SASL_PROTOCOL = "zookeeper";

export interface DigestMd5Options {
  /** The password of a user, or undefined when there is no such user. */
  passwordOf: (user: string) => string | undefined;
  realm?: string;
  protocol?: string;
  /** The server's nonce (tests pass a fixed one); default: 24 random bytes in base64. */
  nonce?: () => string;
}

export type DigestMd5Step = { complete: false; token: Uint8Array } | { complete: true; token: Uint8Array; user: string };

type State = "start" | "challenged" | "done";

const latin1 = (s: string) => Buffer.from(s, "latin1");
const md5 = (...parts: (string | Uint8Array)[]) => {
  const h = createHash("md5");
  for (const p of parts) h.update(typeof p === "string" ? latin1(p) : p);
  return h.digest();
};
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/**
 * Java's DigestMD5Base.stringToByte_8859_1: with charset=utf-8, a string of ISO 8859-1
 * characters is hashed as ISO 8859-1 and any other as UTF-8 (RFC 2831 2.1.2.1).
 */
function hashBytes(s: string, utf8: boolean): Buffer {
  return utf8 && /[^\u0000-\u00ff]/.test(s) ? Buffer.from(s, "utf8") : latin1(s);
}

export class DigestMd5Server {
  private state: State = "start";
  private nonce = "";
  private readonly realm: string;
  private readonly protocol: string;

  constructor(private readonly options: DigestMd5Options) {
    this.realm = options.realm ?? ZK_SASL_REALM;
    this.protocol = options.protocol ?? ZK_SASL_PROTOCOL;
  }

  get complete(): boolean {
    return this.state === "done";
  }

  /** One round. Throws SaslError; after a throw or completion every further round throws. */
  evaluate(token: Uint8Array): DigestMd5Step {
    const state = this.state;
    this.state = "done";
    if (token.length > SASL_TOKEN_BYTES_MAX) throw new SaslError(`token of ${token.length} bytes (at most ${SASL_TOKEN_BYTES_MAX})`);
    if (state === "start") return this.challenge(token);
    if (state === "challenged") return this.verify(token);
    throw new SaslError("DIGEST-MD5 exchange already ended");
  }

  private challenge(token: Uint8Array): DigestMd5Step {
    if (token.length !== 0) throw new SaslError("DIGEST-MD5 has no initial response: the first token must be empty");
    this.nonce = this.options.nonce?.() ?? randomBytes(24).toString("base64");
    this.state = "challenged";
    const text = `realm=${quote(this.realm)},nonce=${quote(this.nonce)},qop="auth",charset=utf-8,algorithm=md5-sess`;
    return { complete: false, token: latin1(text) };
  }

  private verify(token: Uint8Array): DigestMd5Step {
    const d = parseDirectives(Buffer.from(token).toString("latin1"));
    const charset = d.get("charset");
    if (charset !== undefined && charset.toLowerCase() !== "utf-8") throw new SaslError(`charset ${charset} (only utf-8)`);
    const utf8 = charset !== undefined;
    const text = (name: string) => {
      const v = d.get(name);
      if (v === undefined || !utf8) return v;
      try {
        return utf8Strict.decode(latin1(v));
      } catch {
        throw new SaslError(`${name} is not UTF-8`);
      }
    };
    const required = (name: string) => d.get(name) ?? missing(name);
    const user = text("username") ?? missing("username");
    const realm = text("realm") ?? "";
    if (realm !== "" && realm !== this.realm) throw new SaslError(`realm ${JSON.stringify(realm)} was not offered`);
    if (required("nonce") !== this.nonce) throw new SaslError("nonce differs from the challenge's");
    const cnonce = required("cnonce");
    if (cnonce === "") throw new SaslError("empty cnonce");
    const nc = required("nc");
    if (!/^[0-9a-fA-F]{8}$/.test(nc) || parseInt(nc, 16) !== 1) throw new SaslError(`nc ${nc} (a first authentication has nc 00000001)`);
    const qop = d.get("qop") ?? "auth";
    if (qop !== "auth") throw new SaslError(`qop ${qop} is not offered: only auth (no integrity or confidentiality layer)`);
    if (d.has("cipher")) throw new SaslError("cipher is only for qop auth-conf, which is not offered");
    const uri = required("digest-uri");
    this.checkDigestUri(uri);
    const response = required("response");
    if (!/^[0-9a-fA-F]{32}$/.test(response)) throw new SaslError("response is not 32 hex digits");
    const password = this.options.passwordOf(user);
    if (password === undefined) throw new SaslError(`user ${JSON.stringify(user)} is not known`);
    const authzid = d.get("authzid");
    const urp = md5(hashBytes(user, utf8), ":", hashBytes(realm, utf8), ":", hashBytes(password, utf8));
    const ha1 = hex(md5(urp, ":", this.nonce, ":", cnonce, ...(authzid !== undefined ? [":", authzid] : [])));
    const kd = (a2: string) => hex(md5(ha1, ":", this.nonce, ":", nc, ":", cnonce, ":", qop, ":", hex(md5(a2))));
    const expected = Buffer.from(kd(`AUTHENTICATE:${uri}`), "latin1");
    if (!timingSafeEqual(expected, Buffer.from(response.toLowerCase(), "latin1")))
      throw new SaslError(`wrong response for user ${JSON.stringify(user)} (wrong password?)`);
    return { complete: true, token: latin1(`rspauth=${kd(`:${uri}`)}`), user };
  }

  /** digest-uri = serv-type "/" host [ "/" serv-name ]: ours, the host compared without case as Java does. */
  private checkDigestUri(uri: string): void {
    const parts = uri.split("/");
    const ok =
      (parts.length === 2 || parts.length === 3) && parts[0] === this.protocol && parts[1]!.toLowerCase() === this.realm.toLowerCase();
    if (!ok) throw new SaslError(`digest-uri ${JSON.stringify(uri)} is not ${this.protocol}/${this.realm}`);
  }
}

function missing(name: string): never {
  throw new SaslError(`no ${name} directive`);
}
