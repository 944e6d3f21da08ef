// The quota commands, with zkCli's flags and messages: setquota, listquota, delquota. The work
// is the client's (setQuota, listQuota, deleteQuota); the servers keep the stats.
import { NoNodeError, formatStatsTrackEntries, quotaLimitPath, QUOTA_ROOT } from "@warden/client";
import { deleteQuota, listQuota, setQuota, type QuotaKind } from "@warden/client";
import { usage, type CommandSpec } from "../command.js";
import type { ShellContext } from "../context.js";
import { UsageError } from "../tokenize.js";

const KIND_OF_FLAG: Readonly<Record<string, QuotaKind>> = { n: "count", b: "bytes", N: "countHardLimit", B: "byteHardLimit" };
/** The largest count quota ZooKeeper's int field holds. */
const INT_MAX = 2 ** 31 - 1;
/** Digits a quota argument may have (any 18-digit number fits a long). */
const LONG_DIGITS_MAX = 18;

/** zkCli prints some messages to its error stream; a context without one prints them to out. */
const printErr = (ctx: ShellContext, text: string) => (ctx.err ? ctx.err(text) : ctx.out(text));

/** The one flag of an option group of -n, -b, -N, -B (commons-cli allows one of them). */
function oneFlag(spec: CommandSpec, flags: ReadonlyMap<string, string | true>, required: boolean): string | undefined {
  const given = [...flags.keys()];
  if (given.length > 1) throw usage(spec, `only one of -n, -b, -N, -B may be given, got -${given.join(", -")}`);
  if (required && given.length === 0) throw usage(spec, "one of -n, -b, -N, -B is required");
  return given[0];
}

/** SetQuotaCommand.checkOptionValue: -n and -N an int above zero, -b and -B a long of zero or more. */
function limitValue(flag: string, text: string): number {
  const count = flag === "n" || flag === "N";
  const n = /^[+-]?\d+$/.test(text) && text.replace(/^[+-]/, "").length <= LONG_DIGITS_MAX ? Number(text) : NaN;
  if (Number.isNaN(n) || (count && Math.abs(n) > INT_MAX))
    throw new UsageError("NumberFormatException happens when parsing the option value");
  if (count && n <= 0) throw new UsageError("the num quota must be greater than zero");
  if (!count && n < 0) throw new UsageError("the bytes quota must be greater than or equal to zero");
  return n;
}

const setquota: CommandSpec = {
  name: "setquota",
  usage: "setquota -n|-b|-N|-B val path",
  flags: { n: "value", b: "value", N: "value", B: "value" },
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, command) {
    const flag = oneFlag(this, command.flags, true)!;
    const path = command.args[0]!;
    if (path.startsWith(QUOTA_ROOT)) throw new UsageError(`cannot set a quota under the path: ${QUOTA_ROOT}`);
    const value = limitValue(flag, command.flags.get(flag) as string);
    for (const warning of await setQuota(await ctx.client(), path, KIND_OF_FLAG[flag]!, value)) ctx.out(`${warning}\n`);
  },
};

const listquota: CommandSpec = {
  name: "listquota",
  usage: "listquota path",
  flags: {},
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, command) {
    const path = command.args[0]!;
    printErr(ctx, `absolute path is ${quotaLimitPath(path)}\n`);
    try {
      const { limits, stats } = await listQuota(await ctx.client(), path);
      ctx.out(`Output quota for ${path} ${formatStatsTrackEntries(limits)}\nOutput stat for ${path} ${formatStatsTrackEntries(stats)}\n`);
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      printErr(ctx, `quota for ${path} does not exist.\n`);
    }
  },
};

const delquota: CommandSpec = {
  name: "delquota",
  usage: "delquota [-n|-b|-N|-B] path",
  flags: { n: "boolean", b: "boolean", N: "boolean", B: "boolean" },
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, command) {
    const flag = oneFlag(this, command.flags, false);
    const path = command.args[0]!;
    if (!(await deleteQuota(await ctx.client(), path, flag === undefined ? [] : [KIND_OF_FLAG[flag]!])))
      ctx.out(`Quota does not exist for ${path}\n`);
  },
};

export const QUOTA_COMMANDS: readonly CommandSpec[] = [setquota, listquota, delquota];
