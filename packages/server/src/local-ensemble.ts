// A local ensemble on loopback: N server processes in the background with their own
// configuration, data directory and log, sharing a generated ensemble secret. Used by
// `warden ensemble start|status|stop`, by the README's first command and by tests.
import { queryServerRole, servesWithLeader } from "./admin-query.js";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync, readFileSync, existsSync, openSync, closeSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { generateDigest } from "@warden/tree";

export interface LocalServer {
  id: number;
  pid: number;
  dir: string;
  nativePort: number;
  clientPort: number;
  adminPort: number;
  peerPort: number;
  electionPort: number;
}

export interface LocalEnsemble {
  dir: string;
  servers: LocalServer[];
  /** Native (WebSocket) connect string. */
  connectString: string;
  /** ZooKeeper-protocol connect string. */
  zkConnectString: string;
}

export interface StartOptions {
  count: number;
  dir: string;
  /** The command that runs `warden`: [node, bin/warden]. */
  command: string[];
  tickTimeMs?: number;
  startTimeoutMs?: number;
  host?: string;
}

const STATE = "ensemble.json";
/** `super:<password>`, mode 0600: the superuser that `warden ensemble add|remove` reconfigures as. */
const SUPERUSER = "superuser";

/** The superuser's `user:password` of the ensemble in dir, for addAuth("digest", ...). */
export function superuserCredentials(dir: string): string {
  return readFileSync(join(resolve(dir), SUPERUSER), "utf8").trim();
}

