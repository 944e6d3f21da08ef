// Certificates for TLS tests, made with Debian's openssl under a directory the test owns: a
// CA, a server certificate for 127.0.0.1 and localhost, and client certificates signed by
// the CA (or by another, untrusted CA). Files in PEM (key and chain in one file, as
// ZooKeeper's PEM key store) and PKCS12.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const hasOpenssl = () => spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

export interface CertFiles {
  /** The private key and the certificate, PEM, separately and together (ZooKeeper's PEM key store). */
  key: string;
  cert: string;
  pem: string;
  /** PKCS12 with the key and certificate, password `password`. */
  p12: string;
  password: string;
}

export interface TestCa {
  dir: string;
  /** The CA's certificate (a PEM trust store). */
  caCert: string;
  /** The CA's certificate in a PKCS12 trust store (password `password`). */
  caP12: string;
  /**
   * Issues a certificate for `subject` (e.g. "/O=Example/CN=client"); `server` adds 127.0.0.1 and
   * localhost; `altNames` (e.g. "DNS:elsewhere.example") makes a server certificate naming only those.
   */
  issue(name: string, subject: string, options?: { server?: boolean; altNames?: string }): CertFiles;
}

const PASSWORD = "changeit";

/** A new CA under `dir`, named `name` (files name-ca.*). */
export function makeTestCa(dir: string, name = "test"): TestCa {
  const caKey = join(dir, `${name}-ca.key`);
  const caCert = join(dir, `${name}-ca.pem`);
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    caKey,
    "-out",
    caCert,
    "-days",
    "2",
    "-subj",
    `/O=Warden tests/CN=${name} CA`,
  ]);
  const caP12 = join(dir, `${name}-ca-trust.p12`);
  openssl(dir, ["pkcs12", "-export", "-nokeys", "-in", caCert, "-out", caP12, "-passout", `pass:${PASSWORD}`]);
  let serial = 1;
  return {
    dir,
    caCert,
    caP12,
    issue(certName, subject, options = {}) {
      const key = join(dir, `${certName}.key`);
      const csr = join(dir, `${certName}.csr`);
      const cert = join(dir, `${certName}.crt`);
      const ext = join(dir, `${certName}.ext`);
      openssl(dir, [
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        csr,
        "-subj",
        subject,
      ]);
      const altNames = options.altNames ?? (options.server ? "IP:127.0.0.1,DNS:localhost" : undefined);
      writeFileSync(
        ext,
        altNames ? `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth,clientAuth\n` : "extendedKeyUsage=clientAuth\n",
      );
      openssl(dir, [
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        caCert,
        "-CAkey",
        caKey,
        "-set_serial",
        String(serial++),
        "-days",
        "2",
        "-out",
        cert,
        "-extfile",
        ext,
      ]);
      const pem = join(dir, `${certName}.pem`);
      writeFileSync(pem, readFileSync(key, "utf8") + readFileSync(cert, "utf8"));
      const p12 = join(dir, `${certName}.p12`);
      openssl(dir, ["pkcs12", "-export", "-in", cert, "-inkey", key, "-out", p12, "-passout", `pass:${PASSWORD}`]);
      return { key, cert, pem, p12, password: PASSWORD };
    },
  };
}
