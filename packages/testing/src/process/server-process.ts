// A real Warden server process for tests and benchmarks: `node bin/warden server` on
// loopback ports of its own, a data directory the caller owns, SIGKILL/SIGTERM, restart on
// the same directory and ports. Output is kept so a failure can show it.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "@warden/server";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
/** `node bin/warden`: the CLI's launcher, which runs the built dist. */
export const WARDEN_COMMAND: readonly string[] = [process.execPath, `${REPO_ROOT}bin/warden`];
/** Characters of a server process's output kept (the tail, for failure messages). */
const OUTPUT_CHARS_MAX = 64 * 1024;

export interface ServerProcessPorts {
  native: number;
  client: number;
  admin: number;
}

export interface ServerProcessOptions {
  dataDir: string;
  /** Chosen free on loopback when absent. */
  ports?: ServerProcessPorts;
  /** Further configuration keys (ZooKeeper's names), passed as --set key=value. */
  settings?: Record<string, string>;
  command?: readonly string[];
  startTimeoutMs?: number;
}

export class ServerProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  private out = "";

  private constructor(readonly options: Required<Omit<ServerProcessOptions, "ports">> & { ports: ServerProcessPorts }) {}

  /** Starts a server and resolves once its admin port reports it ready. */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const ports = options.ports ?? { native: await freePort(), client: await freePort(), admin: await freePort() };
    const p = new ServerProcess({ settings: {}, command: WARDEN_COMMAND, startTimeoutMs: 20_000, ...options, ports });
    await p.launch();
    return p;
  }

  get ports(): ServerProcessPorts {
    return this.options.ports;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get connectString(): string {
    return `127.0.0.1:${this.ports.native}`;
  }
  /** What the process printed (the last 64 KiB). */
  get output(): string {
    return this.out;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private async launch(): Promise<void> {
    const { dataDir, ports, settings, command } = this.options;
    const args = [
      ...command.slice(1),
      "server",
      "--dataDir",
      dataDir,
      "--nativePort",
      String(ports.native),
      "--clientPort",
      String(ports.client),
      "--adminPort",
      String(ports.admin),
    ];
    const all = { clientPortAddress: "127.0.0.1", "admin.serverAddress": "127.0.0.1", ...settings };
    for (const [k, v] of Object.entries(all)) args.push("--set", `${k}=${v}`);
    const child = spawn(command[0]!, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const keep = (b: Buffer) => {
      this.out = (this.out + b.toString()).slice(-OUTPUT_CHARS_MAX);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    this.exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    await this.waitReady(this.options.startTimeoutMs);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`the server exited before it was ready:\n${this.out}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.ports.admin}/health`, { signal: AbortSignal.timeout(500) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await this.kill("SIGKILL");
        throw new Error(`the server was not ready within ${timeoutMs} ms:\n${this.out}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends `signal` and resolves when the process has exited. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child!.kill(signal);
    return this.exit!;
  }

  /** SIGTERM (a graceful stop), then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.child!.kill("SIGKILL"), graceMs);
    await this.kill("SIGTERM");
    clearTimeout(timer);
  }

  /** Starts the server again on the same data directory and ports (after kill or stop). */
  async restart(): Promise<void> {
    if (this.running) throw new Error("restart: the server is still running; kill or stop it first");
    this.out += "\n--- restart ---\n";
    await this.launch();
  }
}
