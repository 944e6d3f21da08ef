// TLS between servers (ZooKeeper's sslQuorum, with the ssl.quorum.* keys): how the peer port's
// listener and the dialer's sockets are made when it is on. Everything after the TLS handshake
// is the plain transport's code (the ensemble-secret handshake and frame MACs included).
//
// Both ends verify: the acceptor asks for the dialer's certificate (ssl.quorum.clientAuth,
// default need) and checks it chains to ssl.quorum.trustStore; the dialer checks the acceptor's
// chain and, with ssl.quorum.hostnameVerification (default true), that the certificate names the
// host of the server.N line it dialed. With ssl.quorum.clientHostnameVerification (default: as
// hostnameVerification, as ZooKeeper's QuorumX509Util) the acceptor checks that the dialer's
// certificate names the address it connects from, or a server.N host that resolves to it
// (ZooKeeper reverse-resolves the address instead; Warden trusts its own server.N lines, not DNS PTR records).
import type { Socket } from "node:net";
import { isIP } from "node:net";
import {
  checkServerIdentity,
  connect,
  createSecureContext,
  createServer,
  type SecureContext,
  type SecureContextOptions,
  type Server,
  type TLSSocket,
} from "node:tls";
import type { QuorumTlsSettings } from "../config/config.js";
import type { TlsSettings } from "../config/tls-settings.js";
import { secureContextOptions, tlsServerOptions, TlsReloader } from "../net/tls-context.js";

export type PeerTlsRefusal = "tls-handshake" | "tls-hostname";

/** TLS handshakes in progress on the peer port at most (an ensemble needs a few); one more connection is closed before its handshake. */
export const PEER_TLS_HANDSHAKES_MAX = 64;

/** Why a TLS socket failed, from Node's error code: a certificate naming another host, or anything else of the handshake. */
export function tlsRefusalOf(e: Error & { code?: string }): PeerTlsRefusal {
  return e.code === "ERR_TLS_CERT_ALTNAME_INVALID" ? "tls-hostname" : "tls-handshake";
}

/** A socket error that is TLS's (a certificate, an alert, a protocol mismatch), not the network's (refused, reset, unreachable). */
export function isTlsError(e: Error & { code?: string }): boolean {
  // "... disconnected before secure TLS connection was established": e.g. a peer without sslQuorum, which closes on a ClientHello.
  return (
    /^ERR_(TLS|SSL)_|CERT|SIGNATURE|SELF_SIGNED|UNABLE_TO_|ISSUER/.test(e.code ?? "") ||
    /alert|handshake|certificate|secure TLS connection/i.test(e.message)
  );
}

/**
 * The peer port's TLS: the stores are read and checked when it is made (a bad one stops the
 * start), and again on every reload (sslQuorumReloadCertFiles), for the listener and the dialer.
 */
export class PeerTls {
  private context: SecureContext;
  private readonly serverOptions;
  private server: Server | undefined;
  readonly reloader: TlsReloader | undefined;

  /** Throws TlsStoreError when a store cannot be read or the context cannot be built. */
  constructor(
    readonly config: QuorumTlsSettings,
    handshakeTimeoutMs: number,
    log: (line: string) => void,
    reloaded: (ok: boolean) => void = () => {},
    private readonly handshakesMax = PEER_TLS_HANDSHAKES_MAX,
  ) {
    this.serverOptions = tlsServerOptions(config.settings, handshakeTimeoutMs);
    this.context = createSecureContext(secureContextOptions(config.settings));
    if (config.settings.reload) {
      this.reloader = new TlsReloader(config.settings, log, reloaded);
      this.reloader.add(this);
    }
  }

  get settings(): TlsSettings {
    return this.config.settings;
  }

  /** Reloaded stores: new connections both ways use them; open ones keep theirs. */
  setSecureContext(options: SecureContextOptions): void {
    this.context = createSecureContext(options);
    this.server?.setSecureContext(options);
  }

