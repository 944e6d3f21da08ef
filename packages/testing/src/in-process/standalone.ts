// One Warden server in this process on loopback, for tests: free ports, a temporary dataDir,
// clients that are closed with it, and a stop() that leaves nothing behind.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, loadConfig, startServer, type WardenServer } from "@warden/server";
import { createClient, type Client, type ClientOptions } from "@warden/client";
import { waitUntil } from "../wait.js";

export interface Standalone {
  server: WardenServer;
  dataDir: string;
  /** The server's log lines so far (for failure messages). */
  log: string[];
  /** Native (WebSocket) connect string. */
  connectString: string;
  /** host:port of the ZooKeeper port (0 when it is closed). */
  hostPort: string;
  host: string;
  /** A client on this server; closed by stop(). */
  client(options?: ClientOptions, chroot?: string): Promise<Client>;
  /** A client that is not awaited to connect (for refusal tests); closed by stop(). */
  clientUnconnected(options?: ClientOptions): Client;
  stop(): Promise<void>;
}

/** Small ticks so that session expiry and cleanup happen in a test's time. */
export const FAST = { tickTime: "100", minSessionTimeout: "400", maxSessionTimeout: "10000" } as const;

export interface StandaloneOptions {
  containerCheckMs?: number;
  /** false: resolve once started, while the lone voter may still be electing itself. */
  serving?: boolean;
  /** Also receives each log line (they are kept in `log` either way). */
  log?: (line: string) => void;
  /** The keys `settings` start from (default FAST). */
  base?: Record<string, string>;
}

/**
 * Starts a standalone server in this process, every port free on 127.0.0.1 and every
 * four-letter word allowed. `settings` add or replace keys; a key set to null is left out.
 * It resolves once the server serves clients unless `serving: false`.
 */
export async function startStandalone(settings: Record<string, string | null> = {}, options: StandaloneOptions = {}): Promise<Standalone> {
  const host = "127.0.0.1";
  const dataDir = await mkdtemp(join(tmpdir(), "warden-test-"));
  const keys: Record<string, string | null> = {
    ...(options.base ?? FAST),
    dataDir,
    clientPortAddress: host,
    "admin.serverAddress": host,
    nativePort: String(await freePort(host)),
    clientPort: String(await freePort(host)),
    adminPort: String(await freePort(host)),
    "4lw.commands.whitelist": "*",
    ...settings,
  };
  const config = loadConfig(undefined, Object.fromEntries(Object.entries(keys).filter((e): e is [string, string] => e[1] !== null)));
  const lines: string[] = [];
  const log = (l: string) => {
    lines.push(l);
    options.log?.(l);
  };
  const server = await startServer(config, { log, containerCheckMs: options.containerCheckMs ?? 200 }).catch(async (e: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  });
  if (options.serving !== false)
    await waitUntil(`the server to serve clients; log:\n${lines.join("\n")}`, () => server.node.serving, 5000, 10);
  const clients: Client[] = [];
  const connectString = `${host}:${server.ports.native}`;
  const clientUnconnected = (opts: ClientOptions = {}, chroot = "") => {
    const c = createClient(connectString + chroot, { sessionTimeoutMs: 4000, reconnectDelayMsMin: 20, reconnectDelayMsMax: 200, ...opts });
    clients.push(c);
    return c;
  };
  return {
    server,
    dataDir,
    log: lines,
    connectString,
    hostPort: `${host}:${server.ports.client}`,
    host,
    clientUnconnected,
    async client(opts = {}, chroot = "") {
      const c = clientUnconnected(opts, chroot);
      await c.connected({ timeoutMs: 5000 });
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
