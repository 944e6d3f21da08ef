// A shell command's description (name, flags, arguments, usage) and parsing one line's
// words against it, with commons-cli's habits as zkCli uses them: flags anywhere, boolean
// flags bundled (`-es`), a valued flag as `-v 3` or `-v3`, and `--` ending the flags.
import { WardenError } from "@warden/client";
import type { ShellContext } from "./context.js";
import { UsageError } from "./tokenize.js";

export type FlagKind = "boolean" | "value";

export interface CommandSpec {
  name: string;
  /** zkCli's usage line, e.g. `ls [-s] [-w] [-R] path`. */
  usage: string;
  flags: Readonly<Record<string, FlagKind>>;
  argsMin: number;
  argsMax: number;
  /** Positions of arguments that are znode paths (for tab completion). */
  pathArgs: readonly number[];
  run(ctx: ShellContext, command: ParsedCommand): Promise<void>;
}

export interface ParsedCommand {
  name: string;
  /** Boolean flags map to true; valued flags to their value. */
  flags: ReadonlyMap<string, string | true>;
  args: readonly string[];
}

const looksLikeFlag = (word: string) => /^-[A-Za-z]/.test(word);

export function findCommand(specs: readonly CommandSpec[], name: string): CommandSpec {
  const spec = specs.find((s) => s.name === name);
  if (spec === undefined) throw new UsageError(`unknown command "${name}"; type help for the list`);
  return spec;
}

export function parseCommand(spec: CommandSpec, words: readonly string[]): ParsedCommand {
  const flags = new Map<string, string | true>();
  const args: string[] = [];
  let flagsEnded = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (flagsEnded || !looksLikeFlag(word)) {
      if (word === "--" && !flagsEnded) flagsEnded = true;
      else args.push(word);
      continue;
    }
    i += readFlags(spec, word, words[i + 1], flags);
  }
  if (args.length < spec.argsMin) throw usage(spec, "missing arguments");
  if (args.length > spec.argsMax) throw usage(spec, `unexpected argument "${args[spec.argsMax]}"`);
  return { name: spec.name, flags, args };
}

/** Reads one word of flags into `flags`; returns 1 when it took the next word as a value. */
function readFlags(spec: CommandSpec, word: string, next: string | undefined, flags: Map<string, string | true>): number {
  // A long option with one dash (commons-cli's -file, -members, -add, -remove of reconfig).
  const whole = word.slice(1);
  if (whole.length > 1 && spec.flags[whole] !== undefined) {
    if (spec.flags[whole] === "boolean") return (flags.set(whole, true), 0);
    if (next === undefined) throw usage(spec, `option -${whole} needs a value`);
    flags.set(whole, next);
    return 1;
  }
  for (let j = 1; j < word.length; j++) {
    const letter = word[j]!;
    const kind = spec.flags[letter];
    if (kind === undefined) throw usage(spec, `unknown option -${letter}`);
    if (kind === "boolean") {
      flags.set(letter, true);
      continue;
    }
    const inline = word.slice(j + 1);
    if (inline !== "") {
      flags.set(letter, inline);
      return 0;
    }
    if (next === undefined) throw usage(spec, `option -${letter} needs a value`);
    flags.set(letter, next);
    return 1;
  }
  return 0;
}

export function usage(spec: CommandSpec, reason: string): UsageError {
  return new UsageError(`${reason}\nusage: ${spec.usage}`);
}

/** A flag's value as an integer in [min, max]; undefined when the flag is absent. */
export function intFlag(spec: CommandSpec, command: ParsedCommand, letter: string, min: number, max: number): number | undefined {
  const value = command.flags.get(letter);
  if (value === undefined) return undefined;
  const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw usage(spec, `-${letter} needs an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

/** A failure already reported to the user (a redone command's): counted, not printed again. */
export class ReportedError extends WardenError {
  constructor() {
    super({ code: "WARDEN_ERR_ALREADY_REPORTED", message: "already reported" });
  }
}
