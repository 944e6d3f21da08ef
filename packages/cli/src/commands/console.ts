// `warden console [connect string]`: the web console's URL on a server's admin port, printed
// and, with --open, opened in the desktop's browser. With no connect string it points at the
// local ensemble (`warden ensemble start`), which allows its admin origins on its native ports.
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { readEnsemble } from "@warden/server";
import { ENSEMBLE_DIR_DEFAULT } from "./ensemble.js";

export interface ConsoleTarget {
  /** Native connect string the console opens its session with. */
  connect: string;
  /** Admin base URLs (scheme://host:port); the first serves the page. */
  admins: string[];
}

/** The console's URL: the first admin port's /console/, with the connect string and the other admin ports. */
export function consoleUrl(t: ConsoleTarget): string {
  if (t.admins.length === 0) throw new Error("no admin port to serve the console");
  const q = new URLSearchParams({ connect: t.connect });
  if (t.admins.length > 1) q.set("admin", t.admins.join(","));
  return `${t.admins[0]}/console/?${q.toString().replace(/%2C/g, ",").replace(/%3A/g, ":").replace(/%2F/g, "/")}`;
}

/** "host:port" or a URL into an admin base URL. */
export function adminBase(text: string, https: boolean): string {
  const t = text.trim().replace(/\/+$/, "");
  if (/^https?:\/\//i.test(t)) return new URL(t).origin;
  return new URL(`${https ? "https" : "http"}://${t}`).origin;
}

/** Where the console is for a connect string (admin ports given, or adminPort on each host) or for the local ensemble in `dir`. */
export async function consoleTarget(
  connect: string | undefined,
  opts: { admin?: string; adminPort: number; https: boolean; dir: string },
): Promise<ConsoleTarget> {
  if (connect === undefined) {
    const e = readEnsemble(opts.dir);
    if (!e) throw new Error(`no connect string given and no local ensemble in ${opts.dir} (start one with \`warden ensemble start\`)`);
    return { connect: e.connectString, admins: e.servers.map((s) => `http://127.0.0.1:${s.adminPort}`) };
  }
  const { parseConnectString } = await import("@warden/client"); // not loaded by a server's start
  const parsed = parseConnectString(connect);
  const admins = opts.admin
    ? opts.admin
        .split(",")
        .filter((a) => a.trim())
        .map((a) => adminBase(a, opts.https))
    : parsed.servers.map((s) => adminBase(`${s.host.includes(":") ? `[${s.host}]` : s.host}:${opts.adminPort}`, opts.https));
  return { connect, admins: [...new Set(admins)] };
}

function openInBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  const child = spawn(cmd, [url], { detached: true, stdio: "ignore" });
  child.on("error", (e) => process.stderr.write(`warden: could not open a browser (${cmd}): ${e.message}\n`));
  child.unref();
}

export function addConsoleCommand(program: Command): void {
  program
    .command("console")
    .description("the web console's URL (a server's admin port, /console/); with --open, opens it")
    .argument("[connect string]", "native connect string (host:port,...); default: the local ensemble")
    .option("--admin <urls>", "admin ports (host:port or http(s)://host:port, comma-separated); the first serves the page")
    .option("--admin-port <port>", "the admin port on each host of the connect string", (v) => Number(v), 8080)
    .option("--https", "the admin ports speak HTTPS")
    .option("--dir <dir>", "the local ensemble's directory", ENSEMBLE_DIR_DEFAULT)
    .option("--open", "open the URL in the desktop's browser")
    .action(
      async (connect: string | undefined, opts: { admin?: string; adminPort: number; https?: boolean; dir: string; open?: boolean }) => {
        const url = consoleUrl(
          await consoleTarget(connect, {
            ...(opts.admin ? { admin: opts.admin } : {}),
            adminPort: opts.adminPort,
            https: opts.https ?? false,
            dir: opts.dir,
          }),
        );
        process.stdout.write(`${url}\n`);
        if (opts.open) openInBrowser(url);
      },
    );
}
