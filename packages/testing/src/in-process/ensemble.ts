// An ensemble of Warden servers in this process, on loopback, with a small tickTime so that
// sessions expire in well under a second. Every server started here is stopped by stop().
import { mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { freePort, loadConfig, startServer, type WardenServer } from "@warden/server";
import { createClient, type Client, type ClientOptions } from "@warden/client";

export interface InProcessEnsemble {
  readonly connectString: string;
  /** Native ports by server id (1-based). */
  readonly nativePorts: number[];
  /** A connected client (closed by stop()); `connectString` overrides the ensemble's (a proxy's). */
  client(options?: ClientOptions & { connectString?: string }): Promise<Client>;
  stopServer(id: number): Promise<void>;
  /** The running server with this id (undefined when stopped). */
  server(id: number): WardenServer | undefined;
  /** The id of the server that leads now (undefined during an election). */
  leaderId(): number | undefined;
  startServer(id: number): Promise<void>;
  stop(): Promise<void>;
}

export interface InProcessEnsembleOptions {
  count?: number;
  tickTimeMs?: number;
  /** More configuration keys for every server. */
  settings?: Record<string, string>;
  /** No ensembleSecretFile, as an unedited ZooKeeper zoo.cfg. */
  withoutSecret?: boolean;
  /** Open the ZooKeeper port too (server.ports.client). */
  zookeeperPort?: boolean;
}

const quiet = () => undefined;

export async function startInProcessEnsemble(options: InProcessEnsembleOptions = {}): Promise<InProcessEnsemble> {
  const count = options.count ?? 3;
  const tickTimeMs = options.tickTimeMs ?? 100;
  const dir = await mkdtemp(join(tmpdir(), "warden-ensemble-"));
  const secretFile = join(dir, "secret");
  await writeFile(secretFile, randomBytes(32).toString("base64"));
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  const ports: Array<{ native: number; peer: number; election: number; client: number }> = [];
  for (const _ of ids)
    ports.push({
      native: await freePort(),
      peer: await freePort(),
      election: await freePort(),
      client: options.zookeeperPort ? await freePort() : 0,
    });
  const overridesFor = async (id: number) => {
    const dataDir = join(dir, `s${id}`);
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, "myid"), `${id}\n`);
    const o: Record<string, string> = {
      tickTime: String(tickTimeMs),
      dataDir,
      nativePort: String(ports[id - 1]!.native),
      clientPort: String(ports[id - 1]!.client),
      adminPort: "0",
      clientPortAddress: "127.0.0.1",
      initLimit: "10",
      syncLimit: "5",
      // Tests that must outlive a failover ask for longer sessions than 20 ticks.
      maxSessionTimeout: "10000",
      ...options.settings,
    };
    if (!options.withoutSecret) o.ensembleSecretFile = secretFile;
    if (count > 1) for (const j of ids) o[`server.${j}`] = `127.0.0.1:${ports[j - 1]!.peer}:${ports[j - 1]!.election}`;
    return o;
  };
  const servers = new Map<number, WardenServer>();
  const start = async (id: number) => {
    servers.set(id, await startServer(loadConfig(undefined, await overridesFor(id)), { log: quiet }));
  };
  await Promise.all(ids.map(start));
  const clients: Client[] = [];
  const connectString = ports.map((p) => `127.0.0.1:${p.native}`).join(",");
  const ensemble: InProcessEnsemble = {
    connectString,
    nativePorts: ports.map((p) => p.native),
    async client({ connectString: via, ...clientOptions } = {}) {
      const c = createClient(via ?? connectString, {
        sessionTimeoutMs: 1000,
        reconnectDelayMsMin: 20,
        reconnectDelayMsMax: 200,
        ...clientOptions,
      });
      clients.push(c);
      await c.connected({ timeoutMs: 10_000 });
      return c;
    },
    async stopServer(id) {
      const s = servers.get(id);
      servers.delete(id);
      await s?.stop();
    },
    startServer: start,
    server: (id) => servers.get(id),
    leaderId() {
      for (const [id, s] of servers) if (s.node.isLeader) return id;
      return undefined;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await Promise.all([...servers.values()].map((s) => s.stop()));
      servers.clear();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return ensemble;
}
