// The four-letter words' text answers on the client port, in ZooKeeper 3.8's layout
// (test/compat/fixtures/zk-admin/*/*.txt are a real server's), from the same snapshot and
// figures as the admin port's JSON.
import { environment, VERSION_LINE } from "./environment.js";
import type { AdminActions, ConnectionInfo, ServerSnapshot } from "./snapshot-types.js";
import { javaDouble, monitorPairs } from "./monitor.js";

/** The words answered (when whitelisted); ZooKeeper's other words are refused as not whitelisted. */
export const TEXT_WORDS = [
  "ruok",
  "srvr",
  "stat",
  "mntr",
  "conf",
  "cons",
  "envi",
  "wchs",
  "wchc",
  "wchp",
  "dump",
  "isro",
  "dirs",
  "crst",
  "srst",
] as const;

const hex = (n: bigint | number) => `0x${n.toString(16)}`;

/** ZooKeeper's answer to a word that is not answered: its refusal of a word outside the whitelist. */
function notWhitelisted(word: string): string {
  return `${word} is not executed because it is not in the whitelist.\n`;
}

/** `answer(word)`, or ZooKeeper's refusal when 4lw.commands.whitelist (`allowed`) leaves the word out. */
export function whitelisted(allowed: ReadonlySet<string> | "*", word: string, answer: (word: string) => string): string {
  return allowed === "*" || allowed.has(word) ? answer(word) : notWhitelisted(word);
}

/** ZooKeeper's answer to a four-letter word that needs a running server (AbstractFourLetterCommand.ZK_NOT_SERVING). */
export const ZK_NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n";

/**
 * ZooKeeper's answers while its server does not run (starting, looking for a leader, syncing
 * with one): ruok, isro and envi need none, every other word says it does not serve.
 */
export function notServingText(word: string): string {
  if (word === "ruok") return "imok";
  if (word === "isro") return "null";
  if (word === "envi") return enviText();
  return ZK_NOT_SERVING;
}

function enviText(): string {
  return (
    "Environment:\n" +
    environment()
      .map(([k, v]) => `${k}=${v}\n`)
      .join("")
  );
}

/**
 * The answer of a word that needs no snapshot of the server (ruok, envi, isro, and every word
 * while the server does not serve), so that a liveness probe's frequent `ruok` costs nothing
 * on a server with many sessions and watches; undefined for the others.
 */
export function textWithoutSnapshot(word: string, serving: boolean, readOnly: boolean): string | undefined {
  if (!serving && !readOnly) return notServingText(word);
  if (word === "ruok") return "imok";
  if (word === "envi") return enviText();
  if (word === "isro") return readOnly ? "ro" : "rw"; // ZooKeeper's IsroCommand ("null" while no server runs)
  return undefined;
}

/**
 * ZooKeeper's text answer to a four-letter word on the client port: while the server does not
 * serve (and is not read-only), the answers of a server that does not run, as ZooKeeper's
 * follower gives them until its leader's UPTODATE.
 */
export function commandText(word: string, s: ServerSnapshot, actions: AdminActions): string {
  const answer = textWithoutSnapshot(word, s.serving, s.readOnly);
  if (answer !== undefined) return answer;
  switch (word) {
    case "srvr":
    case "stat":
      return statText(word, s);
    case "mntr":
      return monitorPairs(s)
        .map(([k, v]) => `${k}\t${v}\n`)
        .join("");
    case "conf":
      return confText(s);
    case "cons":
      return `${s.connections.map((c) => consLine(c, false)).join("")}\n`;
    case "wchs":
      return `${s.watchesBySession.size} connections watching ${s.watchesByPath.size} paths\nTotal watches:${s.watchCount}\n`;
    case "wchc":
      return `${[...s.watchesBySession].map(([id, paths]) => `${hex(id)}\n${paths.map((p) => `\t${p}\n`).join("")}`).join("")}\n`;
    case "wchp":
      return `${[...s.watchesByPath].map(([path, ids]) => `${path}\n${ids.map((id) => `\t${hex(id)}\n`).join("")}`).join("")}\n`;
    case "dump":
      return dumpText(s);
    case "dirs":
      return `datadir_size: ${s.dataDirBytes}\nlogdir_size: ${s.logDirBytes}\n`;
    case "crst":
      actions.resetConnectionStats();
      return "Connection stats reset.\n";
    case "srst":
      actions.resetServerStats();
      return "Server stats reset.\n";
    default:
      return notWhitelisted(word);
  }
}

