import { systemClock, type Clock } from "./clock.js";
import { BadArgumentsError, type DynamicConfig, type NativeCodecLimits } from "@warden/protocol";
import type { Transport } from "./transport.js";

export interface ClientOptions {
  /** Requested session timeout; the server negotiates it into its [min, max]. Default 30 000. */
  sessionTimeoutMs?: number;
  /** One connection attempt's limit. Default: sessionTimeoutMs / number of servers (as ZooKeeper). */
  connectTimeoutMs?: number;
  /** Backoff between failed attempts: full jitter, doubling from min to max. Defaults 100 and 2000. */
  reconnectDelayMsMin?: number;
  reconnectDelayMsMax?: number;
  /** After the session is lost, open a new one (Curator, kazoo) instead of staying closed. Default true. */
  reconnectAfterExpiry?: boolean;
  /** Default for every call; a call's own timeoutMs wins. Default: none. */
  requestTimeoutMs?: number;
  /** Retry reads whose connection dropped while they were in flight. Default false; writes never. */
  retryReads?: boolean;
  /** Attempts of one read when retryReads is on. Default 3. */
  readAttemptsMax?: number;
  /** Requests waiting for a connection; beyond it a call fails with ThrottledError. Default 10 000. */
  queuedRequestsMax?: number;
  /** Requests sent and not yet answered; beyond it calls wait in the queue. Default 1000. */
  inflightRequestsMax?: number;
  /** Use wss:// instead of ws:// (a connect string starting with wss:// says the same). */
  secure?: boolean;
  /**
   * TLS in Node (implies secure): the authorities to trust, and a client certificate for servers
   * that ask for one (ssl.clientAuth). Browsers use their own trust store and certificates.
   */
  tls?: TlsOptions;
  /** How to reach servers. Default: the global WebSocket, else `ws` in Node. */
  transport?: Transport;
  /** Codec bounds (data and frame sizes); must match the servers'. */
  limits?: Partial<NativeCodecLimits>;
  /** Source of randomness for the server order and backoff jitter, in [0, 1). Default Math.random. */
  random?: () => number;
  /** The clock of pings, deadlines, backoff and timeouts (default the system's; tests pass a manual one). */
  clock?: Clock;
  /**
   * Accept a read-only server (one without a quorum, readonlymode.enabled) when no read-write one
   * answers: reads work, writes fail with NotReadOnlyError, the state is connectedReadOnly, and the
   * client looks for a read-write server in the background (ZooKeeper's canBeReadOnly). Default false.
   */
  canBeReadOnly?: boolean;
  /**
   * Follow the ensemble's membership: the client watches /zookeeper/config and, each time it
   * changes, calls updateServerList with what this returns for the new configuration (the
   * native connect string of its servers; undefined: leave the list). ZooKeeper's client leaves
   * this to the application; this option is that application code. The configuration names
   * ZooKeeper client ports, so the mapping to native ports is the caller's. Default: off.
   */
  serverListFromConfig?: (config: DynamicConfig) => string | undefined;
}

/** Node's TLS client options, as ws passes them to tls.connect (PEM strings or bytes). */
export interface TlsOptions {
  /** Authorities the server's certificate must chain to (default: Node's bundled roots). */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** The client's certificate chain and private key (PEM), or both in PKCS12 (pfx) with its passphrase. */
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  pfx?: string | Uint8Array;
  passphrase?: string;
  /** Default true: the server's certificate must verify, its name included. */
  rejectUnauthorized?: boolean;
  /** The name the server's certificate must carry, when it differs from the host of the connect string. */
  servername?: string;
}

export interface ResolvedOptions {
  sessionTimeoutMs: number;
  connectTimeoutMs: number | undefined;
  reconnectDelayMsMin: number;
  reconnectDelayMsMax: number;
  reconnectAfterExpiry: boolean;
  requestTimeoutMs: number | undefined;
  retryReads: boolean;
  readAttemptsMax: number;
  queuedRequestsMax: number;
  inflightRequestsMax: number;
  secure: boolean;
  tls: TlsOptions | undefined;
  transport: Transport | undefined;
  limits: Partial<NativeCodecLimits>;
  random: () => number;
  clock: Clock;
  canBeReadOnly: boolean;
  serverListFromConfig: ((config: DynamicConfig) => string | undefined) | undefined;
}

/** Session timeouts accepted from callers; the server narrows them further. */
export const SESSION_TIMEOUT_MS_MIN = 100;
/** The longest session timeout a caller may ask for (one day). */
export const SESSION_TIMEOUT_MS_MAX = 24 * 60 * 60 * 1000;

function positive(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new BadArgumentsError(`${name} must be in (0, ${max}], got ${value}`);
  return value;
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const sessionTimeoutMs = positive("sessionTimeoutMs", options.sessionTimeoutMs, 30_000, SESSION_TIMEOUT_MS_MAX);
  if (sessionTimeoutMs < SESSION_TIMEOUT_MS_MIN) throw new BadArgumentsError(`sessionTimeoutMs must be >= ${SESSION_TIMEOUT_MS_MIN}`);
  const reconnectDelayMsMin = positive("reconnectDelayMsMin", options.reconnectDelayMsMin, 100);
  return {
    sessionTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs === undefined ? undefined : positive("connectTimeoutMs", options.connectTimeoutMs, 0),
    reconnectDelayMsMin,
    reconnectDelayMsMax: Math.max(reconnectDelayMsMin, positive("reconnectDelayMsMax", options.reconnectDelayMsMax, 2000)),
    reconnectAfterExpiry: options.reconnectAfterExpiry ?? true,
    requestTimeoutMs: options.requestTimeoutMs === undefined ? undefined : positive("requestTimeoutMs", options.requestTimeoutMs, 0),
    retryReads: options.retryReads ?? false,
    readAttemptsMax: positive("readAttemptsMax", options.readAttemptsMax, 3, 100),
    queuedRequestsMax: positive("queuedRequestsMax", options.queuedRequestsMax, 10_000),
    inflightRequestsMax: positive("inflightRequestsMax", options.inflightRequestsMax, 1000),
    secure: options.secure ?? options.tls !== undefined,
    tls: options.tls,
    transport: options.transport,
    limits: options.limits ?? {},
    random: options.random ?? Math.random,
    clock: options.clock ?? systemClock,
    canBeReadOnly: options.canBeReadOnly ?? false,
    serverListFromConfig: options.serverListFromConfig,
  };
}
