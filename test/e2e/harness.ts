// A standalone Warden server in this process for end-to-end tests, with clients that are
// closed with it, and bounded waits that fail with a message saying what was awaited.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, loadConfig, startServer, type WardenServer } from "@warden/server";
import { createClient, type Client, type ClientOptions } from "@warden/client";
import { waitUntil } from "@warden/testing";

export interface Standalone {
  server: WardenServer;
  dataDir: string;
  /** The server's log lines so far (for failure messages). */
  log: string[];
  /** Native (WebSocket) connect string. */
  connectString: string;
  host: string;
  /** A client on this server; closed by stop(). */
  client(options?: ClientOptions, chroot?: string): Promise<Client>;
  /** A client that is not awaited to connect (for refusal tests); closed by stop(). */
  clientUnconnected(options?: ClientOptions): Client;
  stop(): Promise<void>;
}

/** Small ticks so that session expiry and cleanup happen in a test's time. */
export const FAST = { tickTime: "100", minSessionTimeout: "400", maxSessionTimeout: "10000" } as const;

/**
 * Starts a standalone server in this process. It resolves once the server serves clients
 * (startServer returns while the lone voter is still electing itself) unless `serving: false`.
 */
export async function startStandalone(settings: Record<string, string> = {}, options: { containerCheckMs?: number; serving?: boolean } = {}): Promise<Standalone> {
  const host = "127.0.0.1";
  const dataDir = await mkdtemp(join(tmpdir(), "warden-e2e-"));
  const config = loadConfig(undefined, {
    ...FAST,
    dataDir,
    clientPortAddress: host,
    "admin.serverAddress": host,
    nativePort: String(await freePort(host)),
    clientPort: String(await freePort(host)),
    adminPort: String(await freePort(host)),
    "4lw.commands.whitelist": "*",
    ...settings,
  });
  const lines: string[] = [];
  const server = await startServer(config, { log: (l) => lines.push(l), containerCheckMs: options.containerCheckMs ?? 200 }).catch(async (e: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  });
  if (options.serving !== false) await waitFor(`the server to serve clients; log:\n${lines.join("\n")}`, () => server.node.serving);
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

/** Polls `check` until it returns a value other than undefined/false, or fails naming `what`. */
export const waitFor = <T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> => waitUntil(what, check, timeoutMs, 10);

/** Collects events from a callback so a test can await the n-th one. */
export class Inbox<T> {
  readonly items: T[] = [];
  private waiters: Array<() => void> = [];
  readonly push = (item: T): void => {
    this.items.push(item);
    for (const w of this.waiters.splice(0)) w();
  };
  /** Waits until `count` items have arrived; returns the count-th. */
  async next(what: string, count = 1, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (have ${this.items.length} of ${count})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.items[count - 1]!;
  }
}

export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
