import type { CommandSpec } from "../command.js";
import { READ_COMMANDS } from "./read.js";
import { SESSION_COMMANDS } from "./session.js";
import { WATCH_COMMANDS } from "./watch.js";
import { WRITE_COMMANDS } from "./write.js";
import { QUOTA_COMMANDS } from "./quota.js";
import { CONFIG_COMMANDS } from "./config.js";

/** Every shell command, zkCli's names. */
export const COMMANDS: readonly CommandSpec[] = [
  ...READ_COMMANDS,
  ...WRITE_COMMANDS,
  ...QUOTA_COMMANDS,
  ...CONFIG_COMMANDS,
  ...WATCH_COMMANDS,
  ...SESSION_COMMANDS,
];
