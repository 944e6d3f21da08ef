// What makes a client port a TLS port: the listener is a tls.Server (or an https.Server for
// the native port) with the port's secure context; a failed handshake ends that socket,
// logged and counted; a verified client certificate gives the connection its x509 identity.
// Everything after the handshake is the plain port's code, unchanged.
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { createServer, type Server as TlsServer, type TLSSocket, type TlsOptions } from "node:tls";
import type { Id } from "@warden/protocol";
import type { ClientAuth } from "../config/tls-settings.js";
import type { ListenerReporter } from "./connection.js";
import type { TlsReloader } from "./tls-context.js";
import { x509SubjectName } from "./x509.js";

export interface ListenerTls {
  /** From tlsServerOptions: the secure context, requestCert, rejectUnauthorized, handshakeTimeout. */
  options: TlsOptions;
  clientAuth: ClientAuth;
  /** The x509 identity that is the superuser (X509AuthenticationProvider.superUser). */
  superUser: string | undefined;
  /** Receives the port's server, to give it reloaded certificates. */
  reloader: TlsReloader | undefined;
  /** Handshakes in progress on one port (outstandingHandshake.limit); one more connection is closed at once. */
  handshakesMax: number;
}

type Port = "zookeeper" | "native" | "admin";

/** A tls.Server for the ZooKeeper port; raw sockets (handshake included) are kept in `sockets` until closed. */
export function createTlsListener(
  tls: ListenerTls,
  port: Port,
  reporter: ListenerReporter,
  onSocket: (socket: Socket) => void,
  sockets: Set<Socket>,
): TlsServer {
  const server = createServer(tls.options, (socket) => {
    if (admitted(socket, tls, port, reporter)) onSocket(socket);
  });
  watchHandshakes(server, port, reporter, sockets, tls.handshakesMax);
  tls.reloader?.add(server);
  return server;
}

/** An https.Server for the native (WebSocket) port or the admin port; raw sockets (handshake included) are kept in `sockets` until closed. */
export function createHttpsListener(
  tls: ListenerTls,
  reporter: ListenerReporter,
  httpOptions: { connectionsCheckingInterval: number },
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  sockets: Set<Socket>,
  port: "native" | "admin" = "native",
): HttpsServer {
  const server = createHttpsServer({ ...tls.options, ...httpOptions }, onRequest);
  // https.Server passes a failed handshake on as an HTTP clientError too: it is counted once, below, as tls_handshake.
  server.removeAllListeners("tlsClientError");
  // After the HTTP layer took the socket: a refused one is destroyed before it can upgrade.
  server.on("secureConnection", (socket: TLSSocket) => void admitted(socket, tls, port, reporter));
  watchHandshakes(server, port, reporter, sockets, tls.handshakesMax);
  tls.reloader?.add(server);
  return server;
}

function watchHandshakes(server: TlsServer, port: Port, reporter: ListenerReporter, sockets: Set<Socket>, handshakesMax: number): void {
  // Raw sockets whose handshake is not done, by their remote address and port.
  const handshaking = new Map<string, Socket>();
  const keyOf = (s: Socket) => `${s.remoteAddress}:${s.remotePort}`;
  const refused = new WeakSet<Socket>();
  // Before the TLS layer wraps the socket: one over the bound costs nothing but the accept.
  server.prependListener("connection", (raw: Socket) => {
    const key = keyOf(raw);
    if (handshaking.size >= handshakesMax) {
      reporter.log(
        `closing ${port} connection ${remoteOf(raw)}: too_many_connections: ${handshakesMax} TLS handshakes in progress (outstandingHandshake.limit)`,
      );
      reporter.closed(port, "too_many_connections");
      refused.add(raw);
      raw.destroy();
      return;
    }
    handshaking.set(key, raw);
    // Closing the listener ends these too: a handshake that never comes must not hold the stop.
    sockets.add(raw);
    raw.on("close", () => {
      sockets.delete(raw);
      if (handshaking.get(key) === raw) handshaking.delete(key);
    });
  });
  server.on("secureConnection", (socket: TLSSocket) => handshaking.delete(keyOf(socket)));
  // A plain-text client, garbage, a certificate that does not verify, a handshake too slow: that socket ends.
  server.on("tlsClientError", (e: Error & { code?: string }, socket: TLSSocket) => {
    // The TLS layer still wraps a socket refused above, and reports its end: counted once already.
    const raw = rawOf(socket);
    if (raw && refused.has(raw)) return void socket.destroy();
    reporter.log(`closing ${port} connection ${remoteOf(socket)}: tls_handshake: ${e.code ?? ""} ${e.message}`.replace(/ {2}/, " "));
    reporter.closed(port, "tls_handshake");
    socket.destroy();
  });
}

/**
 * Under clientAuth=want a client may come without a certificate; one that sends a certificate
 * that does not verify is refused, as ZooKeeper's trust manager refuses it.
 */
function admitted(socket: TLSSocket, tls: ListenerTls, port: Port, reporter: ListenerReporter): boolean {
  if (tls.clientAuth !== "want" || socket.authorized || !hasCertificate(socket)) return true;
  reporter.log(
    `closing ${port} connection ${remoteOf(socket)}: tls_unauthorized: its certificate does not verify: ${String(socket.authorizationError)}`,
  );
  reporter.closed(port, "tls_unauthorized");
  socket.destroy();
  return false;
}

function hasCertificate(socket: TLSSocket): boolean {
  return Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
}

/**
 * The stream under a server-side TLSSocket (Node's fields): `_parent`, a net.Socket; or, for
 * another stream (the admin port's unified connections), the stream its handle's wrapper relays.
 * Without them a refusal would be counted twice and logged without its address, no worse.
 */
function rawOf(socket: TLSSocket): Socket | undefined {
  const s = socket as TLSSocket & { _parent?: Socket | null; _handle?: { _parentWrap?: { stream?: Socket } } | null };
  return s._parent ?? s._handle?._parentWrap?.stream ?? undefined;
}

function remoteOf(socket: Socket): string {
  const from = socket.remoteAddress === undefined && "encrypted" in socket ? (rawOf(socket as TLSSocket) ?? socket) : socket;
  return `${(from.remoteAddress ?? "?").replace(/^::ffff:/, "")}:${from.remotePort ?? "?"}`;
}

/**
 * The identities a TLS connection starts with (X509AuthenticationProvider.handleAuthentication):
 * x509:<subject> for a verified client certificate, and super:<subject> when it is the superuser.
 */
export function peerIdentities(socket: Socket, tls: ListenerTls): Id[] {
  const s = socket as TLSSocket;
  if (!s.authorized) return [];
  const cert = s.getPeerX509Certificate();
  if (!cert) return [];
  const subject = x509SubjectName(cert);
  const ids: Id[] = [];
  if (tls.superUser !== undefined && subject === tls.superUser) ids.push({ scheme: "super", id: subject });
  ids.push({ scheme: "x509", id: subject });
  return ids;
}
