// The shell without a terminal: parses and runs one line at a time against a client, keeps
// the numbered history, and prints through the given sinks. The REPL, `-c` and piped input
// are thin layers over `execute`; a program or a test can drive it the same way.
import { createClient, type Client, type ClientOptions, type SessionEvent } from "@warden/client";
import { EventType, KeeperState } from "@warden/client";
import { COMMANDS } from "./commands/index.js";
import { ReportedError, findCommand, parseCommand, type CommandSpec } from "./command.js";
import type { HistoryEntry, ShellContext } from "./context.js";
import { errorMessage, formatEvent } from "./format.js";
import { UsageError, tokenize } from "./tokenize.js";

export interface ShellIO {
  out(text: string): void;
  err(text: string): void;
}

export interface ShellOptions {
  io: ShellIO;
  /**
   * Where connection state changes are printed (absent: not at all): stdout when
   * interactive; stderr without the first connect for scripts, so that stdout holds results only.
   */
  stateChanges?: { write: "out" | "err"; skipConnected?: boolean };
  /** How long a command waits for the connection before failing. Default 10 000. */
  connectTimeoutMs?: number;
  clientOptions?: ClientOptions;
}

/** Commands the `history` and `redo` commands remember (zkCli shows the last eleven). */
export const HISTORY_ENTRIES_MAX = 1000;
const HISTORY_SHOWN = 11;

const STATE_OF_EVENT: Record<SessionEvent, KeeperState> = {
  connected: KeeperState.SyncConnected,
  connectedReadOnly: KeeperState.ConnectedReadOnly,
  reconnected: KeeperState.SyncConnected,
  disconnected: KeeperState.Disconnected,
  expired: KeeperState.Expired,
  authFailed: KeeperState.AuthFailed,
  closed: KeeperState.Closed,
};

export class Shell implements ShellContext {
  readonly commands: readonly CommandSpec[] = COMMANDS;
  printWatches = true;
  readonly watcher = (event: { type: EventType; state: KeeperState; path: string }) => {
    if (this.printWatches) this.#io.out(formatEvent(event));
  };
  readonly #io: ShellIO;
  readonly #options: ShellOptions;
  readonly #history: HistoryEntry[] = [];
  #client: Client | undefined;
  #connectString: string | undefined;
  #stopStateListener: (() => void) | undefined;
  #commandNumber = 0;
  #quitRequested = false;

  constructor(options: ShellOptions) {
    this.#options = options;
    this.#io = options.io;
  }

  /** The number the next command will get (zkCli's prompt shows it). */
  get commandNumber(): number {
    return this.#commandNumber;
  }
  get connectString(): string | undefined {
    return this.#connectString;
  }
  get quitRequested(): boolean {
    return this.#quitRequested;
  }
  /** zkCli's prompt state: CONNECTING, CONNECTED or CLOSED. */
  get stateName(): string {
    const state = this.#client?.state ?? "closed";
    return state === "connected"
      ? "CONNECTED"
      : state === "connectedReadOnly"
        ? "CONNECTEDREADONLY"
        : state === "closed"
          ? "CLOSED"
          : "CONNECTING";
  }
  /** The client of the current session, connected or not (tab completion uses it). */
  get currentClient(): Client | undefined {
    return this.#client;
  }

  out(text: string): void {
    this.#io.out(text);
  }
  err(text: string): void {
    this.#io.err(text);
  }

  /** Runs one line; true when it succeeded (or was blank), false when it failed and said why. */
  async execute(line: string): Promise<boolean> {
    const trimmed = line.trim();
    if (trimmed === "") return true;
    this.#history.push({ number: this.#commandNumber++, line: trimmed });
    if (this.#history.length > HISTORY_ENTRIES_MAX) this.#history.shift();
    return this.#run(trimmed);
  }

  async #run(line: string): Promise<boolean> {
    let path: string | undefined;
    try {
      const words = tokenize(line);
      if (words.length === 0) return true;
      const spec = findCommand(this.commands, words[0]!);
      const command = parseCommand(spec, words.slice(1));
      path = spec.pathArgs.length > 0 ? command.args[spec.pathArgs[0]!] : undefined;
      await spec.run(this, command);
      return true;
    } catch (e) {
      if (!(e instanceof ReportedError)) this.#io.err(`${e instanceof UsageError ? e.message : errorMessage(e, path)}\n`);
      return false;
    }
  }

  async client(): Promise<Client> {
    const client = this.#client;
    if (client === undefined) throw new UsageError("Not connected; use: connect host:port");
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    try {
      await client.connected({ timeoutMs });
    } catch {
      throw new UsageError(`Not connected to ${this.#connectString} after ${timeoutMs} ms`);
    }
    return client;
  }

  async connect(connectString: string): Promise<void> {
    await this.close();
    const client = createClient(connectString, { sessionTimeoutMs: 30_000, ...this.#options.clientOptions });
    this.#client = client;
    this.#connectString = connectString;
    const changes = this.#options.stateChanges;
    if (changes !== undefined) {
      this.#stopStateListener = client.on("state", (event) => {
        if (!this.printWatches || (changes.skipConnected && event === "connected")) return;
        this.#io[changes.write](formatEvent({ type: EventType.None, state: STATE_OF_EVENT[event], path: "" }));
      });
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    this.#client = undefined;
    // The session's own end is not news to whoever closed it.
    this.#stopStateListener?.();
    this.#stopStateListener = undefined;
    await client.close();
  }

  history(): readonly HistoryEntry[] {
    return this.#history.slice(-HISTORY_SHOWN);
  }

  async redo(number: number): Promise<boolean> {
    const entry = this.#history.find((e) => e.number === number);
    if (entry === undefined || number === this.#commandNumber - 1) throw new UsageError("Command index out of range");
    // As zkCli does, the history keeps the command that ran instead of `redo N`.
    this.#history[this.#history.length - 1] = { number: this.#commandNumber - 1, line: entry.line };
    return this.#run(entry.line);
  }

  quit(): void {
    this.#quitRequested = true;
  }
}
