// `warden ensemble start|status|stop` (and add|remove, in ensemble-members.ts): a local ensemble of server processes on loopback.
import { type Command, InvalidArgumentError } from "commander";
import { ensembleStatus, startLocalEnsemble, stopLocalEnsemble } from "@warden/server";
import { addEnsembleMemberCommands } from "./ensemble-members.js";

export const ENSEMBLE_DIR_DEFAULT = ".warden/ensemble";

const integer = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

async function start(options: { servers: number; dir: string; tickTime?: number }, warden: string[]): Promise<void> {
  const ensemble = await startLocalEnsemble({
    count: options.servers,
    dir: options.dir,
    command: warden,
    ...(options.tickTime ? { tickTimeMs: options.tickTime } : {}),
  });
  const dirFlag = options.dir === ENSEMBLE_DIR_DEFAULT ? "" : ` --dir ${options.dir}`;
  process.stdout.write(
    `started ${ensemble.servers.length} server${ensemble.servers.length === 1 ? "" : "s"} in ${ensemble.dir}\n` +
      `connect string:           ${ensemble.connectString}\n` +
      `ZooKeeper connect string: ${ensemble.zkConnectString}\n` +
      `open a shell:             warden shell${dirFlag ? ` ${ensemble.connectString}` : ""}\n` +
      `stop it:                  warden ensemble stop${dirFlag}\n`,
  );
}

async function status(options: { dir: string }): Promise<void> {
  const servers = await ensembleStatus(options.dir);
  if (servers.length === 0) {
    process.stdout.write(`no ensemble in ${options.dir}\n`);
    process.exitCode = 1;
    return;
  }
  const rows = servers.map((s) => [
    String(s.id),
    String(s.pid),
    s.alive ? (s.mode ?? "not serving") : "stopped",
    String(s.nativePort),
    String(s.clientPort),
    String(s.adminPort),
  ]);
  const table = [["id", "pid", "state", "native", "client", "admin"], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  process.stdout.write(
    table
      .map(
        (r) =>
          `${r
            .map((c, i) => c.padEnd(widths[i]!))
            .join("  ")
            .trimEnd()}\n`,
      )
      .join(""),
  );
  if (servers.some((s) => !s.alive)) process.exitCode = 1;
}

async function stop(options: { dir: string; wipe?: boolean }): Promise<void> {
  const stopped = await stopLocalEnsemble(options.dir, { wipe: options.wipe ?? false });
  process.stdout.write(`stopped ${stopped} server${stopped === 1 ? "" : "s"}${options.wipe ? `; removed ${options.dir}` : ""}\n`);
}

/** `warden` is the command that runs this program again: [node, the launcher]. */
export function addEnsembleCommand(program: Command, warden: string[]): void {
  const ensemble = program.command("ensemble").description("a local ensemble of servers on loopback");
  ensemble
    .command("start")
    .description("start servers in the background and wait for a leader")
    .option("-n, --servers <count>", "number of servers (odd, 1 to 9)", integer("-n"), 3)
    .option("--dir <dir>", "directory for configuration, data and logs", ENSEMBLE_DIR_DEFAULT)
    .option("--tick-time <ms>", "tickTime of every server", integer("--tick-time"))
    .action((options) => start(options, warden));
  ensemble
    .command("status")
    .description("each server's pid, role and ports")
    .option("--dir <dir>", "the ensemble's directory", ENSEMBLE_DIR_DEFAULT)
    .action(status);
  ensemble
    .command("stop")
    .description("stop every server (SIGTERM, then SIGKILL)")
    .option("--dir <dir>", "the ensemble's directory", ENSEMBLE_DIR_DEFAULT)
    .option("--wipe", "also remove the directory and its data")
    .action(stop);
  addEnsembleMemberCommands(ensemble, warden);
}
