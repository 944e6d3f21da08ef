// The CLI's functions, for programs and tests: the shell without a terminal, and the admin call.
export { Shell, HISTORY_ENTRIES_MAX, type ShellIO, type ShellOptions } from "./shell/shell.js";
export { runScript, streamLines, type ScriptOptions } from "./shell/run.js";
export { runRepl, prompt, type ReplOptions } from "./shell/repl.js";
export { COMMANDS } from "./shell/commands/index.js";
export { parseAcl, formatAclEntry } from "./shell/acl.js";
export { tokenize, UsageError } from "./shell/tokenize.js";
export { adminCommand, type AdminTlsOptions } from "./admin.js";
