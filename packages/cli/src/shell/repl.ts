// The interactive shell: node:readline with zkCli's prompt, tab completion, history kept
// across runs, and watch events printed above the prompt as they arrive.
import type { ClientOptions } from "@warden/client";
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import { complete } from "./completion.js";
import { HISTORY_LINES_MAX, loadHistory, saveHistory } from "./history-file.js";
import { Shell, type ShellIO } from "./shell.js";

export interface ReplOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errorOutput: NodeJS.WritableStream;
  historyFile: string;
  /** Options of the shell's client (TLS). */
  clientOptions?: ClientOptions;
}

/**
 * Output for an interactive shell: while a command runs, text goes straight out; at other
 * times (a watch event) the prompt line is cleared, the text printed, and the prompt redrawn.
 */
class PromptAwareIO implements ShellIO {
  rl: Interface | undefined;
  busy = true;
  /** The prompt as it should read now (the connection state may have just changed). */
  promptText: () => string = () => "";
  constructor(private readonly options: ReplOptions) {}

  out(text: string): void {
    this.#write(this.options.output, text);
  }
  err(text: string): void {
    this.#write(this.options.errorOutput, text);
  }
  #write(stream: NodeJS.WritableStream, text: string): void {
    if (this.busy || this.rl === undefined) {
      stream.write(text);
      return;
    }
    clearLine(this.options.output, 0);
    cursorTo(this.options.output, 0);
    stream.write(text);
    this.rl.setPrompt(this.promptText());
    this.rl.prompt(true);
  }
}

export function prompt(shell: Shell): string {
  return `[warden: ${shell.connectString ?? ""}(${shell.stateName}) ${shell.commandNumber}] `;
}

/** Runs the interactive shell until quit, exit, or end of input; true when no command failed. */
export async function runRepl(connectString: string, options: ReplOptions): Promise<boolean> {
  const io = new PromptAwareIO(options);
  const shell = new Shell({
    io,
    stateChanges: { write: "out" },
    ...(options.clientOptions ? { clientOptions: options.clientOptions } : {}),
  });
  await shell.connect(connectString);
  const rl = createInterface({
    input: options.input,
    output: options.output,
    terminal: true,
    history: loadHistory(options.historyFile),
    historySize: HISTORY_LINES_MAX,
    completer: (line: string, callback: (err: Error | null, result: [string[], string]) => void) => {
      complete({ commandNames: shell.commands.map((c) => c.name), client: () => shell.currentClient }, line).then(
        (r) => callback(null, r),
        (e: Error) => callback(e, [[], line]),
      );
    },
  });
  io.rl = rl;
  io.promptText = () => prompt(shell);
  let historyWarned = false;
  rl.on("history", (history: string[]) => {
    try {
      saveHistory(options.historyFile, history);
    } catch (e) {
      if (!historyWarned) options.errorOutput.write(`cannot save history to ${options.historyFile}: ${(e as Error).message}\n`);
      historyWarned = true;
    }
  });
  rl.on("SIGINT", () => {
    if (rl.line === "") rl.close();
    else {
      rl.write(null, { ctrl: true, name: "u" });
      options.output.write("\n");
      rl.prompt();
    }
  });
  return readLines(shell, rl, io);
}

async function readLines(shell: Shell, rl: Interface, io: PromptAwareIO): Promise<boolean> {
  let allOk = true;
  const showPrompt = () => {
    rl.setPrompt(prompt(shell));
    io.busy = false;
    rl.prompt();
  };
  try {
    showPrompt();
    for await (const line of rl) {
      io.busy = true;
      if (!(await shell.execute(line))) allOk = false;
      if (shell.quitRequested) break;
      showPrompt();
    }
  } finally {
    io.busy = true;
    rl.close();
    await shell.close();
  }
  return allOk;
}
