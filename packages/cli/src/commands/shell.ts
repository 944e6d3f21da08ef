// `warden shell [connect string] [-c command]`: interactive on a terminal, else a script.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { ClientOptions } from "@warden/client";
import { ensembleStatus } from "@warden/server";
import { ENSEMBLE_DIR_DEFAULT } from "./ensemble.js";

export const CONNECT_STRING_DEFAULT = "127.0.0.1:2281";

/** The running local ensemble's connect string (under the current directory), else the default. */
export async function defaultConnectString(dir = ENSEMBLE_DIR_DEFAULT): Promise<string> {
  const servers = (await ensembleStatus(dir).catch(() => [])).filter((s) => s.alive);
  return servers.length > 0 ? servers.map((s) => `127.0.0.1:${s.nativePort}`).join(",") : CONNECT_STRING_DEFAULT;
}

interface ShellFlags {
  command?: string;
  timeout?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  readOnly?: boolean;
}

/** TLS flags as client options: any of them means wss://. Files are read here, so a bad path fails at once. */
export function tlsClientOptions(flags: Pick<ShellFlags, "ca" | "cert" | "key" | "insecure">): ClientOptions {
  if (flags.ca === undefined && flags.cert === undefined && flags.key === undefined && !flags.insecure) return {};
  if ((flags.cert === undefined) !== (flags.key === undefined)) throw new Error("--cert and --key go together");
  return {
    tls: {
      ...(flags.ca !== undefined ? { ca: readFileSync(flags.ca) } : {}),
      ...(flags.cert !== undefined ? { cert: readFileSync(flags.cert), key: readFileSync(flags.key!) } : {}),
      ...(flags.insecure ? { rejectUnauthorized: false } : {}),
    },
  };
}

async function runShell(connectString: string | undefined, flags: ShellFlags): Promise<number> {
  // The shell and the client are loaded when it runs: every other command (a server's start) goes without them.
  const [{ historyFilePath }, { runRepl }, { runScript, streamLines }] = await Promise.all([
    import("../shell/history-file.js"),
    import("../shell/repl.js"),
    import("../shell/run.js"),
  ]);
  const target = connectString ?? (await defaultConnectString());
  const timeout = flags.timeout === undefined ? undefined : Number(flags.timeout);
  const io = { out: (t: string) => void process.stdout.write(t), err: (t: string) => void process.stderr.write(t) };
  const clientOptions: ClientOptions = { ...tlsClientOptions(flags), ...(flags.readOnly ? { canBeReadOnly: true } : {}) };
  const script = { connectString: target, io, clientOptions, ...(timeout && timeout > 0 ? { connectTimeoutMs: timeout } : {}) };
  if (flags.command !== undefined) return runScript([flags.command], script);
  if (!process.stdin.isTTY) return runScript(streamLines(process.stdin), script);
  const ok = await runRepl(target, {
    input: process.stdin,
    output: process.stdout,
    errorOutput: process.stderr,
    historyFile: historyFilePath(),
    clientOptions,
  });
  return ok ? 0 : 1;
}

export function addShellCommand(program: Command): void {
  program
    .command("shell")
    .description("ZooKeeper's zkCli commands against a server or ensemble")
    .argument(
      "[connectString]",
      `[wss://]host:port[,host:port...][/chroot] (default: the local ensemble's, else ${CONNECT_STRING_DEFAULT}); wss:// for a secureNativePort`,
    )
    .option("-c, --command <command>", "run one command and exit (exit code 1 when it fails)")
    .option("--timeout <ms>", "how long a command waits for a connection (default 10000)")
    .option("--ca <file>", "TLS (wss://): PEM certificates of the authorities the server's certificate must chain to")
    .option("--cert <file>", "TLS: the client certificate (PEM), for servers with ssl.clientAuth need or want")
    .option("--key <file>", "TLS: the client certificate's private key (PEM)")
    .option("--insecure", "TLS: do not verify the server's certificate (testing only)")
    .option("-r, --read-only", "accept a read-only server (readonlymode.enabled, no quorum): reads only, as zkCli's -r")
    .action(async (connectString: string | undefined, flags: ShellFlags) => {
      const code = await runShell(connectString, flags);
      process.stdout.write("", () => process.exit(code));
    });
}
