import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Starts a fixture script (it imports the built dist: run `npx tsc -b packages/storage` first). */
export function startFixture(
  name: string,
  args: string[],
): { child: ChildProcess; lines: string[]; waitFor: (prefix: string) => Promise<string>; exited: Promise<void> } {
  const script = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: Array<{ prefix: string; resolve: (line: string) => void }> = [];
  let partial = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    const parts = (partial + text).split("\n");
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => line.startsWith(w.prefix))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const waitFor = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const found = lines.find((line) => line.startsWith(prefix));
      if (found !== undefined) return resolve(found);
      waiters.push({ prefix, resolve });
      void exited.then(() => reject(new Error(`fixture ${name} exited before printing "${prefix}": ${stderr}`)));
    });
  return { child, lines, waitFor, exited };
}
