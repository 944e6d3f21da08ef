// The writing commands: create, set, delete, deleteall, setAcl.
import { CreateMode, NoNodeError, OPEN_ACL_UNSAFE, TTL_MS_MAX } from "@warden/client";
import type { Client } from "@warden/client";
import { intFlag, usage, type CommandSpec, type ParsedCommand } from "../command.js";
import { parseAcl } from "../acl.js";
import { formatStat } from "../format.js";
import { listSubtree } from "../tree-walk.js";

/** The largest -v version a command accepts (ZooKeeper's int version). */
const VERSION_MAX = 0x7fffffff;

/** The create mode of zkCli's flags, with its refusals of the combinations that make no sense. */
export function createMode(spec: CommandSpec, flags: ParsedCommand["flags"]): CreateMode {
  const [e, s, c, t] = ["e", "s", "c", "t"].map((f) => flags.has(f));
  if (c && (e || s)) throw usage(spec, "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.");
  if (t && e) throw usage(spec, "TTLs cannot be used with Ephemeral znodes");
  if (t && c) throw usage(spec, "TTLs cannot be used with Container znodes");
  if (e) return s ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL;
  if (s) return t ? CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL : CreateMode.PERSISTENT_SEQUENTIAL;
  if (c) return CreateMode.CONTAINER;
  return t ? CreateMode.PERSISTENT_WITH_TTL : CreateMode.PERSISTENT;
}

const create: CommandSpec = {
  name: "create",
  usage: "create [-s] [-e] [-c] [-t ttl] path [data] [acl]",
  flags: { e: "boolean", s: "boolean", c: "boolean", t: "value" },
  argsMin: 1,
  argsMax: 3,
  pathArgs: [0],
  async run(ctx, command) {
    const mode = createMode(this, command.flags);
    const ttl = intFlag(this, command, "t", 1, Number(TTL_MS_MAX));
    const [path, data, aclText] = command.args;
    const acl = aclText === undefined ? OPEN_ACL_UNSAFE : parseAcl(aclText);
    // zkCli sends null data when none is given (get then prints "null"), not empty data.
    const created = await (await ctx.client()).create(path!, data ?? null, { mode, acl, ...(ttl === undefined ? {} : { ttl }) });
    ctx.out(`Created ${created}\n`);
  },
};

const set: CommandSpec = {
  name: "set",
  usage: "set [-s] [-v version] path data",
  flags: { s: "boolean", v: "value" },
  argsMin: 2,
  argsMax: 2,
  pathArgs: [0],
  async run(ctx, command) {
    const version = intFlag(this, command, "v", -1, VERSION_MAX) ?? -1;
    const stat = await (await ctx.client()).setData(command.args[0]!, command.args[1]!, version);
    if (command.flags.has("s")) ctx.out(formatStat(stat));
  },
};

const remove: CommandSpec = {
  name: "delete",
  usage: "delete [-v version] path",
  flags: { v: "value" },
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, command) {
    const version = intFlag(this, command, "v", -1, VERSION_MAX) ?? -1;
    await (await ctx.client()).delete(command.args[0]!, version);
  },
};

/** Deletes `root` and everything under it, deepest first; nodes others delete meanwhile are skipped. */
export async function deleteRecursive(client: Client, root: string): Promise<void> {
  const nodes = await listSubtree(client, root);
  const depth = (p: string) => (p === "/" ? 0 : p.split("/").length - 1);
  const byDepth = new Map<number, string[]>();
  for (const node of nodes) {
    if (node === "/" || node === "/zookeeper" || node.startsWith("/zookeeper/")) continue;
    const d = depth(node);
    let level = byDepth.get(d);
    if (level === undefined) byDepth.set(d, (level = []));
    level.push(node);
  }
  for (const d of [...byDepth.keys()].sort((a, b) => b - a)) {
    await Promise.all(
      byDepth.get(d)!.map((p) =>
        client.delete(p).catch((e) => {
          if (!(e instanceof NoNodeError) || p === root) throw e;
        }),
      ),
    );
  }
}

const deleteall: CommandSpec = {
  name: "deleteall",
  usage: "deleteall path",
  flags: {},
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, command) {
    await deleteRecursive(await ctx.client(), command.args[0]!);
  },
};

const setAcl: CommandSpec = {
  name: "setAcl",
  usage: "setAcl [-s] [-v version] [-R] path acl",
  flags: { s: "boolean", v: "value", R: "boolean" },
  argsMin: 2,
  argsMax: 2,
  pathArgs: [0],
  async run(ctx, command) {
    const version = intFlag(this, command, "v", -1, VERSION_MAX) ?? -1;
    const [path, aclText] = command.args as [string, string];
    const acl = parseAcl(aclText);
    const client = await ctx.client();
    if (command.flags.has("R")) {
      for (const node of await listSubtree(client, path)) await client.setACL(node, acl, version);
      return;
    }
    const stat = await client.setACL(path, acl, version);
    if (command.flags.has("s")) ctx.out(formatStat(stat));
  },
};

export const WRITE_COMMANDS: readonly CommandSpec[] = [create, set, remove, deleteall, setAcl];
