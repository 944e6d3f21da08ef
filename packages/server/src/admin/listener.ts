// The admin port's listener: plain HTTP (ZooKeeper's default), HTTPS only (admin.forceHttps), or
// both on one port (admin.portUnification: the first byte of a connection tells a TLS
// handshake, 0x16, from an HTTP request, as ZooKeeper's UnifiedConnectionFactory). The HTTPS
// server is the client ports' (net/tls-listener.ts): failed handshakes end their socket, logged
// and counted under port "admin", and handshakes are bounded in time and number.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo, Server as NetServer, Socket } from "node:net";
import { ConfigError, type ServerConfig } from "../config/index.js";
import type { ListenerReporter } from "../net/connection.js";
import { tlsServerOptions } from "../net/tls-context.js";
import { createHttpsListener, type ListenerTls } from "../net/tls-listener.js";
import { unifiedFront } from "./unified.js";

export interface AdminTls {
  mode: "https" | "unified";
  listener: ListenerTls;
}

export interface AdminListener {
  /** The server that listens (for unified, the one that reads the first byte). */
  server: NetServer;
  port: number;
  /** Stops listening and ends every connection, handshakes included. */
  close(): Promise<void>;
}

/** Bounds of the admin port: it is for operators and scrapers, a handful of connections at a time. */
export const ADMIN_CONNECTIONS_MAX = 64;
/** Request headers, and under TLS the handshake (and with unification its first byte), must come within this. */
export const ADMIN_HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long one admin request may take to arrive in full. */
const ADMIN_REQUEST_TIMEOUT_MS = 30_000;
/** Headers parsed in one admin request. */
const ADMIN_HEADERS_MAX = 64;
/** What Jetty's SecureRequestCustomizer sends on ZooKeeper's HTTPS admin port: one day, subdomains included. */
const STRICT_TRANSPORT_SECURITY = "max-age=86400; includeSubDomains";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export async function listenAdmin(
  handler: Handler,
  port: number,
  host: string | undefined,
  reporter: ListenerReporter,
  idleTimeoutMs: number,
  tls?: AdminTls,
): Promise<AdminListener> {
  const rawSockets = new Set<Socket>();
  // Timeouts are checked every connectionsCheckingInterval (Node's default: 30 s).
  const httpOptions = { connectionsCheckingInterval: 1000 };
  const secureHandler: Handler = (req, res) => {
    res.setHeader("strict-transport-security", STRICT_TRANSPORT_SECURITY);
    handler(req, res);
  };
  const https = tls
    ? bounded(createHttpsListener(tls.listener, reporter, httpOptions, secureHandler, rawSockets, "admin"), reporter, idleTimeoutMs)
    : undefined;
  const http = !tls || tls.mode === "unified" ? bounded(createHttpServer(httpOptions, handler), reporter, idleTimeoutMs) : undefined;
  const front: NetServer =
    tls?.mode === "unified" ? unifiedFront(http!, https!, reporter, rawSockets, ADMIN_HANDSHAKE_TIMEOUT_MS) : (https ?? http)!;
  front.maxConnections = ADMIN_CONNECTIONS_MAX;
  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(port, host, () => resolve());
  });
  return {
    server: front,
    port: (front.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        front.close(() => resolve());
        http?.closeAllConnections();
        https?.closeAllConnections();
        for (const s of rawSockets) s.destroy();
      }),
  };
}

/** The bounds every admin HTTP(S) server has, and its containment of malformed requests. */
function bounded<S extends HttpServer>(server: S, reporter: ListenerReporter, idleTimeoutMs: number): S {
  server.headersTimeout = ADMIN_HANDSHAKE_TIMEOUT_MS;
  server.requestTimeout = ADMIN_REQUEST_TIMEOUT_MS;
  server.maxHeadersCount = ADMIN_HEADERS_MAX;
  // A connection idle (nothing read or written) this long is closed, as Jetty's idle timeout.
  server.on("connection", (socket: Socket) => socket.setTimeout(idleTimeoutMs, () => socket.destroy()));
  // A malformed request (bad request line, headers too large, a timeout) ends that connection only.
  server.on("clientError", (_e, socket) => {
    reporter.closed("admin", "bad_frame");
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    socket.destroy();
  });
  return server;
}

/**
 * The admin port's TLS as its listener takes it, or undefined for plain HTTP. The stores are
 * read now, so a bad one stops the start before anything is opened (as the client ports').
 */
export function adminListenerTls(config: ServerConfig): AdminTls | undefined {
  const https = config.adminHttps;
  if (!https || config.adminPort === 0) return undefined;
  let options;
  try {
    options = tlsServerOptions(https.tls, ADMIN_HANDSHAKE_TIMEOUT_MS);
  } catch (e) {
    throw new ConfigError(`the admin port's HTTPS (ssl.quorum.* keys): ${(e as Error).message}`);
  }
  return {
    mode: https.mode,
    listener: {
      options,
      clientAuth: https.tls.clientAuth,
      superUser: config.x509SuperUser,
      reloader: undefined,
      handshakesMax: Math.min(config.tlsHandshakesMax, ADMIN_CONNECTIONS_MAX),
    },
  };
}
