// Child processes running test/recipes/fixtures/contender.mjs against the built packages.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../fixtures/contender.mjs", import.meta.url));
const children = new Set<ChildProcess>();

export function runContender(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  child.stderr!.on("data", (d: Buffer) => process.stderr.write(`[child ${child.pid}] ${d}`));
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Resolves with the first stdout line matching `pattern`. */
export function lineMatching(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout!.on("data", (d: Buffer) => {
      buffered += d.toString();
      const line = buffered.split("\n").find((l) => pattern.test(l));
      if (line !== undefined) resolve(line);
    });
    child.once("exit", () => reject(new Error(`child exited before printing ${pattern}`)));
  });
}

/** Kills every child still running (afterAll). */
export function killAll(): void {
  for (const c of children) c.kill("SIGKILL");
}
