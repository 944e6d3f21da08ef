// An ensemble of real Warden server processes (`bin/warden server --config zoo.cfg`, run from
// the built dist) for fault tests and benchmarks: each server can be killed (SIGKILL), paused
// (SIGSTOP/SIGCONT) and restarted on its own data directory. Servers may run on loopback with
// free ports, or each on its own address inside a network namespace (`wrap` prefixes the
// command, e.g. `ip netns exec ns1`). Every process started is killed by stop(), and by an
// exit hook if the test process ends first.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@warden/server";
import { serverState, servesWithLeader, type ServerState } from "./admin.js";
import { waitUntil } from "../wait.js";

export { freePort };

/** bin/warden, from src/ensemble or dist/ensemble alike. */
export const WARDEN_BIN = fileURLToPath(new URL("../../../../bin/warden", import.meta.url));

export interface ServerPorts {
  native: number;
  client: number;
  admin: number;
  peer: number;
  election: number;
}

export interface EnsembleOptions {
  /** Voting servers (odd). Default 3. */
  count?: number;
  /** ZooKeeper's tickTime. Default 2000 (the server's default); tests use ~100. */
  tickTimeMs?: number;
  /** Ticks; failure detection of a hung leader is syncLimit × tickTime. Default 5. */
  syncLimit?: number;
  initLimit?: number;
  sessionTimeoutMsMin?: number;
  sessionTimeoutMsMax?: number;
  /** Each server's address (index id-1). Default 127.0.0.1 for all. */
  hosts?: string[];
  /** Each server's ports. Default: free ports on the host (only possible for a local address). */
  ports?: (id: number) => ServerPorts;
  /** A command prefix per server, e.g. ["ip", "netns", "exec", "ns1"]. */
  wrap?: (id: number) => string[];
  /** More zoo.cfg lines. */
  extraConfig?: Record<string, string>;
  /** No ensembleSecretFile, as an unedited ZooKeeper zoo.cfg: peers admitted by address, the session secret committed through the log. */
  withoutSecret?: boolean;
  /** Parent of the temporary directory. Default os.tmpdir(). */
  parentDir?: string;
  startTimeoutMs?: number;
}

