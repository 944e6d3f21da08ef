// Shared fixtures for the compatibility tests against ZooKeeper clients nobody here wrote:
// an in-process standalone Warden, a three-process ensemble, raw four-letter words,
// and the check that a system tool is installed (fail in CI, skip loudly elsewhere).
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect } from "vitest";
import { startLocalEnsemble, stopLocalEnsemble, type LocalEnsemble } from "@warden/server";
import { startStandalone as startInProcess, waitUntil, type ProcessEnsemble, type Standalone } from "@warden/testing";

export const COMPAT_DIR = fileURLToPath(new URL(".", import.meta.url));
export const ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh";
export const CLI_MT = "/usr/lib/zookeeper/bin/cli_mt";

/** Debian's kazoo lives in the system Python, not in whatever python3 is first on PATH. */
export function kazooPython(): string | undefined {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import kazoo"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return undefined;
}

/**
 * A describe that needs a system tool. Missing in CI (process.env.CI): the file fails with
 * the install command. Missing elsewhere: the block is skipped with a loud warning.
 */
export function describeWithTool(what: string, present: boolean, install: string, body: () => void): void {
  if (!present) {
    const message = `${what} is not installed: ${install}`;
    if (process.env.CI) throw new Error(`compatibility test needs ${message}`);
    console.warn(`\n!!!! SKIPPING compatibility tests: ${message} !!!!\n`);
  }
  describe.skipIf(!present)(what, body);
}

export const hasFile = (path: string) => existsSync(path);
export const hasJava = () => spawnSync("java", ["-version"], { stdio: "ignore" }).status === 0;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `warden-compat-${prefix}-`));
}

export type { Standalone };

/**
 * One Warden server in this process, ZooKeeper port first, every four-letter word allowed,
 * ZooKeeper's default ticks. `extra` adds or replaces configuration keys; a key set to null is left out.
 */
export function startStandalone(
  extra: Record<string, string | null> = {},
  options: { containerCheckMs?: number } = {},
): Promise<Standalone> {
  return startInProcess(
    { nativePort: "0", adminPort: "0", ...extra },
    { ...options, base: {}, log: process.env.WARDEN_COMPAT_LOG ? (l) => console.log(`[warden] ${l}`) : undefined },
  );
}

/** Three Warden server processes on loopback, started with launch-server.mjs from the built dist. */
export async function startEnsemble(): Promise<LocalEnsemble> {
  const launcher = join(COMPAT_DIR, "launch-server.mjs");
  if (!existsSync(join(COMPAT_DIR, "../../packages/server/dist/index.js"))) {
    throw new Error("packages/server is not built: run `npx tsc -b` (npm test does)");
  }
  return startLocalEnsemble({ count: 3, dir: tempDir("ensemble"), command: [process.execPath, launcher], startTimeoutMs: 30_000 });
}

export async function stopEnsemble(e: LocalEnsemble | undefined): Promise<void> {
  if (!e) return;
  // WARDEN_COMPAT_KEEP=1 keeps the servers' directories and logs for a look after a failure.
  const keep = Boolean(process.env.WARDEN_COMPAT_KEEP);
  await stopLocalEnsemble(e.dir, { graceMs: 5000, wipe: !keep });
  if (keep) console.log(`ensemble kept in ${e.dir}`);
}

/** Kills one ensemble server with SIGKILL and waits until the process is gone. */
export async function killServer(e: LocalEnsemble, id: number): Promise<void> {
  const s = e.servers.find((x) => x.id === id)!;
  process.kill(s.pid, "SIGKILL");
  for (;;) {
    try {
      process.kill(s.pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends a four-letter word on a raw socket (as `echo srvr | nc host port`) and returns the answer. */
export function fourLetterWord(hostPort: string, word: string, timeoutMs = 5000): Promise<string> {
  const [host, port] = hostPort.split(":");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), host!, () => socket.write(word));
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`${word}: no answer within ${timeoutMs} ms`));
    });
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** The id of the ensemble server whose `cons` lists this session (hex, as ZooKeeper prints it). */
export async function serverHoldingSession(e: LocalEnsemble, sessionIdHex: string): Promise<number | undefined> {
  const want = BigInt(sessionIdHex.startsWith("0x") ? sessionIdHex : `0x${sessionIdHex}`);
  for (const s of e.servers) {
    const text = await fourLetterWord(`127.0.0.1:${s.clientPort}`, "cons").catch(() => "");
    for (const m of text.matchAll(/sid=0x([0-9a-f]+)/g)) if (BigInt(`0x${m[1]}`) === want) return s.id;
  }
  return undefined;
}

