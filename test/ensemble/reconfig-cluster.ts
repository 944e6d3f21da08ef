// In-process servers for the reconfiguration tests: each starts from its own zoo.cfg and
// dynamic file (a joining spare outside the configuration), with the log lines it wrote.
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, loadConfig, startServer, type WardenServer } from "@warden/server";
import { createClient, type Client } from "@warden/client";
import { waitUntil } from "@warden/testing";

export const HOST = "127.0.0.1";
export type Kind = "participant" | "observer";

export class ReconfigCluster {
  readonly servers = new Map<number, WardenServer>();
  /** Each server's log lines, since its last start. */
  readonly logs = new Map<number, string[]>();
  base = "";
  private readonly clients: Client[] = [];
  private readonly ports = new Map<number, { peer: number; election: number; native: number; client: number }>();

  /** `settings`: more zoo.cfg lines for every server. */
  constructor(
    private readonly name: string,
    private readonly settings: string[] = [],
  ) {}

  /** A temporary directory, the ensemble secret, and free ports for servers `ids`. */
  async open(ids: number[]): Promise<void> {
    this.base = await mkdtemp(join(tmpdir(), `warden-${this.name}-`));
    await writeFile(join(this.base, "secret"), `${this.name}-secret`);
    for (const id of ids)
      this.ports.set(id, {
        peer: await freePort(HOST),
        election: await freePort(HOST),
        native: await freePort(HOST),
        client: await freePort(HOST),
      });
  }

  readonly until = (what: string, cond: () => boolean, timeoutMs = 20_000): Promise<unknown> => waitUntil(what, cond, timeoutMs, 10);
  readonly line = (id: number, kind: Kind = "participant"): string => {
    const p = this.ports.get(id)!;
    return `server.${id}=${HOST}:${p.peer}:${p.election}:${kind};${HOST}:${p.client}`;
  };
  readonly leaderId = (): number | undefined => [...this.servers].find(([, s]) => s.node.status?.role === "leader")?.[0];
  readonly role = (id: number) => this.servers.get(id)!.node.status?.role;

  /** Starts server `id` with these server.N lines in its dynamic file; `joining`: outside them. */
  readonly start = async (id: number, members: string[], joining: boolean): Promise<void> => {
    const dir = join(this.base, `s${id}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "myid"), `${id}\n`);
    await writeFile(join(dir, "zoo.cfg.dynamic.0"), `${members.join("\n")}\n`);
    const settings = [
      `dataDir=${dir}`,
      "tickTime=100",
      "initLimit=10",
      "syncLimit=5",
      `clientPortAddress=${HOST}`,
      `nativePort=${this.ports.get(id)!.native}`,
      "adminPort=0",
      `ensembleSecretFile=${join(this.base, "secret")}`,
    ];
    settings.push(
      "reconfigEnabled=true",
      "skipACL=yes",
      "maxSessionTimeout=10000",
      `dynamicConfigFile=${join(dir, "zoo.cfg.dynamic.0")}`,
      ...this.settings,
    );
    await writeFile(join(dir, "zoo.cfg"), settings.join("\n"));
    const lines: string[] = [];
    this.logs.set(id, lines);
    const log = (l: string) => {
      lines.push(l);
      if (process.env.RECONFIG_TEST_LOG) console.log(`[${id}] ${l}`);
    };
    this.servers.set(id, await startServer(loadConfig(join(dir, "zoo.cfg")), { log, joining }));
  };

  readonly clientOf = async (id: number): Promise<Client> => {
    const c = createClient(`${HOST}:${this.servers.get(id)!.ports.native}`, { sessionTimeoutMs: 8000 });
    this.clients.push(c);
    await c.connected({ timeoutMs: 10_000 });
    return c;
  };

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
    await Promise.all([...this.servers.values()].map((s) => s.stop()));
    if (this.base) await rm(this.base, { recursive: true, force: true });
  }
}
