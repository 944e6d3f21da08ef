// Loading a server's configuration: the file, the flags over it, then dataDir/myid and the
// server's own client address.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { lookupKey } from "./keys.js";
import { ownClientAddress } from "./dynamic.js";
import { parseProperties } from "./parse.js";
// config.ts imports this file: these are only used when a configuration is loaded, after both loaded.
import { ConfigError, buildConfig, type RawConfig, type ServerConfig } from "./config.js";

/** Reads dataDir/myid when the configuration lists servers; standalone servers are id 0... */
function readMyId(cfg: ServerConfig, override: string | undefined): number {
  if (cfg.servers.length === 0) return override ? Number(override) : 1;
  const file = join(cfg.dataDir, "myid");
  const text = override ?? (existsSync(file) ? readFileSync(file, "utf8").trim() : undefined);
  if (text === undefined)
    throw new ConfigError(`${file} is missing: it must hold this server's id (one of ${cfg.servers.map((s) => s.id).join(", ")})`);
  const id = Number(text);
  if (!/^\d+$/.test(text) || !cfg.servers.some((s) => s.id === id)) {
    throw new ConfigError(`${override !== undefined ? "--myid" : file}: "${text}" is not the id of a server.N line`);
  }
  return id;
}

/**
 * Loads the configuration: the file (if any), then flag overrides (ZooKeeper key names,
 * e.g. { dataDir: "/d", nativePort: "2282" }), then dataDir/myid.
 */
export function loadConfig(file: string | undefined, overrides: Record<string, string> = {}): ServerConfig {
  let raw: RawConfig = new Map();
  let baseDir = process.cwd();
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError(`cannot read configuration ${file}: ${(e as Error).message}`);
    }
    raw = parseProperties(text, file);
    baseDir = dirname(resolve(file));
  }
  const { myid, ...rest } = overrides;
  for (const [key, value] of Object.entries(rest)) {
    // A flag wins over the file's line for the same key, whatever spelling either uses.
    const name = lookupKey(key)?.name;
    for (const other of [...raw.keys()]) if (name !== undefined && lookupKey(other)?.name === name) raw.delete(other);
    raw.set(key, { value, where: `--${key}` });
  }
  const cfg = buildConfig(raw, baseDir);
  if (file !== undefined) cfg.configFile = resolve(file);
  cfg.myId = readMyId(cfg, myid);
  const client = ownClientAddress(cfg.servers, cfg.myId, {
    port: cfg.clientPort,
    host: cfg.clientPortAddress,
    portGiven: [...raw.keys()].some((k) => lookupKey(k)?.name === "clientPort"),
  });
  cfg.clientPort = client.port;
  cfg.clientPortAddress = client.host;
  return cfg;
}
