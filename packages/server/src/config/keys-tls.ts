// The TLS keys of keys.ts's table: ZooKeeper's X509Util settings of the TLS client ports,
// and its QuorumX509Util settings between servers. Their meaning is ZooKeeper's.
import { INT, isTrue, type KeySpec } from "./key-spec.js";

const REVOCATION_REFUSED = {
  when: isTrue,
  values: "true",
  why: "Warden does not check revocation; starting would accept revoked certificates",
};
const JAVA_ONLY = "a Java class cannot be loaded by Warden";
/** ZooKeeper's X509Util settings of the TLS client ports (secureClientPort, secureNativePort); read by tls/settings.ts. */
export const sslClientKeys: Record<string, KeySpec> = {
  "ssl.keyStore.location": {
    kind: "path",
    doc: "The server's key and certificate: a PEM file (private key and certificate chain) or a PKCS12 file (.p12). Needed by a TLS port.",
  },
  "ssl.keyStore.password": {
    kind: "string",
    doc: "Password of the PKCS12 key store, or of the encrypted private key of a PEM one (default none).",
  },
  "ssl.keyStore.passwordPath": { kind: "path", doc: "A file holding ssl.keyStore.password (its first line)." },
  "ssl.keyStore.type": {
    kind: "string",
    doc: "PEM or PKCS12; unset: from the file name's extension (.pem, .p12), as ZooKeeper. JKS is refused at start: convert it with keytool -importkeystore -deststoretype PKCS12.",
  },
  "ssl.trustStore.location": {
    kind: "path",
    doc: "Certificates of the authorities that client certificates must chain to: PEM or PKCS12 (default: Node's bundled root authorities).",
  },
  "ssl.trustStore.password": { kind: "string", doc: "Password of a PKCS12 trust store (default none)." },
  "ssl.trustStore.passwordPath": { kind: "path", doc: "A file holding ssl.trustStore.password (its first line)." },
  "ssl.trustStore.type": { kind: "string", doc: "PEM or PKCS12; unset: from the extension, as ssl.keyStore.type." },
  "ssl.clientAuth": {
    kind: "string",
    doc: "need (ZooKeeper's default): a client without a verified certificate is refused at the handshake; want: a certificate is asked for and, when sent, must verify; none: none is asked for.",
  },
  "ssl.protocol": {
    kind: "string",
    doc: "The TLS version of the client ports: TLSv1.2 or TLSv1.3 (default TLSv1.3, ZooKeeper's on a current JDK). Without ssl.enabledProtocols, TLSv1.3 also allows TLSv1.2, as in ZooKeeper.",
  },
  "ssl.enabledProtocols": {
    kind: "list",
    doc: "TLS versions accepted, comma-separated (TLSv1.2, TLSv1.3; default from ssl.protocol). TLSv1 and TLSv1.1 are refused.",
  },
  "ssl.ciphersuites": {
    kind: "list",
    doc: "Cipher suites, comma-separated, in Java's (IANA) names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, or OpenSSL's; an unknown one is refused at start (default Node's).",
  },
  "ssl.hostnameVerification": {
    kind: "bool",
    doc: "Accepted (default true). As in ZooKeeper, a server does not check its clients' host names on the client port; Warden's client checks the server's name whenever it verifies its certificate.",
  },
  "ssl.clientHostnameVerification": {
    kind: "bool",
    doc: "Accepted.",
    ignored: "a server does not check client host names on the client port (ZooKeeper neither)",
  },
  "ssl.allowReverseDnsLookup": { kind: "bool", doc: "Accepted.", ignored: "no host name checks on the client port, so no reverse lookups" },
  "ssl.handshakeDetectionTimeoutMillis": {
    kind: "int",
    ...INT,
    doc: "Accepted.",
    ignored: "no port unification: the TLS ports speak only TLS",
  },
  "ssl.sslProvider": { kind: "string", doc: "Accepted; Node's TLS is OpenSSL.", ignored: "TLS is Node's (OpenSSL)" },
  "ssl.context.supplier.class": {
    kind: "string",
    doc: "Accepted; the stores are read from ssl.keyStore.* and ssl.trustStore.*.",
    ignored: `${JAVA_ONLY}: the TLS ports use ssl.keyStore.* and ssl.trustStore.*`,
  },
  "ssl.crl": {
    kind: "bool",
    doc: "Certificate revocation lists.",
    refused: REVOCATION_REFUSED,
  },
  "ssl.ocsp": {
    kind: "bool",
    doc: "OCSP revocation checks.",
    refused: REVOCATION_REFUSED,
  },
  "ssl.authProvider": {
    kind: "string",
    doc: "The scheme a verified client certificate authenticates as: x509 (the only one).",
    refused: { when: (v) => v !== "x509", values: "anything but x509", why: "x509 is the only certificate authentication provider" },
  },
  "client.certReload": {
    kind: "bool",
    doc: "true reloads the key and trust stores when their files change (ZooKeeper's FileChangeWatcher): new connections get the new certificate; a reload that fails keeps the old one and is logged (default false, as in ZooKeeper).",
  },
  "X509AuthenticationProvider.superUser": {
    kind: "string",
    doc: "The subject of the client certificate (x509 identity, e.g. CN=admin,OU=ops,O=Example) that is the superuser, as ZooKeeper's zookeeper.X509AuthenticationProvider.superUser.",
  },
};

