// The admin listener: the HTTP(S) port of commands, /metrics and the console, and the sources
// of the picture it shows (admin/snapshot.ts). The AdminSurface itself is built by startServer
// before the client ports, whose ZooKeeper port answers four-letter words with it.
import type { ReadOnlyMode } from "../core/read-only.js";
import type { AdminListener, AdminTls } from "../admin/listener.js";
import type { SnapshotSources } from "../admin/snapshot.js";
import type { AdminSurface } from "../admin/surface.js";
import type { ListenerReporter } from "../net/connection.js";
import type { ClientListeners } from "./client-listeners.js";
import type { PendingSyncs } from "./context.js";
import type { LateParts } from "./late.js";

export interface SourcesInput {
  startedMs: number;
  syncs: PendingSyncs;
  late: Pick<LateParts, "transport">;
  /** The zxid of the snapshot loaded at start, undefined without one. */
  snapshotZxid: bigint | undefined;
  readOnly: ReadOnlyMode;
}

/** What the admin commands read beyond the node and driver; the snapshot writer updates lastSnapshot, the peer transport requestsFrom. */
export function snapshotSources({ startedMs, syncs, late, snapshotZxid, readOnly }: SourcesInput): SnapshotSources {
  // The snapshot loaded at start counts as the last one until this server writes its own (last_snapshot).
  return {
    startedMs,
    pendingSyncs: () => syncs.size,
    links: () => late.transport.maybe?.links() ?? [],
    requestsFrom: new Map(),
    lastSnapshot: snapshotZxid === undefined ? undefined : { zxid: snapshotZxid, timestampS: Math.floor(startedMs / 1000) },
    readOnly: () => readOnly.active,
  };
}

/** Starts the admin port (undefined when adminPort is 0), after the client listeners: the console reaches the native ports. */
export function startAdminListener(
  surface: AdminSurface,
  reporter: ListenerReporter,
  tls: AdminTls | undefined,
  clients: ClientListeners,
): Promise<AdminListener | undefined> {
  return surface.start(reporter, tls, {
    origins: clients.origins,
    nativePort: clients.native?.port ?? 0,
    secureNativePort: clients.secureNative?.port ?? 0,
  });
}
