// The server under test: `warden server` from the built dist (ServerProcess), on loopback
// free ports with a temporary data directory; for the peer target with server.N lines
// naming observers the fuzzer impersonates, and an ensemble secret the fuzzer knows.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@warden/server";
import { ServerProcess } from "../process/server-process.js";
import type { PeerSetup, TargetPorts } from "./family.js";
import { ImpersonatedPeers, type DialAnswer } from "./targets/peer-listener.js";

export interface ServerUnderTest {
  readonly process: ServerProcess;
  readonly ports: TargetPorts;
  readonly dataDir: string;
  readonly peer?: PeerSetup;
  readonly impersonated?: ImpersonatedPeers;
  /** The settings it was started with (printed with the options). */
  readonly settings: Readonly<Record<string, string>>;
}

const SERVER_ID = 1;
/** Observers in the server's configuration: the lone voter leads and serves, and accepts their connections. */
const IMPERSONATED_IDS = [2, 3] as const;
/** A fixed secret (the fuzzer must know it; it protects nothing). */
const PEER_SECRET = new TextEncoder().encode("warden-fuzz-ensemble-secret-0123456789");

/**
 * `peers`: run with server.N lines naming observers the fuzzer impersonates; `up` says whether
 * they accept the server's dials (else it queues for them, as for crashed observers).
 */
export async function startServerUnderTest(
  settings: Record<string, string>,
  peers: { up: boolean } | undefined,
  command?: readonly string[],
): Promise<ServerUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), "warden-fuzz-"));
  const dataDir = join(dir, "data");
  const all = { ...settings };
  let peer: PeerSetup | undefined;
  let peerPort: number | undefined;
  let impersonated: ImpersonatedPeers | undefined;
  if (peers) {
    const secretFile = join(dir, "ensemble-secret");
    writeFileSync(secretFile, PEER_SECRET);
    peerPort = await freePort();
    all[`server.${SERVER_ID}`] = `127.0.0.1:${peerPort}:${await freePort()}`;
    const impersonatedPorts: number[] = [];
    for (const id of IMPERSONATED_IDS) {
      impersonatedPorts.push(await freePort());
      all[`server.${id}`] = `127.0.0.1:${impersonatedPorts.at(-1)}:${await freePort()}:observer`;
    }
    all.ensembleSecretFile = secretFile;
    all.myid = String(SERVER_ID);
    const listening = (impersonated = await ImpersonatedPeers.start(impersonatedPorts, IMPERSONATED_IDS, PEER_SECRET, peers.up));
    const answerDialsFor = (answer: DialAnswer, ms: number) => listening.answerFor(answer, ms);
    peer = { secret: PEER_SECRET, serverId: SERVER_ID, impersonatedIds: IMPERSONATED_IDS, impersonatedPorts, answerDialsFor };
  }
  const server = await ServerProcess.start({ dataDir, settings: all, ...(command ? { command } : {}) });
  const ports: TargetPorts = { ...server.ports, ...(peerPort !== undefined ? { peer: peerPort } : {}) };
  return { process: server, ports, dataDir: dir, settings: all, ...(peer ? { peer } : {}), ...(impersonated ? { impersonated } : {}) };
}

/** Stops the server; the directory is kept when `keep` (a failure: its log and data may help). */
export async function stopServerUnderTest(s: ServerUnderTest, keep: boolean): Promise<void> {
  await s.process.stop(2_000);
  await s.impersonated?.stop();
  if (!keep) rmSync(s.dataDir, { recursive: true, force: true });
}

export interface ProcessFigures {
  rssBytes: number;
  /** The kernel's high-water mark of RSS since the process started (VmHWM). */
  peakRssBytes: number;
  openFds: number;
}

/** RSS, its peak and open descriptors of a live process, from /proc; undefined once it is gone. */
export function processFigures(pid: number): ProcessFigures | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rssBytes: kb("VmRSS"), peakRssBytes: kb("VmHWM"), openFds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/** A line without its timestamp and numbers, to tell "the same line again" (session 0x1a.. expired). */
const shapeOf = (line: string) => line.replace(/^\S+Z \[\d+\] /, "").replace(/0x-?[0-9a-f]+|\d+/g, "#");

/** The last `lines` lines the server printed, each run of lines alike folded into its first, a count and its last. */
export function logTail(s: ServerUnderTest, lines = 40): string {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    out.push(run[0]!);
    if (run.length > 2) out.push(`  … ${run.length - 2} more like it`);
    if (run.length > 1) out.push(run.at(-1)!);
    run = [];
  };
  for (const line of s.process.output.trimEnd().split("\n")) {
    if (run.length > 0 && shapeOf(line) !== shapeOf(run[0]!)) flush();
    run.push(line);
  }
  if (run.length > 0) flush();
  return out.slice(-lines).join("\n");
}
