// Driving a Shell in tests: captured output, lines run in order, the fixture server.
import { Shell } from "../src/shell/shell.js";
import { TestEnsemble, TestServer } from "../../client/test/fixtures/test-server.js";
import { waitUntil } from "@warden/testing";

export interface Harness {
  shell: Shell;
  ensemble: TestEnsemble;
  server: TestServer;
  out: string[];
  err: string[];
  /** Runs a line; returns what it printed to stdout and stderr, and whether it succeeded. */
  run(line: string): Promise<{ ok: boolean; out: string; err: string }>;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const ensemble = new TestEnsemble();
  const server = await new TestServer(ensemble).start(0);
  const out: string[] = [];
  const err: string[] = [];
  const shell = new Shell({ io: { out: (t) => out.push(t), err: (t) => err.push(t) }, connectTimeoutMs: 5000 });
  await shell.connect(server.address);
  return {
    shell,
    ensemble,
    server,
    out,
    err,
    async run(line) {
      const [o, e] = [out.length, err.length];
      const ok = await shell.execute(line);
      return { ok, out: out.slice(o).join(""), err: err.slice(e).join("") };
    },
    async stop() {
      await shell.close();
      await server.stop();
      ensemble.stop();
    },
  };
}

/** Resolves once `predicate` holds, polling; rejects after timeoutMs. */
export const until = (predicate: () => boolean, timeoutMs = 5000): Promise<unknown> =>
  waitUntil("the shell's condition", predicate, timeoutMs, 10);