  /**
   * The peer port's listener. `raw` sees every accepted socket before its handshake (to be
   * closed on stop); `onSocket` gets each one that verified; `refused` each that did not.
   */
  createServer(
    raw: (s: Socket) => void,
    onSocket: (s: TLSSocket) => void,
    refused: (reason: PeerTlsRefusal, remote: string, detail: string) => void,
  ): Server {
    const server = createServer(this.serverOptions, (s) => {
      // clientAuth=want: a dialer without a certificate is let through, one whose certificate does not verify is not.
      if (!s.authorized && hasCertificate(s)) {
        refused("tls-handshake", remoteOf(s), `its certificate does not verify: ${String(s.authorizationError)}`);
        return void s.destroy();
      }
      onSocket(s);
    });
    const handshaking = new Set<Socket>();
    const overLimit = new WeakSet<Socket>();
    // Taken at accept: a socket that failed its handshake no longer knows its remote address.
    const remotes = new WeakMap<Socket, string>();
    // Before the TLS layer wraps the socket: one over the bound costs nothing but the accept.
    server.prependListener("connection", (socket: Socket) => {
      if (handshaking.size >= this.handshakesMax) {
        overLimit.add(socket);
        refused(
          "tls-handshake",
          remoteOf(socket),
          `${this.handshakesMax} TLS handshakes in progress on the peer port; closed before its handshake`,
        );
        return void socket.destroy();
      }
      handshaking.add(socket);
      remotes.set(socket, remoteOf(socket));
      socket.on("close", () => handshaking.delete(socket));
      raw(socket);
    });
    server.on("secureConnection", (s: TLSSocket) => handshaking.delete(parentOf(s) ?? s));
    // A plain-text peer, an untrusted or missing certificate, a handshake too slow: that socket ends.
    server.on("tlsClientError", (e: Error & { code?: string }, s: TLSSocket) => {
      const parent = parentOf(s);
      if (parent) handshaking.delete(parent);
      // The TLS layer still wraps a socket refused above and reports its end: counted once already.
      if (parent && overLimit.has(parent)) return void s.destroy();
      // A certificate that does not verify ends the socket once the handshake is over, which Node reports as a hang-up: say why.
      const detail = s.authorizationError
        ? `its certificate does not verify: ${String(s.authorizationError)}`
        : `${e.code ?? ""} ${e.message}`.trim();
      refused("tls-handshake", (parent && remotes.get(parent)) ?? remoteOf(s), detail);
      s.destroy();
    });
    this.server = server;
    return server;
  }

  /**
   * With clientHostnameVerification, whether the verified certificate of `s` names the address it
   * comes from, or one of `hosts` (the server.N hosts that resolve to that address). Undefined: it does.
   */
  dialerNameProblem(s: TLSSocket, hosts: readonly string[]): string | undefined {
    if (!this.config.clientHostnameVerification || !s.authorized) return undefined;
    const cert = s.getPeerX509Certificate();
    if (!cert) return undefined;
    const address = remoteOf(s).replace(/:\d+$/, "");
    if (cert.checkIP(address) !== undefined) return undefined;
    if (hosts.some((h) => (isIP(h) ? cert.checkIP(h) : cert.checkHost(h)) !== undefined)) return undefined;
    return `its certificate (${cert.subject.replace(/\n/g, ",")}) names neither ${address} nor a server.N host at that address${hosts.length > 0 ? ` (${hosts.join(", ")})` : ""}`;
  }

  /** A TLS connection to a peer's port; `secureConnect` means the acceptor's certificate verified (and names `host`, with hostnameVerification). */
  connect(host: string, port: number): TLSSocket {
    return connect({
      host,
      port,
      secureContext: this.context,
      // SNI takes a name, not an address.
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: true,
      checkServerIdentity: this.settings.hostnameVerification ? checkServerIdentity : () => undefined,
    });
  }
}

/** The raw socket under a server-side TLSSocket (Node's _parent; undefined if it ever goes). */
function parentOf(s: TLSSocket): Socket | undefined {
  return (s as TLSSocket & { _parent?: Socket })._parent;
}

function hasCertificate(s: TLSSocket): boolean {
  return Object.keys(s.getPeerCertificate() ?? {}).length > 0;
}

function remoteOf(s: Socket): string {
  return `${(s.remoteAddress ?? "?").replace(/^::ffff:/, "")}:${s.remotePort ?? "?"}`;
}