/** The superuser's credentials file in dir, made once; its digest (superDigest's value). */
function superDigestOf(dir: string): string {
  const file = join(dir, SUPERUSER);
  if (!existsSync(file)) writeFileSync(file, `super:${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
  return generateDigest(superuserCredentials(dir));
}

export function writeEnsemble(e: LocalEnsemble): void {
  writeFileSync(join(e.dir, STATE), `${JSON.stringify(e, null, 2)}\n`);
}

/** Starts one server in the background (with `--join`: outside the configuration until a reconfig adds it); sets s.pid. */
export function spawnServer(s: LocalServer, command: string[], joining: boolean): void {
  const log = openSync(join(s.dir, "server.log"), "a");
  const child = spawn(command[0]!, [...command.slice(1), "server", "--config", join(s.dir, "zoo.cfg"), ...(joining ? ["--join"] : [])], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  child.unref();
  s.pid = child.pid!;
}

/**
 * Ports handed out are drawn below the usual ephemeral ranges (Linux 32768-60999; BSD, macOS and
 * Windows 49152-65535). A port the kernel gives a listen(0) is an ephemeral one, so between this
 * pick and the moment a server binds it, any outgoing connection's source port or another
 * process's listen(0) can take it; a port below those ranges is only taken by someone who picks
 * it by number. A port is never handed out twice by one process.
 */
const PICK_LOW = 10_000;
const PICK_HIGH = 32_000;
const handedOut = new Set<number>();

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((answer) => {
    const s = createServer();
    s.once("error", () => answer(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => answer(true)));
  });
}

/** A TCP port on host that is free now and that this process has not handed out before. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = PICK_LOW + Math.floor(Math.random() * (PICK_HIGH - PICK_LOW));
    if (handedOut.has(port)) continue;
    if (await bindable(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port on ${host} in ${PICK_LOW}-${PICK_HIGH} after 64 tries`);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readEnsemble(dir: string): LocalEnsemble | undefined {
  const file = join(resolve(dir), STATE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as LocalEnsemble;
}

/** A server's zoo.cfg: all (itself included) are the server.N lines; reconfig is on, for the superuser only. */
export function configText(
  s: LocalServer,
  all: LocalServer[],
  host: string,
  tickTimeMs: number,
  secretFile: string,
  superDigest: string,
): string {
  const lines = [
    `tickTime=${tickTimeMs}`,
    "initLimit=10",
    "syncLimit=5",
    `dataDir=${join(s.dir, "data")}`,
    `clientPort=${s.clientPort}`,
    `clientPortAddress=${host}`,
    `nativePort=${s.nativePort}`,
    `adminPort=${s.adminPort}`,
    `admin.serverAddress=${host}`,
    "4lw.commands.whitelist=*",
    `ensembleSecretFile=${secretFile}`,
    // The web console served by any server's admin port may open sessions on every server and read every admin port.
    `nativeAllowedOrigins=${consoleOrigins(all, host).join(",")}`,
    // `warden ensemble add|remove`: ZooKeeper lets a superuser (or everyone, with skipACL) reconfigure.
    "reconfigEnabled=true",
    `superDigest=${superDigest}`,
  ];
  // Each line names its server's ZooKeeper port, so getConfig (zkCli's config -c) lists the ensemble's client addresses.
  if (all.length > 1)
    for (const p of all)
      lines.push(`server.${p.id}=${host}:${p.peerPort}:${p.electionPort};${host.includes(":") ? `[${host}]` : host}:${p.clientPort}`);
  return `${lines.join("\n")}\n`;
}

/** Every server's admin origin, by its address and, on loopback, as localhost too. */
export function consoleOrigins(all: readonly LocalServer[], host: string): string[] {
  const hosts = /^127\./.test(host) ? [host, "localhost"] : [host];
  const h = (x: string) => (x.includes(":") ? `[${x}]` : x);
  return all.flatMap((p) => hosts.map((x) => `http://${h(x)}:${p.adminPort}`));
}

/** The role a server reports on its admin port, or undefined when it does not answer. */
export async function serverMode(host: string, adminPort: number): Promise<string | undefined> {
  return (await queryServerRole(host, adminPort))?.role;
}

export async function startLocalEnsemble(opts: StartOptions): Promise<LocalEnsemble> {
  const dir = resolve(opts.dir);
  const host = opts.host ?? "127.0.0.1";
  const running = readEnsemble(dir);
  if (running?.servers.some((s) => alive(s.pid)))
    throw new Error(`an ensemble is already running in ${dir}; stop it first (warden ensemble stop --dir ${opts.dir})`);
  if (!(opts.count >= 1 && opts.count % 2 === 1 && opts.count <= 9))
    throw new Error(`an ensemble needs an odd number of servers from 1 to 9, got ${opts.count}`);
  mkdirSync(dir, { recursive: true });
  const secretFile = join(dir, "secret");
  if (!existsSync(secretFile)) writeFileSync(secretFile, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  const superDigest = superDigestOf(dir);
  const servers: LocalServer[] = [];
  for (let id = 1; id <= opts.count; id++) {
    const [nativePort, clientPort, adminPort, peerPort, electionPort] = [
      await freePort(host),
      await freePort(host),
      await freePort(host),
      await freePort(host),
      await freePort(host),
    ];
    servers.push({
      id,
      pid: 0,
      dir: join(dir, `server${id}`),
      nativePort: nativePort!,
      clientPort: clientPort!,
      adminPort: adminPort!,
      peerPort: peerPort!,
      electionPort: electionPort!,
    });
  }
  for (const s of servers) {
    mkdirSync(join(s.dir, "data"), { recursive: true });
    writeFileSync(join(s.dir, "data", "myid"), `${s.id}\n`);
    writeFileSync(join(s.dir, "zoo.cfg"), configText(s, servers, host, opts.tickTimeMs ?? 2000, secretFile, superDigest));
    spawnServer(s, opts.command, false);
  }
  const ensemble: LocalEnsemble = {
    dir,
    servers,
    connectString: servers.map((s) => `${host}:${s.nativePort}`).join(","),
    zkConnectString: servers.map((s) => `${host}:${s.clientPort}`).join(","),
  };
  writeEnsemble(ensemble);
  await waitUntilServing(ensemble, host, opts.startTimeoutMs ?? 30_000);
  return ensemble;
}

async function waitUntilServing(e: LocalEnsemble, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Every server serves: a leader (or a standalone server), and followers synced with it.
    const answers = await Promise.all(e.servers.map((s) => queryServerRole(host, s.adminPort)));
    if (answers.every(servesWithLeader) && answers.some((a) => a?.role === "leader" || a?.role === "standalone")) return;
    const dead = e.servers.filter((s) => !alive(s.pid));
    if (dead.length > 0) throw new Error(`server ${dead[0]!.id} exited; see ${join(dead[0]!.dir, "server.log")}`);
    if (Date.now() > deadline)
      throw new Error(
        `the ensemble did not serve (a leader, and followers synced with it) within ${timeoutMs} ms; see the server.log files under ${e.dir}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function ensembleStatus(dir: string): Promise<Array<LocalServer & { alive: boolean; mode: string | undefined }>> {
  const e = readEnsemble(dir);
  if (!e) return [];
  return Promise.all(
    e.servers.map(async (s) => ({
      ...s,
      alive: alive(s.pid),
      mode: alive(s.pid) ? await serverMode("127.0.0.1", s.adminPort) : undefined,
    })),
  );
}

/** Stops every server (SIGTERM, then SIGKILL after graceMs); `wipe` removes the directory. */
export async function stopLocalEnsemble(dir: string, opts: { graceMs?: number; wipe?: boolean } = {}): Promise<number> {
  const e = readEnsemble(dir);
  if (!e) return 0;
  let stopped = 0;
  for (const s of e.servers) {
    if (!alive(s.pid)) continue;
    process.kill(s.pid, "SIGTERM");
    stopped++;
  }
  const deadline = Date.now() + (opts.graceMs ?? 10_000);
  while (e.servers.some((s) => alive(s.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const s of e.servers) if (alive(s.pid)) process.kill(s.pid, "SIGKILL");
  if (opts.wipe) rmSync(e.dir, { recursive: true, force: true });
  return stopped;
}
