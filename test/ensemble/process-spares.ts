// Spare servers for a ProcessEnsemble of 3, run as bin/warden processes: each gets free ports,
// its own directory under the ensemble's, and a zoo.cfg with the members' keys, their lines and
// its own; it starts with `--join` (outside the configuration) and may be stopped and started
// again without it once a reconfig added it. For the reconfiguration tests on real processes.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, type ProcessEnsemble, serverState, WARDEN_BIN, waitUntil } from "@warden/testing";
import { createClient, type Client } from "@warden/client";

export const HOST = "127.0.0.1";
type Ports = { peer: number; election: number; client: number; native: number; admin: number };

export class ProcessSpares {
  readonly spares = new Map<number, { child: ChildProcess; ports: Ports }>();
  /** A spare's role in its line (participant unless set before it starts). */
  readonly kinds = new Map<number, "participant" | "observer">();
  private readonly clients: Client[] = [];

  constructor(private readonly ensemble: () => ProcessEnsemble) {}

  readonly memberLine = (id: number): string => {
    const s = this.ensemble().server(id);
    return `server.${id}=${s.host}:${s.ports.peer}:${s.ports.election}:participant;${s.host}:${s.ports.client}`;
  };

  readonly line = (id: number): string => {
    const p = this.spares.get(id)!.ports;
    return `server.${id}=${HOST}:${p.peer}:${p.election}:${this.kinds.get(id) ?? "participant"};${HOST}:${p.client}`;
  };

  private ports(id: number): { admin: number; native: number } {
    return id <= 3 ? this.ensemble().server(id).ports : this.spares.get(id)!.ports;
  }

  /** The role a member or spare reports on its admin port; undefined when it does not answer. */
  readonly role = async (id: number): Promise<string | undefined> => (await serverState(HOST, this.ports(id).admin))?.role;

  /**
   * Waits until one of `ids` (members or spares) leads and every other one of them follows or
   * observes; returns the leader's id. A spare may lead once a reconfig made it a voter.
   */
  readonly leaderAmong = async (ids: number[], timeoutMs = 20_000): Promise<number> =>
    waitUntil(
      `a leader among servers ${ids.join(",")}, the others following`,
      async () => {
        const roles = await Promise.all(ids.map(this.role));
        const leaders = ids.filter((_, i) => roles[i] === "leader");
        const others = roles.filter((r) => r !== "leader");
        return leaders.length === 1 && others.every((r) => r === "follower" || r === "observer") ? leaders[0] : undefined;
      },
      timeoutMs,
      50,
    );

  /** A client of member or spare `id`, closed by stop(). */
  readonly clientOf = async (id: number): Promise<Client> => {
    const c = createClient(`${HOST}:${this.ports(id).native}`, { sessionTimeoutMs: 8000 });
    this.clients.push(c);
    await c.connected({ timeoutMs: 10_000 });
    return c;
  };

  readonly dir = (id: number): string => join(this.ensemble().dir, `spare${id}`);

  private spawn(id: number, joining: boolean): ChildProcess {
    const log = openSync(join(this.dir(id), "server.log"), "a");
    const child = spawn(
      process.execPath,
      [WARDEN_BIN, "server", "--config", join(this.dir(id), "zoo.cfg"), ...(joining ? ["--join"] : [])],
      {
        stdio: ["ignore", log, log],
      },
    );
    closeSync(log);
    return child;
  }

  /** Starts spare `id` with `--join` and waits until it answers, outside the configuration. */
  async start(id: number): Promise<void> {
    const ports = {
      peer: await freePort(HOST),
      election: await freePort(HOST),
      client: await freePort(HOST),
      native: await freePort(HOST),
      admin: await freePort(HOST),
    };
    this.spares.set(id, { child: undefined as unknown as ChildProcess, ports });
    const dir = this.dir(id);
    mkdirSync(join(dir, "data"), { recursive: true });
    writeFileSync(join(dir, "data", "myid"), `${id}\n`);
    // The same keys as the members' zoo.cfg, with this server's ports and the members' lines plus its own.
    const memberCfg = readFileSync(this.ensemble().server(1).config, "utf8")
      .split("\n")
      .filter((l) => l !== "" && !/^(server\.\d+|dataDir|clientPort|nativePort|adminPort)=/.test(l));
    const cfg = [
      ...memberCfg,
      `dataDir=${join(dir, "data")}`,
      `nativePort=${ports.native}`,
      `adminPort=${ports.admin}`,
      ...[1, 2, 3].map(this.memberLine),
      this.line(id),
    ];
    writeFileSync(join(dir, "zoo.cfg"), `${cfg.join("\n")}\n`);
    this.spares.set(id, { child: this.spawn(id, true), ports });
    await waitUntil(`spare ${id} answers`, async () => (await this.role(id)) === "observer", 20_000, 50);
  }

  /** Stops spare `id` (SIGTERM, or the signal given) and waits until it is gone. */
  async kill(id: number, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const { child } = this.spares.get(id)!;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  /** SIGSTOP (true) or SIGCONT (false) to spare `id`: it stops answering, as a hung process. */
  pause(id: number, paused: boolean): void {
    this.spares.get(id)!.child.kill(paused ? "SIGSTOP" : "SIGCONT");
  }

  /** Starts a stopped spare again, without `--join`: a reconfig made it a member. */
  restart(id: number): void {
    const s = this.spares.get(id)!;
    this.spares.set(id, { ...s, child: this.spawn(id, false) });
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
    for (const id of this.spares.keys()) {
      this.spares.get(id)!.child.kill("SIGCONT");
      await this.kill(id);
    }
  }
}
