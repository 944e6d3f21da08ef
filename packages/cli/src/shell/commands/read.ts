// The reading commands: ls, get, stat, getAcl, getEphemerals, getAllChildrenNumber.
import { NoNodeError } from "@warden/client";
import type { CommandSpec } from "../command.js";
import { formatAclEntry } from "../acl.js";
import { formatList, formatStat } from "../format.js";
import { listSubtree } from "../tree-walk.js";

const utf8 = new TextDecoder();

const ls: CommandSpec = {
  name: "ls",
  usage: "ls [-s] [-w] [-R] path",
  flags: { s: "boolean", w: "boolean", R: "boolean" },
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, { flags, args }) {
    const client = await ctx.client();
    const path = args[0]!;
    if (flags.has("R")) {
      for (const node of await listSubtree(client, path)) ctx.out(`${node}\n`);
      return;
    }
    const watch = flags.has("w") ? ctx.watcher : undefined;
    const { children, stat } = await client.getChildren(path, { stat: true, ...(watch ? { watch } : {}) });
    ctx.out(formatList(children.sort()));
    if (flags.has("s")) ctx.out(formatStat(stat));
  },
};

const get: CommandSpec = {
  name: "get",
  usage: "get [-s] [-w] path",
  flags: { s: "boolean", w: "boolean" },
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, { flags, args }) {
    const client = await ctx.client();
    const watch = flags.has("w") ? ctx.watcher : undefined;
    const { data, stat } = await client.getData(args[0]!, watch ? { watch } : {});
    // zkCli prints null data as "null".
    ctx.out(`${data === null ? "null" : utf8.decode(data)}\n`);
    if (flags.has("s")) ctx.out(formatStat(stat));
  },
};

const stat: CommandSpec = {
  name: "stat",
  usage: "stat [-w] path",
  flags: { w: "boolean" },
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, { flags, args }) {
    const client = await ctx.client();
    const path = args[0]!;
    const watch = flags.has("w") ? ctx.watcher : undefined;
    const found = await client.exists(path, watch ? { watch } : {});
    if (found === null) throw new NoNodeError(undefined, path);
    ctx.out(formatStat(found));
  },
};

const getAcl: CommandSpec = {
  name: "getAcl",
  usage: "getAcl [-s] path",
  flags: { s: "boolean" },
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, { flags, args }) {
    const { acl, stat } = await (await ctx.client()).getACL(args[0]!);
    for (const entry of acl) ctx.out(formatAclEntry(entry));
    if (flags.has("s")) ctx.out(formatStat(stat));
  },
};

const getEphemerals: CommandSpec = {
  name: "getEphemerals",
  usage: "getEphemerals [path]",
  flags: {},
  argsMin: 0,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, { args }) {
    const ephemerals = await (await ctx.client()).getEphemerals(args[0] ?? "/");
    ctx.out(formatList(ephemerals.sort()));
  },
};

const getAllChildrenNumber: CommandSpec = {
  name: "getAllChildrenNumber",
  usage: "getAllChildrenNumber path",
  flags: {},
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, { args }) {
    ctx.out(`${await (await ctx.client()).getAllChildrenNumber(args[0]!)}\n`);
  },
};

export const READ_COMMANDS: readonly CommandSpec[] = [ls, get, stat, getAcl, getEphemerals, getAllChildrenNumber];
