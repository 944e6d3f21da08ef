// The files a committed configuration is written to, as ZooKeeper's QuorumPeer.setQuorumVerifier
// writes them: the server.N lines (sorted, no version line: the name carries it) to
// <zoo.cfg>.dynamic.<hex version>, then zoo.cfg itself edited (QuorumPeerConfig.editStaticConfig)
// so that a restart from it reads that membership: its server.N, group, weight, peerType,
// version and dynamicConfigFile lines go, and dynamicConfigFile=<that file's absolute path> is
// appended; clientPort and clientPortAddress go too when this server's own line in the new
// configuration carries its client address (it is read from there, and a reconfig may have
// moved it). Unlike ZooKeeper's, which writes the file back from a Properties table, the other
// lines keep their order and comments. A zoo.cfg that held the server.N lines itself is copied
// to zoo.cfg.bak first (ZooKeeper copies it at every start in that form).
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { formatServerSpec, formatVersionHex, type DynamicConfig } from "@warden/protocol";

/** Where the configuration of `version` goes: beside zoo.cfg when known, else beside the dynamic file given. */
export function dynamicFileName(
  configFile: string | undefined,
  dynamicConfigFile: string | undefined,
  version: bigint,
): string | undefined {
  const hex = formatVersionHex(version);
  if (configFile !== undefined) return `${resolve(configFile)}.dynamic.${hex}`;
  if (dynamicConfigFile === undefined) return undefined;
  const name = basename(dynamicConfigFile);
  const stem = /\.[0-9a-fA-F]+$/.test(name) && name.includes(".dynamic.") ? name.slice(0, name.lastIndexOf(".")) : name;
  return join(dirname(resolve(dynamicConfigFile)), `${stem}.${hex}`);
}

/** The dynamic file's text: one server.N line per member, by id. */
export function dynamicFileText(config: DynamicConfig): string {
  return [...config.servers]
    .sort((a, b) => a.id - b.id)
    .map((s) => `server.${s.id}=${formatServerSpec(s)}\n`)
    .join("");
}

const QUORUM_KEY = /^(server\.|group|weight|dynamicConfigFile|peerType|version$)/;
const CLIENT_KEY = /^clientPort(Address)?$/;

/** zoo.cfg's text with the membership moved out to `dynamicFile`. */
export function editedStaticConfig(text: string, dynamicFile: string, eraseClientAddress: boolean): string {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // A logical line may go on over the next physical ones (a trailing backslash): they go with it.
    let end = i;
    while (lines[end]!.trimEnd().endsWith("\\") && end + 1 < lines.length) end++;
    const trimmed = line.trim();
    const key = /^([^=:\s]+)/.exec(trimmed)?.[1];
    const comment = trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("!");
    const drop = !comment && key !== undefined && (QUORUM_KEY.test(key) || (eraseClientAddress && CLIENT_KEY.test(key)));
    if (!drop) out.push(...lines.slice(i, end + 1));
    i = end;
  }
  out.push(`dynamicConfigFile=${dynamicFile}`);
  return `${out.join("\n")}\n`;
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/**
 * Writes the configuration's dynamic file and points zoo.cfg (`configFile`, when the server
 * was started from one) at it. `myId`'s line decides whether the client address moves out.
 */
export function writeConfigFiles(
  next: DynamicConfig,
  files: { configFile: string | undefined; dynamicConfigFile: string | undefined },
  myId: number,
): string | undefined {
  const target = dynamicFileName(files.configFile, files.dynamicConfigFile, next.version);
  if (target === undefined) return undefined;
  writeAtomically(target, dynamicFileText(next));
  if (files.configFile === undefined) return target;
  const configFile = resolve(files.configFile);
  const text = readFileSync(configFile, "utf8");
  const bak = `${configFile}.bak`;
  if (/^\s*server\.\d+\s*[=:\s]/m.test(text) && !existsSync(bak)) copyFileSync(configFile, bak);
  const mine = next.servers.find((s) => s.id === myId);
  writeAtomically(configFile, editedStaticConfig(text, target, mine?.client !== undefined));
  return target;
}