/** ZooKeeper's QuorumX509Util settings: TLS between servers when sslQuorum=true; read by tls-settings.ts and peer/peer-tls.ts. */
export const sslQuorumKeys: Record<string, KeySpec> = {
  "ssl.quorum.keyStore.location": {
    kind: "path",
    doc: "This server's key and certificate on the peer port, both ways (it serves it as acceptor and presents it as dialer): PEM (private key and chain) or PKCS12 (.p12). Required by sslQuorum=true.",
  },
  "ssl.quorum.keyStore.password": {
    kind: "string",
    doc: "Password of the PKCS12 key store, or of the encrypted private key of a PEM one (default none).",
  },
  "ssl.quorum.keyStore.passwordPath": { kind: "path", doc: "A file holding ssl.quorum.keyStore.password (its first line)." },
  "ssl.quorum.keyStore.type": {
    kind: "string",
    doc: "PEM or PKCS12; unset: from the file name's extension (.pem, .p12), as ZooKeeper. JKS is refused at start: convert it with keytool -importkeystore -deststoretype PKCS12.",
  },
  "ssl.quorum.trustStore.location": {
    kind: "path",
    doc: "Certificates of the authorities the other servers' certificates must chain to, both ways: PEM or PKCS12 (default: Node's bundled root authorities, which any public certificate chains to: set it).",
  },
  "ssl.quorum.trustStore.password": { kind: "string", doc: "Password of a PKCS12 trust store (default none)." },
  "ssl.quorum.trustStore.passwordPath": { kind: "path", doc: "A file holding ssl.quorum.trustStore.password (its first line)." },
  "ssl.quorum.trustStore.type": { kind: "string", doc: "PEM or PKCS12; unset: from the extension, as ssl.quorum.keyStore.type." },
  "ssl.quorum.clientAuth": {
    kind: "string",
    doc: "What the peer port asks of a dialing server: need (ZooKeeper's default): a certificate that verifies, else the handshake fails; want: asked for and, when sent, must verify; none: not asked for (then only ensembleSecretFile, or the address, says who dials).",
  },
  "ssl.quorum.protocol": {
    kind: "string",
    doc: "TLS version between servers: TLSv1.2 or TLSv1.3 (default TLSv1.3; without ssl.quorum.enabledProtocols, TLSv1.3 also allows TLSv1.2, as in ZooKeeper).",
  },
  "ssl.quorum.enabledProtocols": {
    kind: "list",
    doc: "TLS versions accepted between servers, comma-separated (TLSv1.2, TLSv1.3; default from ssl.quorum.protocol). TLSv1 and TLSv1.1 are refused.",
  },
  "ssl.quorum.ciphersuites": {
    kind: "list",
    doc: "Cipher suites between servers, comma-separated, Java's (IANA) names or OpenSSL's; an unknown one is refused at start (default Node's).",
  },
  "ssl.quorum.hostnameVerification": {
    kind: "bool",
    doc: "true (default): a dialing server refuses a peer whose certificate does not name the host of its server.N line (a DNS name, or an IP address SAN for an address); it also turns on ssl.quorum.clientHostnameVerification.",
  },
  "ssl.quorum.clientHostnameVerification": {
    kind: "bool",
    doc: "true (default when ssl.quorum.hostnameVerification is, as ZooKeeper's QuorumX509Util): the peer port refuses a dialing server whose certificate names neither the address it connects from nor a server.N host that resolves to that address (ZooKeeper uses reverse DNS instead).",
  },
  "ssl.quorum.sslProvider": { kind: "string", doc: "Accepted; Node's TLS is OpenSSL.", ignored: "TLS is Node's (OpenSSL)" },
  "ssl.quorum.context.supplier.class": {
    kind: "string",
    doc: "Accepted; the stores are read from ssl.quorum.keyStore.* and ssl.quorum.trustStore.*.",
    ignored: `${JAVA_ONLY}: the peer port uses ssl.quorum.keyStore.* and ssl.quorum.trustStore.*`,
  },
  "ssl.quorum.allowReverseDnsLookup": {
    kind: "bool",
    doc: "Accepted.",
    ignored:
      "the peer port matches a dialer's certificate against its address and the server.N hosts at that address, never a reverse lookup",
  },
  "ssl.quorum.handshakeDetectionTimeoutMillis": {
    kind: "int",
    ...INT,
    doc: "Accepted.",
    ignored: "no port unification: with sslQuorum the peer port speaks only TLS",
  },
  "ssl.quorum.authProvider": {
    kind: "string",
    doc: "Accepted.",
    ignored: "servers are authenticated by their certificate chain (and ensembleSecretFile), not by an authentication provider",
  },
  "ssl.quorum.crl": {
    kind: "bool",
    doc: "Certificate revocation lists between servers.",
    refused: REVOCATION_REFUSED,
  },
  "ssl.quorum.ocsp": {
    kind: "bool",
    doc: "OCSP revocation checks between servers.",
    refused: REVOCATION_REFUSED,
  },
};
