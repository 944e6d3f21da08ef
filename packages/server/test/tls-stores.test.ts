// The pieces of TLS that read bytes: the x509 identity (a certificate's subject, as Java's
// X500Principal.getName() writes it), PKCS12 trust stores (openssl's and keytool's), and the
// Java-to-OpenSSL cipher suite names. Certificates are made with openssl in a temporary directory.
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasOpenssl } from "@warden/testing";
import { x509SubjectName } from "../src/net/x509.js";
import { pkcs12Certificates } from "../src/net/pkcs12.js";
import { DerError } from "../src/net/der.js";
import { opensslCipherName } from "../src/config/tls-settings.js";

const hasJava = spawnSync("java", ["-version"], { stdio: "ignore" }).status === 0;
const hasKeytool = spawnSync("keytool", ["-help"], { stdio: "ignore" }).status === 0;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "warden-tls-stores-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function selfSigned(subject: string, extra: string[] = []): string {
  const file = join(dir, `cert-${++n}.pem`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, `key-${n}.pem`),
      "-out",
      file,
      "-days",
      "1",
      "-subj",
      subject,
      ...extra,
    ],
    { stdio: "ignore" },
  );
  return file;
}

const SUBJECTS: Array<[string, string[]]> = [
  ["/CN=client", []],
  ["/C=US/O=Example/OU=ops/CN=client", []],
  ["/C=US/ST=CA/O=Acme, Inc./OU=ops+OU=dev/CN=client 1/emailAddress=a@b.c/DC=example", ["-multivalue-rdn"]],
  ['/O=Quotes "and" <angles>; semi/CN=#hash/L= lead and trail ', []],
  ["/CN=Zoë Ünïcode/O=Ex\\+Plus", ["-utf8"]],
  ["/UID=u1/serialNumber=1234/title=Boss/CN=x", []],
];

describe.skipIf(!hasOpenssl())("the x509 identity of a certificate", () => {
  it("is the subject from the last RDN to the first, Java's keywords, commas and pluses escaped", () => {
    expect(x509SubjectName(new X509Certificate(readFileSync(selfSigned("/C=US/O=Example/OU=ops/CN=client"))))).toBe(
      "CN=client,OU=ops,O=Example,C=US",
    );
    expect(x509SubjectName(new X509Certificate(readFileSync(selfSigned("/O=Acme, Inc./CN=a\\+b"))))).toBe("CN=a\\+b,O=Acme\\, Inc.");
  });

  it.skipIf(!hasJava)(
    "equals Java's X500Principal.getName() (ZooKeeper's X509AuthenticationProvider) for awkward subjects",
    () => {
      const files = SUBJECTS.map(([subject, extra]) => selfSigned(subject, extra));
      const program = join(dir, "SubjectName.java");
      writeFileSync(
        program,
        `import java.io.*; import java.security.cert.*;
public class SubjectName { public static void main(String[] a) throws Exception {
  CertificateFactory f = CertificateFactory.getInstance("X.509");
  for (String file : a) { try (InputStream in = new FileInputStream(file)) {
    System.out.println(((X509Certificate) f.generateCertificate(in)).getSubjectX500Principal().getName()); } } } }
`,
      );
      const java = execFileSync("java", [program, ...files], { encoding: "utf8" })
        .trimEnd()
        .split("\n");
      expect(files.map((f) => x509SubjectName(new X509Certificate(readFileSync(f))))).toEqual(java);
    },
    60_000,
  );
});

describe.skipIf(!hasOpenssl())("PKCS12 trust stores", () => {
  let ca: string;
  beforeAll(() => {
    ca = selfSigned("/O=Example/CN=store CA");
  });
  const subjectsOf = (file: string, password: string) =>
    pkcs12Certificates(readFileSync(file), password).map((der) => new X509Certificate(der).subject);

  it("reads openssl's certificate-only PKCS12 (AES, PBKDF2) and checks the password by its MAC", () => {
    const p12 = join(dir, "openssl-trust.p12");
    execFileSync("openssl", ["pkcs12", "-export", "-nokeys", "-in", ca, "-out", p12, "-passout", "pass:secret"], { stdio: "ignore" });
    expect(subjectsOf(p12, "secret")).toEqual(["O=Example\nCN=store CA"]);
    expect(() => subjectsOf(p12, "wrong")).toThrow(/password does not match/);
  });

  it.skipIf(!hasKeytool)("reads keytool's PKCS12 trust store", () => {
    const p12 = join(dir, "keytool-trust.p12");
    execFileSync(
      "keytool",
      ["-importcert", "-noprompt", "-alias", "ca", "-file", ca, "-keystore", p12, "-storetype", "PKCS12", "-storepass", "changeit"],
      { stdio: "ignore" },
    );
    expect(subjectsOf(p12, "changeit")).toEqual(["O=Example\nCN=store CA"]);
  });

  it("throws only DerError on truncated or altered files, never anything else", () => {
    const p12 = join(dir, "openssl-trust.p12");
    const bytes = readFileSync(p12);
    for (let cut = 0; cut < bytes.length; cut += 7) {
      expect(() => pkcs12Certificates(bytes.subarray(0, cut), "secret")).toThrow(DerError);
    }
    for (let at = 0; at < bytes.length; at += 5) {
      const altered = Buffer.from(bytes);
      altered[at] = altered[at]! ^ 0x5a;
      try {
        pkcs12Certificates(altered, "secret");
      } catch (e) {
        expect(e, `byte ${at}`).toBeInstanceOf(DerError);
      }
    }
  });
});

describe("cipher suite names", () => {
  it.each([
    ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"],
    ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"],
    ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"],
    ["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"],
    ["TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"],
    ["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256"],
    ["TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"],
    ["TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"],
    ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"],
  ])("Java's %s is OpenSSL's %s", (java, openssl) => {
    expect(opensslCipherName(java)).toBe(openssl);
  });
});
