// Running the built `bin/warden` as a child process against a real server started in this
// process, and a pseudo-terminal (util-linux `script`) for the interactive shell.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WardenServer } from "@warden/server";
import { startStandalone } from "@warden/testing";

export const WARDEN = fileURLToPath(new URL("../../../bin/warden", import.meta.url));
const BUILT_MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** These tests run the built program; say so plainly when it is missing. */
export function assertBuilt(): void {
  if (!existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`npx tsc -b packages/cli\` first`);
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RealServer {
  server: WardenServer;
  connectString: string;
  stop(): Promise<void>;
}

/** A standalone Warden server on free loopback ports with a temporary dataDir. */
export async function startRealServer(): Promise<RealServer> {
  const { server, connectString, stop } = await startStandalone({ tickTime: "200" }, { base: {} });
  return { server, connectString, stop };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `warden args...` to its end, with `input` on standard input (a pipe, never a TTY). */
export function runWarden(args: string[], options: { input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WARDEN, ...args], { cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let [stdout, stderr] = ["", ""];
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`warden ${args.join(" ")} did not finish; stdout: ${stdout} stderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\r/g;

/** A program on a pseudo-terminal: type into it and wait for what it prints. */
export class Terminal {
  readonly #child: ChildProcess;
  #output = "";
  #exit: Promise<number | null>;

  constructor(command: string[], env: NodeJS.ProcessEnv) {
    const line = command.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
    this.#child = spawn("script", ["-qfec", line, "/dev/null"], {
      env: { ...process.env, ...env, TERM: "xterm" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#child.stdout!.on("data", (d) => (this.#output += d));
    this.#exit = new Promise((resolve) => this.#child.on("close", resolve));
  }

  /** Everything printed so far, without terminal escape sequences. */
  get text(): string {
    return this.#output.replace(ANSI, "");
  }

  type(keys: string): void {
    this.#child.stdin!.write(keys);
  }

  /** Waits until the output after `from` characters matches `pattern`. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.text.slice(from))) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} in terminal output:\n${this.text.slice(from)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  exited(): Promise<number | null> {
    return this.#exit;
  }

  kill(): void {
    this.#child.kill("SIGKILL");
  }
}