/** A connection as ZooKeeper's dumpConnectionInfo prints it (brief: stat's client list). */
function consLine(c: ConnectionInfo, brief: boolean): string {
  let line = ` /${c.remote}[${c.interestOps.toString(16)}](queued=${c.queued},recved=${c.received},sent=${c.sent}`;
  if (!brief && c.sessionId !== 0n) {
    line += `,sid=${hex(c.sessionId)},lop=${c.lastOp},est=${c.establishedMs},to=${c.timeoutMs}`;
    if (c.lastCxid >= 0) line += `,lcxid=${hex(c.lastCxid)}`;
    line += `,lzxid=${hex(BigInt.asUintN(64, c.lastZxid))},lresp=${c.lastResponseMs},llat=${c.lastLatencyMs},minlat=${c.latencyMsMin},avglat=${c.latencyMsAvg},maxlat=${c.latencyMsMax}`;
  }
  return `${line})\n`;
}

function statText(word: string, s: ServerSnapshot): string {
  let out = `Zookeeper version: ${VERSION_LINE}\n`;
  if (s.readOnly) out += "READ-ONLY mode; serving only read-only clients\n";
  if (word === "stat") out += `Clients:\n${s.connections.map((c) => consLine(c, true)).join("")}\n`;
  out += `Latency min/avg/max: ${s.latencyMs.min}/${javaDouble(s.latencyMs.avg)}/${s.latencyMs.max}\n`;
  out += `Received: ${s.packetsReceived}\nSent: ${s.packetsSent}\nConnections: ${s.connections.length}\n`;
  out += `Outstanding: ${s.outstanding}\nZxid: ${hex(s.zxid)}\nMode: ${s.mode}\nNode count: ${s.nodeCount}\n`;
  if (s.mode === "leader") out += `Proposal sizes last/min/max: ${s.proposalSizes.last}/${s.proposalSizes.min}/${s.proposalSizes.max}\n`;
  return out;
}

function confText(s: ServerSnapshot): string {
  const c = s.settings;
  const lines: Array<[string, string | number]> = [
    ["clientPort", c.clientPort],
    ["secureClientPort", c.secureClientPort > 0 ? c.secureClientPort : -1],
    ["dataDir", c.dataDir],
    ["dataDirSize", s.dataDirBytes],
    ["dataLogDir", c.dataLogDir],
    ["dataLogSize", s.logDirBytes],
    ["tickTime", c.tickTimeMs],
    ["maxClientCnxns", c.connectionsPerAddressMax],
    ["minSessionTimeout", c.sessionTimeoutMsMin],
    ["maxSessionTimeout", c.sessionTimeoutMsMax],
    ["clientPortListenBacklog", -1],
    ["serverId", s.serverId],
  ];
  if (s.mode !== "standalone") {
    const me = s.servers.find((p) => p.id === s.serverId);
    lines.push(
      ["initLimit", c.initLimitTicks],
      ["syncLimit", c.syncLimitTicks],
      ["electionPort", me?.electionPort ?? -1],
      ["quorumPort", me?.peerPort ?? -1],
      ["peerType", me?.observer ? 1 : 0],
    );
  }
  // Warden's own, beside ZooKeeper's.
  lines.push(["nativePort", c.nativePort], ["adminPort", c.adminPort], ["jute.maxbuffer", c.frameBytesMax]);
  let out = lines.map(([k, v]) => `${k}=${v}\n`).join("");
  if (s.mode !== "standalone")
    out +=
      "membership: \n" +
      s.servers
        .map((p) => `server.${p.id}=${p.host}:${p.peerPort}:${p.electionPort}:${p.observer ? "observer" : "participant"}\n`)
        .join("");
  return out;
}

/** Java's Date.toString() in UTC: "Sat Dec 05 07:19:20 UTC 2026". */
function javaDate(ms: number): string {
  const d = new Date(ms);
  const [dow, day, mon, year] = d.toUTCString().replace(",", "").split(" ") as [string, string, string, string];
  return `${dow} ${mon} ${day.padStart(2, "0")} ${d.toISOString().slice(11, 19)} UTC ${year}`;
}

function dumpText(s: ServerSnapshot): string {
  let out = "SessionTracker dump:\n";
  if (s.mode === "standalone" || s.mode === "leader") {
    const total = [...s.sessionExpiry.values()].reduce((n, ids) => n + ids.length, 0);
    out += `Session Sets (${s.sessionExpiry.size})/(${total}):\n`;
    for (const [at, ids] of [...s.sessionExpiry].sort(([a], [b]) => a - b))
      out += `${ids.length} expire at ${javaDate(at)}:\n${ids.map((id) => `\t${hex(id)}\n`).join("")}`;
  } else {
    out += `Global Sessions(${s.sessionTimeouts.size}):\n${[...s.sessionTimeouts].map(([id, to]) => `${hex(id)}\t${to}ms\n`).join("")}`;
  }
  out += `ephemeral nodes dump:\nSessions with Ephemerals (${s.ephemerals.size}):\n`;
  for (const [id, paths] of s.ephemerals) out += `${hex(id)}:\n${paths.map((p) => `\t${p}\n`).join("")}`;
  out += `Connections dump:\n${s.connections.map((c) => `\tip: /${c.remote} sessionId: ${hex(c.sessionId)}\n`).join("")}`;
  return out;
}