export interface EnsembleServer {
  id: number;
  host: string;
  ports: ServerPorts;
  dir: string;
  config: string;
  /** The running process, or undefined while it is down. */
  child: ChildProcess | undefined;
  /** When the current process was spawned (Date.now()). */
  startedAtMs: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const c of live) {
      try {
        process.kill(c.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

export class ProcessEnsemble {
  readonly servers: EnsembleServer[];

  private constructor(
    readonly dir: string,
    servers: EnsembleServer[],
    private readonly wrap: ((id: number) => string[]) | undefined,
    readonly options: EnsembleOptions,
  ) {
    this.servers = servers;
  }

  /** Writes every server's configuration and starts them all; resolves once a leader leads all. */
  static async start(options: EnsembleOptions = {}): Promise<ProcessEnsemble> {
    const e = await ProcessEnsemble.prepare(options);
    try {
      for (const s of e.servers) e.spawn(s.id);
      await e.waitForLeader({ timeoutMs: options.startTimeoutMs ?? 30_000 });
    } catch (err) {
      const logs = e.servers.map((s) => `--- server ${s.id}\n${e.logTail(s.id)}`).join("\n");
      await e.stop();
      throw new Error(`${(err as Error).message}\n${logs}`);
    }
    return e;
  }

  /** Writes configurations without starting anything (start each with restart(id)). */
  static async prepare(options: EnsembleOptions = {}): Promise<ProcessEnsemble> {
    if (!existsSync(fileURLToPath(new URL("../../../cli/dist/main.js", import.meta.url)))) {
      throw new Error("packages are not built: run `npx tsc -b` (npm test does)");
    }
    const count = options.count ?? 3;
    if (!(count >= 1 && count % 2 === 1 && count <= 9))
      throw new Error(`an ensemble needs an odd number of servers from 1 to 9, got ${count}`);
    installExitHook();
    const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), "warden-ensemble-"));
    const secretFile = join(dir, "secret");
    writeFileSync(secretFile, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
    const servers: EnsembleServer[] = [];
    for (let id = 1; id <= count; id++) {
      const host = options.hosts?.[id - 1] ?? "127.0.0.1";
      const ports = options.ports
        ? options.ports(id)
        : {
            native: await freePort(host),
            client: await freePort(host),
            admin: await freePort(host),
            peer: await freePort(host),
            election: await freePort(host),
          };
      servers.push({
        id,
        host,
        ports,
        dir: join(dir, `server${id}`),
        config: join(dir, `server${id}`, "zoo.cfg"),
        child: undefined,
        startedAtMs: 0,
      });
    }
    for (const s of servers) {
      mkdirSync(join(s.dir, "data"), { recursive: true });
      writeFileSync(join(s.dir, "data", "myid"), `${s.id}\n`);
      writeFileSync(s.config, configText(s, servers, options, secretFile));
    }
    return new ProcessEnsemble(dir, servers, options.wrap, options);
  }

  server(id: number): EnsembleServer {
    const s = this.servers.find((x) => x.id === id);
    if (!s) throw new Error(`no server ${id}`);
    return s;
  }

  /** One server's native (WebSocket) address, host:port. */
  nativeAddress(id: number): string {
    const s = this.server(id);
    return `${s.host}:${s.ports.native}`;
  }

  /** The native connect string of the given servers (default all). */
  connectString(ids: number[] = this.servers.map((s) => s.id)): string {
    return ids.map((id) => this.nativeAddress(id)).join(",");
  }

  pid(id: number): number | undefined {
    return this.server(id).child?.pid;
  }

  isRunning(id: number): boolean {
    return this.server(id).child !== undefined;
  }

  /** Starts (or starts again) a server that is down, on its own data directory. */
  restart(id: number): void {
    if (this.isRunning(id)) throw new Error(`server ${id} is still running`);
    this.spawn(id);
  }

  /** Sends a signal; for SIGKILL (and SIGTERM) waits until the process is gone. */
  async kill(id: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.server(id).child;
    if (!child) return;
    const exited = new Promise<void>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve()),
    );
    child.kill(signal);
    if (signal === "SIGKILL" || signal === "SIGTERM") await exited;
  }

  /** SIGKILL to every running server at the same moment. */
  async killAll(): Promise<void> {
    const running = this.servers.filter((s) => s.child).map((s) => s.id);
    for (const id of running) this.server(id).child!.kill("SIGKILL");
    await Promise.all(running.map((id) => this.kill(id)));
  }

  pause(id: number): void {
    this.signal(id, "SIGSTOP");
  }

  resume(id: number): void {
    this.signal(id, "SIGCONT");
  }

  private signal(id: number, signal: NodeJS.Signals): void {
    const child = this.server(id).child;
    if (!child) throw new Error(`server ${id} is not running`);
    child.kill(signal);
  }

  async state(id: number): Promise<ServerState | undefined> {
    const s = this.server(id);
    return s.child ? serverState(s.host, s.ports.admin) : undefined;
  }

  async states(ids: number[] = this.servers.map((s) => s.id)): Promise<Map<number, ServerState | undefined>> {
    const all = await Promise.all(ids.map(async (id) => [id, await this.state(id)] as const));
    return new Map(all);
  }

  /**
   * Waits until one of `among` (default all running) leads and every one of them serves
   * (the leader, and followers and observers synced with it); `not` excludes a server from
   * leading. Returns the leader's id.
   */
  async waitForLeader(opts: { among?: number[]; not?: number; timeoutMs?: number } = {}): Promise<number> {
    const among = () => opts.among ?? this.servers.filter((s) => s.child).map((s) => s.id);
    return waitUntil(
      `a leader among servers ${among().join(",")}${opts.not ? ` other than ${opts.not}` : ""}`,
      async () => {
        this.assertAlive(among());
        const states = await this.states(among());
        const leaders = [...states].filter(([, st]) => st?.role === "leader" || st?.role === "standalone").map(([id]) => id);
        const serving = [...states.values()].every(servesWithLeader);
        if (leaders.length !== 1 || !serving || leaders[0] === opts.not) return undefined;
        return leaders[0];
      },
      opts.timeoutMs ?? 15_000,
    );
  }

  /** Waits until the given servers (default all) serve with a leader and report the same last zxid; returns it. */
  async waitForAgreement(opts: { among?: number[]; timeoutMs?: number } = {}): Promise<bigint> {
    const among = opts.among ?? this.servers.map((s) => s.id);
    let last = "";
    try {
      return await waitUntil(
        `servers ${among.join(",")} to agree on the last zxid`,
        async () => {
          const states = [...(await this.states(among)).values()];
          last = states.map((s) => (s ? `${s.role}${s.serving ? "" : " (not serving)"}@0x${s.zxid.toString(16)}` : "down")).join(" ");
          if (!states.every(servesWithLeader)) return undefined;
          const zxids = new Set(states.map((s) => s!.zxid));
          return zxids.size === 1 ? states[0]!.zxid : undefined;
        },
        opts.timeoutMs ?? 15_000,
      );
    } catch (e) {
      const down = among.filter((id) => !this.isRunning(id)).map((id) => `--- server ${id} exited; its log:\n${this.logTail(id)}`);
      throw new Error([`${(e as Error).message} (last seen: ${last})`, ...down].join("\n"));
    }
  }

  /** The last lines of a server's log, for failure messages. */
  logTail(id: number, lines = 40): string {
    const file = join(this.server(id).dir, "server.log");
    if (!existsSync(file)) return "(no log)";
    return readFileSync(file, "utf8")
      .split("\n")
      .slice(-lines - 1)
      .join("\n");
  }

  /** Kills every server (SIGKILL: a paused one too) and removes the directory unless `keep`. */
  async stop(opts: { keep?: boolean } = {}): Promise<void> {
    await this.killAll();
    if (!opts.keep && !process.env.WARDEN_KEEP_ENSEMBLE) rmSync(this.dir, { recursive: true, force: true });
  }

  private assertAlive(ids: number[]): void {
    for (const id of ids) {
      const s = this.server(id);
      if (!s.child) throw new Error(`server ${id} is not running; log:\n${this.logTail(id)}`);
    }
  }

  private spawn(id: number): void {
    const s = this.server(id);
    const log = openSync(join(s.dir, "server.log"), "a");
    const command = [...(this.wrap?.(id) ?? []), process.execPath, WARDEN_BIN, "server", "--config", s.config];
    const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", log, log] });
    closeSync(log);
    live.add(child);
    s.child = child;
    s.startedAtMs = Date.now();
    child.once("exit", () => {
      live.delete(child);
      if (s.child === child) s.child = undefined;
    });
  }
}

