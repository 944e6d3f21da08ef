// The x509 identity of a client certificate, exactly as ZooKeeper's X509AuthenticationProvider
// names it: the subject's X500Principal.getName(), RFC 2253 form. The RDNs from the last
// to the first (CN=client,OU=ops,O=Example,C=US), the attributes of one RDN joined by "+",
// Java's keywords (CN C L ST O OU STREET DC UID) and every other attribute as its OID with the
// value's DER in hex (emailAddress: 1.2.840.113549.1.9.1=#16...). ACLs compare it as a string.
import type { X509Certificate } from "node:crypto";
import { children, expect, oid, seq, type Der } from "./der.js";

const KEYWORDS: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "STREET",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
};

/** The subject of a DER certificate in Java's RFC 2253 form. Throws DerError on a malformed one. */
export function x509SubjectName(cert: X509Certificate): string {
  const [tbs] = seq(children(cert.raw)[0], "a certificate");
  const fields = seq(tbs, "the certificate's body");
  // version [0] is optional; then serial, signature algorithm, issuer, validity, subject.
  const at = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[at + 4];
  return seq(subject, "the subject")
    .reverse()
    .map((rdn) =>
      children(expect(rdn, 0x31, "an RDN").body)
        .map(attribute)
        .join("+"),
    )
    .join(",");
}

function attribute(ava: Der): string {
  const [type, value] = seq(ava, "an attribute");
  const id = oid(type);
  const keyword = KEYWORDS[id];
  const text = keyword ? stringValue(value!) : undefined;
  return text === undefined ? `${id}=#${value!.whole.toString("hex")}` : `${keyword}=${escapeDnValue(text)}`;
}

function stringValue(d: Der): string | undefined {
  switch (d.tag) {
    case 0x0c: // UTF8String
      return d.body.toString("utf8");
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // T61String (read as Latin-1, as Java does)
      return d.body.toString("latin1");
    case 0x1e: // BMPString
      return d.body.length % 2 === 0 ? Buffer.from(d.body).swap16().toString("utf16le") : undefined;
    default:
      return undefined;
  }
}

/** RFC 2253 section 2.4, as Java escapes: , + " \ < > ; always; # first; a space first or last. */
function escapeDnValue(value: string): string {
  let out = value.replace(/[,+"\\<>;]/g, (c) => `\\${c}`);
  if (out.startsWith("#")) out = `\\${out}`;
  if (out.startsWith(" ")) out = `\\${out}`;
  if (out.length > 1 && out.endsWith(" ") && !out.endsWith("\\ ")) out = `${out.slice(0, -1)}\\ `;
  return out;
}
