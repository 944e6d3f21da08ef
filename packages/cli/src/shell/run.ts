// `warden shell` without a terminal: one command (-c), or the lines of standard input run
// one by one. Either way the result is an exit code: 1 when any command failed, else 0.
import { createInterface } from "node:readline";
import type { ClientOptions } from "@warden/client";
import { Shell, type ShellIO } from "./shell.js";

export interface ScriptOptions {
  connectString: string;
  io: ShellIO;
  connectTimeoutMs?: number;
  /** Options of the shell's client (TLS). */
  clientOptions?: ClientOptions;
}

function scriptShell(options: ScriptOptions): Shell {
  return new Shell({
    io: options.io,
    stateChanges: { write: "err", skipConnected: true },
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.clientOptions === undefined ? {} : { clientOptions: options.clientOptions }),
  });
}

/** Runs `lines` in order until one says quit; the exit code. */
export async function runScript(lines: AsyncIterable<string> | Iterable<string>, options: ScriptOptions): Promise<number> {
  const shell = scriptShell(options);
  let failed = false;
  await shell.connect(options.connectString);
  try {
    for await (const line of lines) {
      if (!(await shell.execute(line))) failed = true;
      if (shell.quitRequested) break;
    }
  } finally {
    await shell.close();
  }
  return failed ? 1 : 0;
}

/** The lines of a stream (standard input when piped), as they arrive. */
export function streamLines(input: NodeJS.ReadableStream): AsyncIterable<string> {
  return createInterface({ input, terminal: false, crlfDelay: Infinity });
}
