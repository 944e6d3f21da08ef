// The shutdown: the timers first, then the clients (told, then every listener closed), then
// consensus, failover and the peers, then storage, and the audit log last.
import { CloseReason } from "@warden/protocol";
import type { Storage } from "@warden/storage";
import type { ClientHandler } from "../core/client-handler.js";
import type { FastFailover } from "../core/failover.js";
import type { ReplicationDriver } from "../core/replication.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { AdminListener } from "../admin/listener.js";
import type { PeerTransport } from "../peer/transport.js";
import type { PurgeTask } from "../purge-task.js";
import type { ClientListeners } from "./client-listeners.js";
import type { TlsStores } from "./credentials.js";

/** Everything a started server holds open. */
export interface RunningParts {
  nodeTimer: NodeJS.Timeout;
  purgeTask: PurgeTask;
  local: Map<bigint, ClientHandler>;
  tls: TlsStores;
  clients: ClientListeners;
  admin: AdminListener | undefined;
  driver: ReplicationDriver;
  failover: FastFailover;
  transport: PeerTransport | undefined;
  storage: Storage;
  audit: AuditLog | undefined;
  log: (line: string) => void;
}

/** Stops a started server's parts in order (once: the caller guards against a second stop). */
export async function stopInOrder(p: RunningParts): Promise<void> {
  clearInterval(p.nodeTimer);
  p.purgeTask.stop();
  for (const h of p.local.values()) h.connection.close(CloseReason.SHUTTING_DOWN, "the server is stopping");
  p.tls.client?.reloader?.stop();
  p.tls.peer?.reloader?.stop();
  const { native, zk, secureZk, secureNative } = p.clients;
  await Promise.all([native?.close(), zk?.close(), secureZk?.close(), secureNative?.close(), p.admin?.close()]);
  await p.driver.stop();
  p.failover.stop();
  await p.transport?.stop();
  await p.storage.close();
  await p.audit?.close();
  p.log("stopped");
}

/**
 * What a start has opened so far: if a later step fails (a port in use, a standalone server that
 * never serves), startServer closes these in reverse order before it rejects, so the storage
 * lock, the timers and the ports already listening are released and the same dataDir can start
 * again in the same process.
 */
export class OpenedSoFar {
  readonly #closers: { what: string; close: () => unknown }[] = [];

  add(what: string, close: () => unknown): void {
    this.#closers.push({ what, close });
  }

  async closeAll(log: (line: string) => void): Promise<void> {
    for (const { what, close } of this.#closers.splice(0).reverse()) {
      try {
        await close();
      } catch (e) {
        log(`after a failed start, closing ${what} failed too: ${(e as Error).message}`);
      }
    }
  }
}
