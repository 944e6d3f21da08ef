// The client listeners: the ZooKeeper port and the native WebSocket port, and their TLS
// variants (secureClientPort, secureNativePort), sharing one connection limiter, one set of
// bounds and one reporter of closed connections. Each listener is a containment boundary: a
// fault ends that connection with a logged reason and a counter (net/connection.ts).
import type { ServerConfig } from "../config/index.js";
import type { RequestMetrics } from "../admin/request-metrics.js";
import type { AdminTls } from "../admin/listener.js";
import {
  ConnectionLimiter,
  type CloseCause,
  type ConnectionBounds,
  type HandlerFactory,
  type ListenerReporter,
} from "../net/connection.js";
import { type NativeListener, startNativeListener } from "../net/native-listener.js";
import { type ZkListener, startZkListener } from "../net/zk-listener.js";
import { nativeOrigins } from "../net/origins.js";
import type { AllowedOrigins } from "../net/origins.js";
import type { ListenerTls } from "../net/tls-listener.js";

/** What a reply may carry beyond jute.maxbuffer bytes of data: path, Stat and framing. */
const REPLY_SLACK_BYTES = 64 * 1024;
/** The largest first frame of a client connection (a ConnectRequest is under 100 bytes). */
const HANDSHAKE_BYTES_MAX = 4096;

/** The reporter every listener (the admin port's too) tells of the connections it ends, counted by port and cause. */
export function listenerReporter(metrics: RequestMetrics, log: (line: string) => void): ListenerReporter {
  const closes = metrics.registry.counter(
    "warden_connections_closed_total",
    "Connections the server ended because of a fault or a bound, by port and cause",
  );
  return {
    log,
    closed: (port, cause: CloseCause) => {
      closes.inc({ port, cause });
      if (cause === "too_many_connections") metrics.zk.connectionRejected.inc();
    },
  };
}

export interface ClientListenersInput {
  config: ServerConfig;
  /** Each connection's handler (StartingGate.handlers: held or refused until the server has recovered). */
  handlers: HandlerFactory;
  reporter: ListenerReporter;
  /** The TLS client ports' stores (TlsStores.client); undefined: no TLS port. Its reloader starts here. */
  tls: ListenerTls | undefined;
  /** The admin port's TLS: the admin console's origins are allowed on the native port by scheme. */
  adminTls: AdminTls | undefined;
  /** Answers four-letter words on the ZooKeeper ports. */
  fourLetterWord: (word: string) => string;
}

/** The listeners started; a port configured 0 (or a TLS port without TLS settings) is undefined. */
export interface ClientListeners {
  readonly native: NativeListener | undefined;
  readonly zk: ZkListener | undefined;
  readonly secureZk: ZkListener | undefined;
  readonly secureNative: NativeListener | undefined;
  /** Open client connections, on every port. */
  readonly limiter: ConnectionLimiter;
  /** The origins the native ports accept (the admin console's among them). */
  readonly origins: AllowedOrigins;
}

/** Starts the native port, the ZooKeeper port, then their TLS variants, in that order; then the TLS reloader. */
export async function startClientListeners({
  config,
  handlers,
  reporter,
  tls,
  adminTls,
  fourLetterWord,
}: ClientListenersInput): Promise<ClientListeners> {
  const limiter = new ConnectionLimiter(config.connectionsPerAddressMax, config.connectionsMax);
  // Replies may carry a node of jute.maxbuffer bytes with its path, Stat and framing.
  const replyBytesMax = config.frameBytesMax + REPLY_SLACK_BYTES;
  const bounds: ConnectionBounds = {
    outputBytesPause: config.clientOutputBytesSoft,
    outputBytesMax: config.clientOutputBytesMax,
    handshakeBytesMax: HANDSHAKE_BYTES_MAX,
    handshakeTimeoutMs: config.clientHandshakeTimeoutMs,
    replyBytesMax,
  };
  const limits = { dataBytesMax: config.frameBytesMax, frameBytesMax: replyBytesMax };
  const sockets = { listenBacklog: config.clientPortListenBacklog, tcpKeepAlive: config.clientTcpKeepAlive };
  const origins = nativeOrigins(config, !adminTls ? ["http"] : adminTls.mode === "https" ? ["https"] : ["http", "https"]);
  const nativeOptions = { limits, bounds, limiter, handlers, reporter, sockets, origins };
  const started: { close(): Promise<void> }[] = [];
  const opening = <L extends { close(): Promise<void> }>(l: L | undefined): L | undefined => {
    if (l) started.push(l);
    return l;
  };
  try {
    return await openInOrder();
  } catch (e) {
    // A port in use: close the ones this call opened before it, then fail the start.
    await Promise.allSettled(started.map((l) => l.close()));
    throw e;
  }

  async function openInOrder(): Promise<ClientListeners> {
    const native =
      config.nativePort > 0
        ? opening(await startNativeListener({ ...nativeOptions, port: config.nativePort, host: config.clientPortAddress }))
        : undefined;
    const zkOptions = {
      frameBytesMax: config.frameBytesMax,
      bounds,
      limiter,
      handlers,
      sockets,
      fourLetterWord,
      reporter,
    };
    const zk =
      config.clientPort !== 0
        ? opening(await startZkListener({ ...zkOptions, port: config.clientPort, host: config.clientPortAddress }))
        : undefined;
    const secureZk =
      tls && config.secureClientPort > 0
        ? opening(await startZkListener({ ...zkOptions, port: config.secureClientPort, host: config.secureClientPortAddress, tls }))
        : undefined;
    const secureNative =
      tls && config.secureNativePort > 0
        ? opening(await startNativeListener({ ...nativeOptions, port: config.secureNativePort, host: config.secureClientPortAddress, tls }))
        : undefined;
    tls?.reloader?.start();
    return { native, zk, secureZk, secureNative, limiter, origins };
  }
}

/** Closes every client port and stops their TLS reloader (a start that failed after opening them). */
export async function closeClientListeners(
  { native, zk, secureZk, secureNative }: ClientListeners,
  tls: ClientListenersInput["tls"],
): Promise<void> {
  tls?.reloader?.stop();
  await Promise.all([native?.close(), zk?.close(), secureZk?.close(), secureNative?.close()]);
}

/** Connections still in their handshake, over every client port. */
export function handshaking({ native, zk, secureZk, secureNative }: ClientListeners): number {
  return (native?.handshaking() ?? 0) + (zk?.handshaking() ?? 0) + (secureZk?.handshaking() ?? 0) + (secureNative?.handshaking() ?? 0);
}
