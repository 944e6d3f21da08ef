// `warden ensemble add|remove`: grow or shrink the local ensemble of `warden ensemble start`
// by dynamic reconfiguration, as the ensemble's superuser (its zoo.cfg has reconfigEnabled=true
// and superDigest; the password is in <dir>/superuser, mode 0600).
import type { Command } from "commander";
import type { Client, ConfigResult } from "@warden/client";
import {
  ensembleHost,
  readEnsemble,
  recordServer,
  startJoiningServer,
  stopLocalServer,
  superuserCredentials,
  updateConsoleOrigins,
  waitForMode,
} from "@warden/server";

async function asSuperuser<T>(connectString: string, dir: string, f: (c: Client) => Promise<T>): Promise<T> {
  const { createClient } = await import("@warden/client"); // loaded by the commands that use it, not by a server's start
  const c = createClient(connectString, { sessionTimeoutMs: 10_000 });
  try {
    await c.connected({ timeoutMs: 15_000 });
    await c.addAuth("digest", superuserCredentials(dir));
    return await f(c);
  } finally {
    await c.close().catch(() => undefined);
  }
}

const printConfig = (r: ConfigResult) => `configuration 0x${r.stat.mzxid.toString(16)}:\n${r.text}\n`;

async function add(options: { dir: string }, warden: string[]): Promise<void> {
  const { server, line, ensemble } = await startJoiningServer(options.dir, warden);
  let result: ConfigResult;
  try {
    result = await asSuperuser(ensemble.connectString, ensemble.dir, (c) => c.reconfig({ joining: [line] }));
    await waitForMode(ensembleHost(ensemble), server, ["follower"]);
  } catch (err) {
    // Not added (or not following): the joiner is not left running outside the state file.
    process.kill(server.pid, "SIGKILL");
    throw err;
  }
  const grown = recordServer(ensemble.dir, server);
  const skipped = await updateConsoleOrigins(grown, grown.servers, result.stat.mzxid);
  for (const why of skipped) process.stderr.write(`nativeAllowedOrigins not updated for ${why}\n`);
  process.stdout.write(
    `added server ${server.id} (native ${server.nativePort}, client ${server.clientPort}, admin ${server.adminPort})\n` +
      printConfig(result),
  );
}

async function remove(id: number, options: { dir: string }): Promise<void> {
  const e = readEnsemble(options.dir);
  if (!e?.servers.some((s) => s.id === id)) throw new Error(`no server ${id} in the ensemble in ${options.dir}`);
  // Asked of the servers that stay: the one removed hands over once the change commits.
  const host = ensembleHost(e);
  const h = host.includes(":") ? `[${host}]` : host;
  const staying = e.servers
    .filter((s) => s.id !== id)
    .map((s) => `${h}:${s.nativePort}`)
    .join(",");
  const result = await asSuperuser(staying || e.connectString, e.dir, (c) => c.reconfig({ leaving: [id] }));
  const shrunk = await stopLocalServer(e.dir, id);
  const skipped = await updateConsoleOrigins(shrunk, shrunk.servers, result.stat.mzxid);
  for (const why of skipped) process.stderr.write(`nativeAllowedOrigins not updated for ${why}\n`);
  process.stdout.write(`removed server ${id}\n${printConfig(result)}`);
}

export function addEnsembleMemberCommands(ensemble: Command, warden: string[]): void {
  ensemble
    .command("add")
    .description("start a new server and reconfigure it in as a voter (reconfig -add)")
    .option("--dir <dir>", "the ensemble's directory", ".warden/ensemble")
    .action((options) => add(options, warden));
  ensemble
    .command("remove <id>")
    .description("reconfigure a server out (reconfig -remove), then stop it")
    .option("--dir <dir>", "the ensemble's directory", ".warden/ensemble")
    .action((id: string, options) => {
      const n = Number(id);
      if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`the server id must be a positive integer, got ${id}`);
      return remove(n, options);
    });
}