export const waitFor = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> =>
  waitUntil(what, probe, timeoutMs);

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A program started by a test: its output so far (stdout and stderr interleaved), a line to its stdin, its end. */
export interface Program {
  output(): string;
  /** Writes `text` to the program's stdin. */
  send(text: string): void;
  /** Waits until the output matches `re`, or fails with the output so far. */
  waitFor(what: string, re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGKILL now (a test that gives up on it). */
  kill(): void;
  /** Resolves when the program has exited (SIGKILLed after the run's timeoutMs). */
  readonly done: Promise<{ code: number | null; out: string }>;
}

/** Starts `command args`; it is SIGKILLed after `timeoutMs`, and its stdin ends with `stdin` when given. */
export function startProgram(
  command: string,
  args: string[],
  timeoutMs: number,
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Program {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: options.env ?? process.env });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  child.stdin.on("error", () => {}); // the program may exit before reading its stdin
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  const timer = setTimeout(() => {
    out += `\n[killed by the test after ${timeoutMs} ms]\n`;
    child.kill("SIGKILL");
  }, timeoutMs);
  const done = new Promise<{ code: number | null; out: string }>((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
  return {
    output: () => out,
    send: (text) => child.stdin.write(text),
    kill: () => child.kill("SIGKILL"),
    async waitFor(what, re, waitMs) {
      const exited = () => child.exitCode !== null || child.signalCode !== null;
      try {
        return await waitFor(
          what,
          () => re.exec(out) ?? (exited() ? Promise.reject(new Error(`the program exited before ${what}`)) : undefined),
          waitMs,
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}; its output:\n${out}`);
      }
    },
    done,
  };
}

/**
 * Runs Debian's zkCli.sh against `hostPort`: `args` after -server, commands piped on stdin,
 * SLF4J noise dropped from its output. `jvmFlags` are added to JVMFLAGS (for example a client
 * JAAS file: -Djava.security.auth.login.config=client.jaas).
 */
export function runZkCli(
  hostPort: string,
  args: string[],
  stdin: string,
  options: { timeoutMs?: number; jvmFlags?: string } = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 40_000;
  return new Promise((resolve, reject) => {
    const jvmFlags = `-Xshare:auto -XX:TieredStopAtLevel=1${options.jvmFlags ? ` ${options.jvmFlags}` : ""}`;
    // One pipe for stdout and stderr (2>&1): zkCli prints some answers to each, and two pipes
    // read here would interleave them in any order (a quota test saw it); one keeps zkCli's order.
    const child = spawn("/bin/sh", ["-c", 'exec "$0" "$@" 2>&1', ZKCLI, "-server", hostPort, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, JVMFLAGS: jvmFlags },
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`zkCli.sh did not finish within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(
        out
          .split("\n")
          .filter((l) => !l.startsWith("SLF4J"))
          .join("\n"),
      );
    });
    child.stdin.end(stdin);
  });
}

/** Runs a python script from this directory to its end. */
export function runPython(py: string, script: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return startProgram(py, [join(COMPAT_DIR, script), ...args], timeoutMs, { stdin: "" }).done;
}

/** The ZooKeeper-protocol connect string of a ProcessEnsemble's servers. */
export function zkConnectString(e: ProcessEnsemble): string {
  return e.servers.map((s) => `${s.host}:${s.ports.client}`).join(",");
}

/** The last lines of every server's log, for a failure message. */
export function ensembleLogs(e: ProcessEnsemble | undefined, lines = 40): string {
  if (!e) return "(no ensemble)";
  return e.servers
    .map((s) => `--- server ${s.id} (${e.isRunning(s.id) ? "running" : "down"}), last lines of its log:\n${e.logTail(s.id, lines)}`)
    .join("\n");
}

/**
 * A scripted client's "PASS <step>" line. Otherwise fails with what the program printed during
 * that step (its FAIL line, stack traces, the client's warnings: the lines after the previous
 * step's "TIME" line) and the servers' logs.
 */
export function expectStepPassed(out: string, step: string, ensemble: ProcessEnsemble | undefined): void {
  const lines = out.split("\n");
  const line = lines.find((l) => l === `PASS ${step}` || l.startsWith(`FAIL ${step}:`));
  if (line === `PASS ${step}`) return;
  const end = lines.findIndex((l) => l.startsWith(`TIME ${step} `));
  let start = end;
  while (start > 0 && !lines[start - 1]!.startsWith("TIME ")) start--;
  const during = end < 0 ? `(no line for ${step}; the program printed:)\n${out}` : lines.slice(start, end + 1).join("\n");
  expect(line, `${during}\n${ensembleLogs(ensemble)}`).toBe(`PASS ${step}`);
}

const WARDEN_BIN_PATH = fileURLToPath(new URL("../../bin/warden", import.meta.url));

/** Runs `warden shell connectString` with stdin, both output streams in one pipe (their lines in the order written). */
export function runWardenShell(connectString: string, stdin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // One pipe for both streams (2>&1), so that the lines keep the order they were written in.
    const child = spawn("sh", ["-c", `exec "$0" "$1" shell "$2" 2>&1`, process.execPath, WARDEN_BIN_PATH, connectString], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`warden shell did not finish:\n${out}`));
    }, 30_000);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(stdin);
  });
}
