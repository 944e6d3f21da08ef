// The `warden` program (bin/warden imports this module, which runs it).
import { Command } from "commander";
import { adminCommand } from "./admin.js";
import { addEnsembleCommand } from "./commands/ensemble.js";
import { addServerCommand } from "./commands/server.js";
import { addShellCommand } from "./commands/shell.js";
import { addRegistryCommand } from "./commands/registry.js";
import { addConsoleCommand } from "./commands/console.js";

export function buildProgram(warden: string[]): Command {
  const program = new Command("warden").description("Warden: a ZooKeeper-style coordination service").showHelpAfterError();
  addServerCommand(program);
  addEnsembleCommand(program, warden);
  addShellCommand(program);
  addRegistryCommand(program);
  addConsoleCommand(program);
  program
    .command("admin")
    .description("a four-letter word (ruok, srvr, stat, mntr, conf, cons, ...), health or metrics from a server's admin port")
    .argument("<command>", "the four-letter word, health or metrics")
    .argument("[server]", "host:port of the admin port", "127.0.0.1:8080")
    .option(
      "-u, --user <user:password>",
      "a digest user's credentials, for a server with admin.authRequired (or set WARDEN_ADMIN_AUTH: a password on the command line shows in ps)",
    )
    .option(
      "--https",
      "the admin port speaks HTTPS (admin.forceHttps, admin.portUnification); implied by the options below or an https:// server",
    )
    .option("--ca <file>", "PEM authorities the server's certificate must chain to (default: Node's roots)")
    .option("--cert <file>", "PEM client certificate, for admin.needClientAuth or admin.authX509 (with --key)")
    .option("--key <file>", "PEM private key of --cert")
    .option("--insecure", "do not verify the server's certificate (testing only)")
    .action(
      async (
        command: string,
        server: string,
        opts: { user?: string; https?: boolean; ca?: string; cert?: string; key?: string; insecure?: boolean },
      ) => {
        const { user, ...tls } = opts;
        process.exitCode = await adminCommand(command, server, undefined, user ?? process.env.WARDEN_ADMIN_AUTH, tls);
      },
    );
  return program;
}

// This module runs as the program: argv[1] is the launcher (bin/warden) or this file, and
// either one run with node is `warden` itself (for the ensemble's server processes).
await buildProgram([process.execPath, process.argv[1]!])
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.stderr.write(`warden: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
