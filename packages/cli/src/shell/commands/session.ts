// The session and shell commands: addauth, whoami, sync, connect, close, history, redo,
// printing help, quit and exit.
import { ReportedError, usage, type CommandSpec } from "../command.js";

const addauth: CommandSpec = {
  name: "addauth",
  usage: "addauth scheme auth",
  flags: {},
  argsMin: 2,
  argsMax: 2,
  pathArgs: [],
  async run(ctx, { args }) {
    await (await ctx.client()).addAuth(args[0]!, args[1]!);
  },
};

const whoami: CommandSpec = {
  name: "whoami",
  usage: "whoami",
  flags: {},
  argsMin: 0,
  argsMax: 0,
  pathArgs: [],
  async run(ctx) {
    const ids = await (await ctx.client()).whoAmI();
    ctx.out(`Auth scheme: User\n${ids.map((id) => `${id.scheme}: ${id.id}\n`).join("")}`);
  },
};

const sync: CommandSpec = {
  name: "sync",
  usage: "sync path",
  flags: {},
  argsMin: 1,
  argsMax: 1,
  pathArgs: [0],
  async run(ctx, { args }) {
    await (await ctx.client()).sync(args[0]!);
    ctx.out("Sync is OK\n");
  },
};

const connect: CommandSpec = {
  name: "connect",
  usage: "connect host:port[,host:port...][/chroot]",
  flags: {},
  argsMin: 1,
  argsMax: 1,
  pathArgs: [],
  async run(ctx, { args }) {
    await ctx.connect(args[0]!);
  },
};

const close: CommandSpec = {
  name: "close",
  usage: "close",
  flags: {},
  argsMin: 0,
  argsMax: 0,
  pathArgs: [],
  async run(ctx) {
    await ctx.close();
  },
};

const history: CommandSpec = {
  name: "history",
  usage: "history",
  flags: {},
  argsMin: 0,
  argsMax: 0,
  pathArgs: [],
  async run(ctx) {
    for (const entry of ctx.history()) ctx.out(`${entry.number} - ${entry.line}\n`);
  },
};

const redo: CommandSpec = {
  name: "redo",
  usage: "redo cmdno",
  flags: {},
  argsMin: 1,
  argsMax: 1,
  pathArgs: [],
  async run(ctx, { args }) {
    const number = /^\d+$/.test(args[0]!) ? Number(args[0]) : NaN;
    if (!Number.isSafeInteger(number)) throw usage(this, `not a command number: "${args[0]}"`);
    if (!(await ctx.redo(number))) throw new ReportedError();
  },
};

const help: CommandSpec = {
  name: "help",
  usage: "help",
  flags: {},
  argsMin: 0,
  argsMax: 0,
  pathArgs: [],
  async run(ctx) {
    const lines = [...ctx.commands].sort((a, b) => a.name.localeCompare(b.name)).map((c) => `\t${c.usage}\n`);
    ctx.out(`warden shell [connect string] [-c command]\n${lines.join("")}`);
  },
};

const quitCommand = (name: string): CommandSpec => ({
  name,
  usage: name,
  flags: {},
  argsMin: 0,
  argsMax: 0,
  pathArgs: [],
  async run(ctx) {
    ctx.quit();
  },
});

export const SESSION_COMMANDS: readonly CommandSpec[] = [
  addauth,
  whoami,
  sync,
  connect,
  close,
  history,
  redo,
  help,
  quitCommand("quit"),
  quitCommand("exit"),
];
