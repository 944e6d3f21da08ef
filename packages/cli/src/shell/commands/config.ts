// zkCli's config and reconfig (GetConfigCommand, ReconfigCommand), with their flags and
// output: `config [-c] [-w] [-s]` prints /zookeeper/config (or, with -c, the client
// connection string ConfigUtils.getClientConfigStr makes of it); `reconfig` sends op 16 and
// prints "Committed new configuration:" and the configuration.
import { readFileSync } from "node:fs";
import {
  BadArgumentsError,
  ErrorCode,
  WardenError,
  clientConfigString,
  formatDynamicConfig,
  parseDynamicConfig,
  parseVersionHex,
} from "@warden/client";
import type { ReconfigSpec } from "@warden/client";
import { usage, type CommandSpec, type ParsedCommand } from "../command.js";
import { formatStat } from "../format.js";
import { UsageError } from "../tokenize.js";

const utf8 = new TextDecoder();

const config: CommandSpec = {
  name: "config",
  usage: "config [-c] [-w] [-s]",
  flags: { c: "boolean", w: "boolean", s: "boolean" },
  argsMin: 0,
  argsMax: 0,
  pathArgs: [],
  async run(ctx, { flags }) {
    const client = await ctx.client();
    const watch = flags.has("w") ? ctx.watcher : undefined;
    const { data, stat } = await client.getConfig(watch ? { watch } : {});
    const text = data === null ? "null" : utf8.decode(data);
    ctx.out(`${flags.has("c") ? clientConfigString(text) : text}\n`);
    if (flags.has("s")) ctx.out(formatStat(stat));
  },
};

/** ReconfigCommand.parse: the request's fields from the flags, with its checks and messages. */
export function reconfigSpecOf(
  spec: CommandSpec,
  { flags }: ParsedCommand,
  readFile = (path: string) => readFileSync(path, "utf8"),
): ReconfigSpec {
  const has = (f: string) => flags.has(f);
  const value = (f: string) => flags.get(f) as string;
  if (!(has("file") || has("members")) && !has("add") && !has("remove"))
    throw usage(spec, "one of -file, -members, -add, -remove is required");
  const out: ReconfigSpec = {};
  if (has("v")) {
    const version = parseVersionHex(value("v"));
    if (version === undefined) throw new UsageError("-v must be followed by a long (configuration version)");
    out.fromConfig = version;
  }
  if ((has("file") || has("members")) && (has("add") || has("remove"))) {
    throw new UsageError(
      "Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)",
    );
  }
  if (has("file") && has("members")) throw new UsageError("Can't use -file and -members together (conflicting non-incremental modes)");
  if (has("add")) out.joining = value("add").toLowerCase();
  if (has("remove")) out.leaving = value("remove").toLowerCase();
  if (has("members")) out.newMembers = value("members").toLowerCase();
  if (has("file")) {
    // The client checks the file as the leader will (parseDynamicConfig) and sends QuorumMaj's text of it.
    try {
      out.newMembers = formatDynamicConfig(parseDynamicConfig(readFile(value("file"))));
    } catch (e) {
      const message = e instanceof BadArgumentsError || e instanceof Error ? e.message : String(e);
      throw new UsageError(`Error processing ${value("file")}${message}`);
    }
  }
  return out;
}

const reconfig: CommandSpec = {
  name: "reconfig",
  usage:
    "reconfig [-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]",
  flags: { s: "boolean", v: "value", file: "value", members: "value", add: "value", remove: "value" },
  argsMin: 0,
  argsMax: 0,
  pathArgs: [],
  async run(ctx, command) {
    const request = reconfigSpecOf(this, command);
    const client = await ctx.client();
    const { text, stat } = await client.reconfig(request).catch((e: unknown) => {
      throw e instanceof WardenError ? new UsageError(reconfigFailure(e.zkCode ?? ErrorCode.SYSTEM_ERROR)) : e;
    });
    ctx.out(`Committed new configuration:\n${text}\n`);
    if (command.flags.has("s")) ctx.out(formatStat(stat));
  },
};

/** CliWrapperException's text of ZooKeeperAdmin.reconfigure's KeeperException (its path is ""). */
const CODE_MESSAGES: Partial<Record<number, string>> = {
  [ErrorCode.RECONFIG_DISABLED]: "Reconfig is disabled",
  [ErrorCode.UNIMPLEMENTED]: "Unimplemented",
  [ErrorCode.MARSHALLING_ERROR]: "MarshallingError",
};
export function reconfigFailure(code: number): string {
  switch (code) {
    case ErrorCode.NO_AUTH:
      return "Insufficient permission : ";
    case ErrorCode.BAD_ARGUMENTS:
      return "Arguments are not valid : ";
    case ErrorCode.BAD_VERSION:
      return "version No is not valid : ";
    case ErrorCode.RECONFIG_IN_PROGRESS:
      return "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)";
    case ErrorCode.NEW_CONFIG_NO_QUORUM:
      return "No quorum of new config is connected and up-to-date with the leader of last commmitted config - try invoking reconfiguration after new servers are connected and synced";
    default:
      return `KeeperErrorCode = ${CODE_MESSAGES[code] ?? `error ${code}`}`;
  }
}

export const CONFIG_COMMANDS: readonly CommandSpec[] = [config, reconfig];
