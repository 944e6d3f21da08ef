// What a command may use of the shell: where to print, the connected client, the watcher
// that prints events, and the session-level verbs. The Shell implements it; tests may too.
import type { Client, WatchListener } from "@warden/client";
import type { CommandSpec } from "./command.js";

export interface HistoryEntry {
  number: number;
  line: string;
}

export interface ShellContext {
  /** Prints to standard output (text ends with its own newline). */
  out(text: string): void;
  /** Prints to standard error, where zkCli prints some messages (absent: to out). */
  err?(text: string): void;
  /** The client, once connected; fails when there is none or it does not connect in time. */
  client(): Promise<Client>;
  /** Prints watch events as zkCli does (unless `printwatches off`). */
  readonly watcher: WatchListener;
  printWatches: boolean;
  readonly commands: readonly CommandSpec[];
  /** Closes the current session, if any, and opens one to `connectString`. */
  connect(connectString: string): Promise<void>;
  /** Closes the current session; later commands fail until `connect`. */
  close(): Promise<void>;
  /** The last commands run, oldest first, with their numbers. */
  history(): readonly HistoryEntry[];
  /** Runs command `number` of the history again; false when it failed. */
  redo(number: number): Promise<boolean>;
  /** Ends the shell after this command. */
  quit(): void;
}
