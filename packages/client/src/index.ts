export {
  Client,
  createClient,
  WATCH_REGISTRATIONS_MAX,
  type ChildrenOptions,
  type ClientState,
  type RemoveWatchesOptions,
  type WatchOptions,
} from "./client.js";
export type { CallOptions } from "./calls.js";
export type { CreateOptions, Data } from "./build.js";
export { parseConnectString, serverUrl, NATIVE_PORT_DEFAULT, type ConnectString, type ServerAddress } from "./connect-string.js";
export { ClientClosedError, TransactionError, WatchOverflowError } from "./errors.js";
export type { ClientOptions, TlsOptions } from "./options.js";
export { systemClock, type Clock } from "./clock.js";
export type { SessionEvent } from "./session.js";
export { Transaction, type MultiReadOutcome, type ReadSpec } from "./transaction.js";
export {
  webSocketTransport,
  type Transport,
  type TransportConnection,
  type ConnectionHandlers,
  type WebSocketConstructor,
} from "./transport.js";
export { WatchStream } from "./watch-stream.js";
export { NO_ZXID, type WatchedEvent, type WatchListener } from "./watches.js";
export { setQuota, listQuota, deleteQuota, QuotaPathError, QUOTA_NODES_VISITED_MAX, type QuotaKind } from "./quota.js";
export type { ConfigResult, ReconfigSpec } from "./reconfig.js";
export * from "./shared.js";
