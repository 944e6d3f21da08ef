// Adding a server to and removing one from a local ensemble (`warden ensemble add|remove`):
// the processes and the state file. The reconfig between them is the caller's (a client of the
// ensemble, authenticated as its superuser): start a joiner, reconfigure it in, record it; or
// reconfigure a server out, then stop it and forget it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateDigest } from "@warden/tree";
import {
  alive,
  configText,
  consoleOrigins,
  freePort,
  readEnsemble,
  serverMode,
  spawnServer,
  superuserCredentials,
  writeEnsemble,
  type LocalEnsemble,
  type LocalServer,
} from "./local-ensemble.js";

/** The ensemble's loopback address, as its connect string names it. */
export function ensembleHost(e: LocalEnsemble): string {
  const first = e.connectString.split(",")[0]!;
  return first.slice(0, first.lastIndexOf(":")).replace(/^\[|\]$/g, "");
}

/** The server's line as a reconfig's joining part names it. */
export function serverLine(s: LocalServer, host: string): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return `server.${s.id}=${h}:${s.peerPort}:${s.electionPort}:participant;${h}:${s.clientPort}`;
}

function requireEnsemble(dir: string): LocalEnsemble {
  const e = readEnsemble(dir);
  if (!e?.servers.some((s) => alive(s.pid))) throw new Error(`no running ensemble in ${dir}; start one with warden ensemble start`);
  return e;
}

/**
 * Starts server N+1 (N: the highest id) with `--join` on free ports, its zoo.cfg naming the
 * ensemble's servers and itself, and waits until it answers (as an observer: outside the
 * configuration). It is not yet in the state file: recordServer, once a reconfig added it.
 */
export async function startJoiningServer(
  dir: string,
  command: string[],
  timeoutMs = 30_000,
): Promise<{ server: LocalServer; line: string; ensemble: LocalEnsemble }> {
  const e = requireEnsemble(dir);
  if (e.servers.length < 2)
    throw new Error("a 1-server ensemble runs standalone, which cannot be reconfigured (as in ZooKeeper); start one with -n 3");
  const host = ensembleHost(e);
  const id = Math.max(...e.servers.map((s) => s.id)) + 1;
  const [nativePort, clientPort, adminPort, peerPort, electionPort] = [
    await freePort(host),
    await freePort(host),
    await freePort(host),
    await freePort(host),
    await freePort(host),
  ];
  const s: LocalServer = { id, pid: 0, dir: join(e.dir, `server${id}`), nativePort, clientPort, adminPort, peerPort, electionPort };
  const tick = /^tickTime=(\d+)$/m.exec(readFileSync(join(e.servers[0]!.dir, "zoo.cfg"), "utf8"))?.[1] ?? "2000";
  mkdirSync(join(s.dir, "data"), { recursive: true });
  writeFileSync(join(s.dir, "data", "myid"), `${id}\n`);
  const superDigest = generateDigest(superuserCredentials(e.dir));
  writeFileSync(join(s.dir, "zoo.cfg"), configText(s, [...e.servers, s], host, Number(tick), join(e.dir, "secret"), superDigest));
  spawnServer(s, command, true);
  const deadline = Date.now() + timeoutMs;
  while ((await serverMode(host, s.adminPort)) !== "observer") {
    if (!alive(s.pid)) throw new Error(`server ${id} exited; see ${join(s.dir, "server.log")}`);
    if (Date.now() > deadline) {
      process.kill(s.pid, "SIGKILL");
      throw new Error(`server ${id} did not answer within ${timeoutMs} ms; see ${join(s.dir, "server.log")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { server: s, line: serverLine(s, host), ensemble: e };
}

/** Waits until the server's admin port reports one of the modes. */
export async function waitForMode(host: string, s: LocalServer, modes: readonly string[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mode = await serverMode(host, s.adminPort);
    if (mode !== undefined && modes.includes(mode)) return mode;
    if (!alive(s.pid)) throw new Error(`server ${s.id} exited; see ${join(s.dir, "server.log")}`);
    if (Date.now() > deadline)
      throw new Error(`server ${s.id} is ${mode ?? "not answering"}, not ${modes.join(" or ")}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function withServers(e: LocalEnsemble, servers: LocalServer[]): LocalEnsemble {
  const host = ensembleHost(e);
  const h = host.includes(":") ? `[${host}]` : host;
  return {
    ...e,
    servers,
    connectString: servers.map((s) => `${h}:${s.nativePort}`).join(","),
    zkConnectString: servers.map((s) => `${h}:${s.clientPort}`).join(","),
  };
}

/** Adds the server to the state file (and the connect strings). */
export function recordServer(dir: string, s: LocalServer): LocalEnsemble {
  const e = requireEnsemble(dir);
  const next = withServers(
    e,
    [...e.servers.filter((x) => x.id !== s.id), s].sort((a, b) => a.id - b.id),
  );
  writeEnsemble(next);
  return next;
}

/** Stops server id (SIGTERM, then SIGKILL after graceMs) and removes it from the state file; its directory stays. */
export async function stopLocalServer(dir: string, id: number, graceMs = 10_000): Promise<LocalEnsemble> {
  const e = requireEnsemble(resolve(dir));
  const s = e.servers.find((x) => x.id === id);
  if (!s) throw new Error(`no server ${id} in ${e.dir}`);
  if (alive(s.pid)) process.kill(s.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(s.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(s.pid)) process.kill(s.pid, "SIGKILL");
  const next = withServers(
    e,
    e.servers.filter((x) => x.id !== id),
  );
  writeEnsemble(next);
  return next;
}

/**
 * Every server's web console may open sessions on, and read the admin port of, every server:
 * each zoo.cfg's nativeAllowedOrigins line is set to the admin origins of `servers` (the
 * ensemble after a reconfig to `version`). A running server read its line at start and takes the
 * new one when it restarts (the allow-list is fixed while it runs); the new server's own zoo.cfg
 * names them all already. Each server rewrites its zoo.cfg itself when it applies a configuration
 * (dynamicConfigFile, reconfig/static-config.ts): a file is edited here only once it points at
 * `version`, so neither write undoes the other. Returns the servers left alone, and why.
 */
export async function updateConsoleOrigins(
  e: LocalEnsemble,
  servers: readonly LocalServer[],
  version: bigint,
  timeoutMs = 10_000,
): Promise<string[]> {
  const host = ensembleHost(e);
  const line = `nativeAllowedOrigins=${consoleOrigins(servers, host).join(",")}`;
  const pointer = new RegExp(`^dynamicConfigFile=.*\\.dynamic\\.${version.toString(16)}$`, "m");
  const skipped: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (const s of servers) {
    const file = join(s.dir, "zoo.cfg");
    const read = () => (existsSync(file) ? readFileSync(file, "utf8") : "");
    while (!pointer.test(read()) && alive(s.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const text = read();
    if (!pointer.test(text)) {
      skipped.push(`server ${s.id}: its zoo.cfg does not name configuration 0x${version.toString(16)} yet`);
      continue;
    }
    if (!/^nativeAllowedOrigins=.*$/m.test(text)) continue;
    writeFileSync(`${file}.tmp`, text.replace(/^nativeAllowedOrigins=.*$/m, line));
    renameSync(`${file}.tmp`, file);
  }
  return skipped;
}
