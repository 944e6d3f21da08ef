// The watch commands: addWatch, removewatches, printwatches.
import { AddWatchMode, WatcherType } from "@warden/client";
import { usage, type CommandSpec } from "../command.js";

const MODES: Record<string, AddWatchMode> = {
  persistent: AddWatchMode.PERSISTENT,
  persistentRecursive: AddWatchMode.PERSISTENT_RECURSIVE,
};

const addWatch: CommandSpec = {
  name: "addWatch",
  usage: "addWatch [-m mode] path # optional mode is one of [persistent, persistentRecursive] - default is persistentRecursive",
  flags: { m: "value" },
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, command) {
    const name = command.flags.get("m") ?? "persistentRecursive";
    const mode = typeof name === "string" ? MODES[name] : undefined;
    if (mode === undefined) throw usage(this, `Unsupported mode: ${String(name)}`);
    await (await ctx.client()).addWatch(command.args[0]!, mode, ctx.watcher);
  },
};

const removewatches: CommandSpec = {
  name: "removewatches",
  usage: "removewatches path [-c|-d|-a] [-l]",
  flags: { c: "boolean", d: "boolean", a: "boolean", l: "boolean" },
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, { flags, args }) {
    const chosen = ["c", "d", "a"].filter((f) => flags.has(f));
    if (chosen.length > 1) throw usage(this, "-c, -d and -a are exclusive");
    const type = flags.has("c") ? WatcherType.Children : flags.has("d") ? WatcherType.Data : WatcherType.Any;
    await (await ctx.client()).removeAllWatches(args[0]!, type, { local: flags.has("l") });
  },
};

const printwatches: CommandSpec = {
  name: "printwatches",
  usage: "printwatches on|off",
  flags: {},
  argsMin: 0,
  argsMax: 1,
  pathArgs: [],
  async run(ctx, { args }) {
    const [value] = args;
    if (value === undefined) {
      ctx.out(`printwatches is ${ctx.printWatches ? "on" : "off"}\n`);
      return;
    }
    if (value !== "on" && value !== "off") throw usage(this, `expected on or off, got "${value}"`);
    ctx.printWatches = value === "on";
  },
};

export const WATCH_COMMANDS: readonly CommandSpec[] = [addWatch, removewatches, printwatches];
