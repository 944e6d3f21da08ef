// `warden server`: one server from a zoo.cfg and flags (flags win), until SIGTERM or SIGINT.
import { setFlagsFromString } from "node:v8";
import type { Command } from "commander";
import { ConfigError, loadConfig, startServer, stopServerProcess } from "@warden/server";

export interface ServerFlags {
  config?: string;
  dataDir?: string;
  dataLogDir?: string;
  nativePort?: string;
  clientPort?: string;
  adminPort?: string;
  myid?: string;
  tickTime?: string;
  /** Start outside the configuration, to be added by a reconfig (ZooKeeper's joining server). */
  join?: boolean;
  set: string[];
}

/** The flags as configuration overrides under ZooKeeper's key names. */
export function serverOverrides(flags: ServerFlags): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const entry of flags.set) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new ConfigError(`--set ${entry}: expected key=value`);
    overrides[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  const named: [keyof ServerFlags, string][] = [
    ["dataDir", "dataDir"],
    ["dataLogDir", "dataLogDir"],
    ["nativePort", "nativePort"],
    ["clientPort", "clientPort"],
    ["adminPort", "adminPort"],
    ["myid", "myid"],
    ["tickTime", "tickTime"],
  ];
  for (const [flag, key] of named) {
    const value = flags[flag];
    if (typeof value === "string") overrides[key] = value;
  }
  return overrides;
}

async function runServer(flags: ServerFlags): Promise<void> {
  let config;
  try {
    config = loadConfig(flags.config, serverOverrides(flags));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`warden server: ${e.message}\n`);
    process.exit(2);
  }
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} [${config.myId}] ${line}\n`);
  // V8 lets the old generation grow up to four times what the last full collection kept; a
  // burst of requests then leaves the process hundreds of MiB above its live data. A fixed
  // factor of 2 keeps it within about twice the live data, for a few percent of throughput.
  if (config.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
  // An exception that escaped every boundary is a bug of ours: stop through the one documented path.
  process.on("uncaughtException", (e) => stopServerProcess(log, "uncaught", e));
  process.on("unhandledRejection", (e) => stopServerProcess(log, "uncaught", e));
  let server;
  try {
    server = await startServer(config, { log, joining: flags.join === true });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`warden server: ${e.message}\n`);
    process.exit(2);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    server.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`error while stopping: ${e instanceof Error ? e.stack : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // As a JVM prints its threads on SIGQUIT (and tools like jcmd send it), print a diagnostic
  // dump and go on: SIGQUIT must not kill a server.
  process.on("SIGQUIT", () => process.stdout.write(`SIGQUIT: diagnostics\n${server.diagnostics()}`));
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function addServerCommand(program: Command): void {
  program
    .command("server")
    .description("run one server (ZooKeeper's zoo.cfg keys; flags override the file)")
    .option("--config <file>", "zoo.cfg-style configuration file")
    .option("--dataDir <dir>", "data directory (snapshots, myid; the log too without --dataLogDir)")
    .option("--dataLogDir <dir>", "transaction log directory (ZooKeeper's dataLogDir)")
    .option("--nativePort <port>", "WebSocket (native protocol) port, default 2281")
    .option("--clientPort <port>", "ZooKeeper protocol port")
    .option("--adminPort <port>", "admin HTTP port, default 8080")
    .option("--myid <n>", "this server's id (else dataDir/myid)")
    .option("--tickTime <ms>", "tick length in milliseconds, default 2000")
    .option("--set <key=value>", "any configuration key (repeatable)", collect, [])
    .option(
      "--join",
      "start empty, outside the configuration, until a reconfig adds this server (its server.N lines: the current members and itself)",
    )
    .action((flags: ServerFlags) => runServer(flags));
}
