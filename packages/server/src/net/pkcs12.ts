// The certificates of a PKCS12 trust store (what `keytool -importcert -storetype PKCS12` and
// `openssl pkcs12 -export -nokeys` write). Node reads a PKCS12 file only when it holds a
// private key (the `pfx` option), so a key store goes to Node and a trust store comes here.
// Only what such files use: certificate bags, in plain or PBES2-encrypted contents (PBKDF2
// with HMAC-SHA1/256, AES-CBC), and the password MAC (PKCS12 KDF, SHA-1/256). Every length
// is checked against the file's bytes; a bad file throws Pkcs12Error, never more.
import { createDecipheriv, createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { DerError, children, expect, integer, octets, oid, seq, type Der } from "./der.js";

export class Pkcs12Error extends DerError {
  constructor(message: string) {
    super(message, "WARDEN_ERR_PKCS12");
  }
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacSha1: "1.2.840.113549.2.7",
  hmacSha256: "1.2.840.113549.2.9",
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
} as const;
const AES: Record<string, string> = {
  "2.16.840.1.101.3.4.1.2": "aes-128-cbc",
  "2.16.840.1.101.3.4.1.22": "aes-192-cbc",
  "2.16.840.1.101.3.4.1.42": "aes-256-cbc",
};
/** PBKDF2 or MAC iterations a PKCS#12 store may ask for (a bound on the work of loading it). */
const ITERATIONS_MAX = 10_000_000;

/** The DER certificates of a PKCS12 file; throws Pkcs12Error when it cannot be read with `password`. */
export function pkcs12Certificates(file: Buffer, password: string): Buffer[] {
  const [pfx] = children(file);
  const [version, authSafe, macData] = seq(pfx, "a PFX");
  if (integer(version) !== 3) throw new Pkcs12Error("not a PKCS12 version 3 file");
  const contentInfo = seq(authSafe, "the authenticated safe");
  if (oid(contentInfo[0]) !== OID.data) throw new Pkcs12Error("only password-integrity PKCS12 files are supported");
  const safeBytes = octets(children(expect(contentInfo[1], 0xa0, "content").body)[0], "the authenticated safe's data");
  if (macData) checkMac(macData, safeBytes, password);
  const certs: Buffer[] = [];
  for (const info of children(expect(children(safeBytes)[0], 0x30, "the safe contents").body)) {
    const [type, content] = seq(info, "a content info");
    const inner = children(expect(content, 0xa0, "content").body)[0];
    const kind = oid(type);
    const bags = kind === OID.data ? octets(inner, "data") : kind === OID.encryptedData ? decrypt(inner, password) : undefined;
    if (bags === undefined) continue;
    for (const bag of seq(children(bags)[0], "safe bags")) {
      const [bagId, value] = seq(bag, "a safe bag");
      if (oid(bagId) !== OID.certBag) continue;
      const [certType, certValue] = seq(children(expect(value, 0xa0, "a bag value").body)[0], "a certificate bag");
      if (oid(certType) !== OID.x509Certificate) continue;
      certs.push(octets(children(expect(certValue, 0xa0, "a certificate").body)[0], "a certificate"));
    }
  }
  return certs;
}

function decrypt(encryptedData: Der | undefined, password: string): Buffer {
  const [, eci] = seq(encryptedData, "encrypted data");
  const [, algorithm, encrypted] = seq(eci, "encrypted content info");
  const [algId, params] = seq(algorithm, "an encryption algorithm");
  if (oid(algId) !== OID.pbes2) {
    throw new Pkcs12Error(
      `encrypted with ${oid(algId)}, a legacy algorithm: re-export the store with AES (openssl pkcs12 -export -certpbe AES-256-CBC, or keytool of JDK 12+), or use PEM`,
    );
  }
  const [kdf, scheme] = seq(params, "PBES2 parameters");
  const [kdfId, kdfParams] = seq(kdf, "a key derivation");
  if (oid(kdfId) !== OID.pbkdf2) throw new Pkcs12Error("PBES2 without PBKDF2");
  const kp = seq(kdfParams, "PBKDF2 parameters");
  const salt = octets(kp[0], "a salt");
  const iterations = integer(kp[1]);
  if (iterations < 1 || iterations > ITERATIONS_MAX) throw new Pkcs12Error(`${iterations} PBKDF2 iterations`);
  const prf = kp.find((d) => d.tag === 0x30);
  const prfId = prf ? oid(children(prf.body)[0]) : OID.hmacSha1;
  const digest = prfId === OID.hmacSha256 ? "sha256" : prfId === OID.hmacSha1 ? "sha1" : undefined;
  if (!digest) throw new Pkcs12Error(`PBKDF2 with ${prfId}`);
  const [cipherId, iv] = seq(scheme, "an encryption scheme");
  const cipher = AES[oid(cipherId)];
  if (!cipher) throw new Pkcs12Error(`PBES2 with ${oid(cipherId)} (AES-CBC is supported)`);
  const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, Number(cipher.slice(4, 7)) / 8, digest);
  try {
    const d = createDecipheriv(cipher, key, octets(iv, "an IV"));
    return Buffer.concat([d.update(octets(encrypted, "encrypted content")), d.final()]);
  } catch {
    throw new Pkcs12Error("cannot decrypt it: wrong password?");
  }
}

function checkMac(macData: Der, content: Buffer, password: string): void {
  const [digestInfo, saltDer, iterDer] = seq(macData, "MAC data");
  const [alg, digestDer] = seq(digestInfo, "a MAC digest");
  const hashOid = oid(children(expect(alg, 0x30, "a digest algorithm").body)[0]);
  const hash = hashOid === OID.sha256 ? "sha256" : hashOid === OID.sha1 ? "sha1" : undefined;
  if (!hash) throw new Pkcs12Error(`MAC with ${hashOid}`);
  const iterations = iterDer ? integer(iterDer) : 1;
  if (iterations < 1 || iterations > ITERATIONS_MAX) throw new Pkcs12Error(`${iterations} MAC iterations`);
  const expected = octets(digestDer, "a MAC");
  const key = pkcs12Kdf(hash, password, octets(saltDer, "a MAC salt"), iterations, 3, hash === "sha256" ? 32 : 20);
  const mac = createHmac(hash, key).update(content).digest();
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected))
    throw new Pkcs12Error("the password does not match (MAC check failed)");
}

/** RFC 7292 appendix B: the PKCS12 key derivation, password as BMPString with its terminator. */
function pkcs12Kdf(hash: "sha1" | "sha256", password: string, salt: Buffer, iterations: number, id: number, bytes: number): Buffer {
  const u = hash === "sha256" ? 32 : 20;
  const v = 64;
  const pw = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), i * 2);
  const fill = (src: Buffer) => {
    const out = Buffer.alloc(src.length === 0 ? 0 : v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const I = Buffer.concat([fill(salt), fill(pw)]);
  const D = Buffer.alloc(v, id);
  const out: Buffer[] = [];
  for (let produced = 0; produced < bytes; produced += u) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let i = 1; i < iterations; i++) A = createHash(hash).update(A).digest();
    out.push(A);
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, bytes);
}