function configText(s: EnsembleServer, all: EnsembleServer[], o: EnsembleOptions, secretFile: string): string {
  const tickTimeMs = o.tickTimeMs ?? 2000;
  const lines: Record<string, string> = {
    tickTime: String(tickTimeMs),
    initLimit: String(o.initLimit ?? 10),
    syncLimit: String(o.syncLimit ?? 5),
    dataDir: join(s.dir, "data"),
    clientPort: String(s.ports.client),
    clientPortAddress: s.host,
    nativePort: String(s.ports.native),
    adminPort: String(s.ports.admin),
    "admin.serverAddress": s.host,
    "4lw.commands.whitelist": "*",
    ...(o.withoutSecret ? {} : { ensembleSecretFile: secretFile }),
    ...(o.sessionTimeoutMsMin ? { minSessionTimeout: String(o.sessionTimeoutMsMin) } : {}),
    ...(o.sessionTimeoutMsMax ? { maxSessionTimeout: String(o.sessionTimeoutMsMax) } : {}),
    ...o.extraConfig,
  };
  const text = Object.entries(lines).map(([k, v]) => `${k}=${v}`);
  if (all.length > 1) for (const p of all) text.push(`server.${p.id}=${p.host}:${p.ports.peer}:${p.ports.election}`);
  return `${text.join("\n")}\n`;
}
