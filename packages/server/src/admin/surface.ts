// What operators read, composed from the running server's parts: the one picture every
// command and gauge reads (snapshot.ts), the reset actions, the four-letter words on the
// client port, the gauges of /metrics, and the admin HTTP server.
import type { ServerConfig } from "../config/index.js";
import type { WardenNode } from "../core/node.js";
import type { ReplicationDriver } from "../core/replication.js";
import type { ClientHandler } from "../core/client-handler.js";
import type { ListenerReporter } from "../net/connection.js";
import type { PeerTransport } from "../peer/transport.js";
import { startAdminServer } from "./http.js";
import type { AdminListener, AdminTls } from "./listener.js";
import { COMMAND_NAMES, commandJson, jsonWithoutSnapshot } from "./commands.js";
import type { AdminActions, ServerSnapshot } from "./snapshot-types.js";
import { commandText, textWithoutSnapshot, whitelisted } from "./command-text.js";
import { serverSnapshot, type SnapshotSources } from "./snapshot.js";
import { registerGauges } from "./gauges.js";
import { registerZooKeeperGauges } from "./zk-metrics.js";
import type { RequestMetrics } from "./request-metrics.js";
import type { AllowedOrigins } from "../net/origins.js";
import { consoleDir, loadConsoleFiles, type ConsoleFile } from "./console-files.js";

export interface AdminParts {
  config: ServerConfig;
  node: WardenNode;
  driver: ReplicationDriver;
  metrics: RequestMetrics;
  local: Map<bigint, ClientHandler>;
  sources: SnapshotSources;
  transport: () => PeerTransport | undefined;
}

export class AdminSurface {
  private readonly actions: AdminActions;
  /** One scrape reads a dozen gauges: the snapshot is built once per scrape, not per gauge. */
  private scraped: { atMs: number; value: ServerSnapshot } | undefined;

  constructor(private readonly p: AdminParts) {
    const { config, metrics, driver, local, sources } = p;
    this.actions = {
      resetServerStats: () => {
        metrics.reset();
        driver.proposalSizes.reset();
      },
      resetConnectionStats: () => {
        for (const h of local.values()) h.connection.stats.reset();
      },
      resetObserverStats: () => {
        const observers = config.servers.filter((s) => s.observer).map((s) => s.id);
        p.transport()?.resetLinkStats(observers);
        for (const id of observers) sources.requestsFrom.delete(id);
      },
    };
    const scrape = () => {
      const now = performance.now();
      if (!this.scraped || now - this.scraped.atMs > 50) this.scraped = { atMs: now, value: this.snapshot() };
      return this.scraped.value;
    };
    registerGauges(metrics.registry, scrape);
    registerZooKeeperGauges(metrics.registry, scrape);
  }

  snapshot(): ServerSnapshot {
    const { config, node, driver, metrics, local, sources } = this.p;
    return serverSnapshot(config, node, driver, metrics, local, sources);
  }

  /** Whether the server serves, and whether read-only: all the cheap answers need (snapshot.ts reads the same). */
  private state(): { serving: boolean; readOnly: boolean } {
    return { serving: this.p.node.serving, readOnly: this.p.sources.readOnly?.() ?? false };
  }

  /** A four-letter word's answer on the client port, or ZooKeeper's refusal when it is not whitelisted. */
  fourLetterWord(word: string): string {
    const { serving, readOnly } = this.state();
    return whitelisted(
      this.p.config.fourLetterWords,
      word,
      (w) => textWithoutSnapshot(w, serving, readOnly) ?? commandText(w, this.snapshot(), this.actions),
    );
  }

  /** A JSON admin command's answer; the snapshot is built only for commands that read it. */
  private commandAnswer(name: string): Record<string, unknown> {
    const { serving, readOnly } = this.state();
    return jsonWithoutSnapshot(name, serving, readOnly) ?? commandJson(name, this.snapshot(), this.actions);
  }

  /** The stat and mntr texts (diagnostics). */
  text(word: "stat" | "mntr", snapshot = this.snapshot()): string {
    return commandText(word, snapshot, this.actions);
  }

  /**
   * The admin HTTP server, when adminPort is not 0, with the web console under /console/ (when
   * @warden/console is built) and CORS for the pages the native port allows (`web.origins`).
   */
  async start(
    reporter: ListenerReporter,
    tls?: AdminTls,
    web?: { origins: AllowedOrigins; nativePort: number; secureNativePort: number },
  ): Promise<AdminListener | undefined> {
    const { config, node, metrics } = this.p;
    if (config.adminPort === 0) return undefined;
    const authFailures = metrics.registry.counter(
      "warden_admin_auth_failures_total",
      "Admin requests refused with 401 for missing or wrong credentials (admin.authRequired)",
    );
    return startAdminServer(
      {
        ready: () => node.serving,
        metrics: () => metrics.registry.render(),
        commands: Object.fromEntries(COMMAND_NAMES.map((n) => [n, () => this.commandAnswer(n)])),
      },
      config.adminPort,
      config.adminAddress,
      reporter,
      {
        commandUrl: config.adminCommandUrl,
        idleTimeoutMs: config.adminIdleTimeoutMs,
        authDigests: config.adminAuthDigests,
        authX509: config.adminAuthX509,
        tls,
        authFailed: () => authFailures.inc(),
        console: {
          files: consoleFiles(reporter),
          info: () => ({ serverId: Number(config.myId), nativePort: web?.nativePort ?? 0, secureNativePort: web?.secureNativePort ?? 0 }),
        },
        corsOrigins: web?.origins,
      },
    );
  }
}

/** The console's files, or undefined (logged) when @warden/console is not built or its files pass the bounds. */
function consoleFiles(reporter: ListenerReporter): Map<string, ConsoleFile> | undefined {
  const dir = consoleDir();
  if (dir === undefined) {
    reporter.log("admin: the web console is not built (npm run build); /console/ says so");
    return undefined;
  }
  try {
    return loadConsoleFiles(dir);
  } catch (e) {
    reporter.log(`admin: the web console is not served: ${(e as Error).message}`);
    return undefined;
  }
}
