import { readFileSync, writeFileSync } from "node:fs";

/** One command of a transcript: comment lines, the command line, and its expected output. */
export interface TranscriptBlock {
  readonly comments: readonly string[];
  readonly command: string;
  readonly expected: string;
  /** 1-based line of the command in the file. */
  readonly line: number;
}

const SEPARATOR = "----";

/**
 * Transcripts as in etcd raft's testdata: "# comments", a command line, "----", the output,
 * a blank line. Output lines are never blank (the handler prints "ok" for nothing).
 */
export function parseTranscript(text: string): TranscriptBlock[] {
  const lines = text.split("\n");
  const blocks: TranscriptBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const comments: string[] = [];
    while (i < lines.length && (lines[i]!.startsWith("#") || lines[i]!.trim() === "")) {
      if (lines[i]!.startsWith("#")) comments.push(lines[i]!);
      i++;
    }
    if (i >= lines.length) break;
    const command = lines[i]!;
    const line = i + 1;
    i++;
    if (lines[i] !== SEPARATOR) throw new Error(`transcript line ${line + 1}: expected "${SEPARATOR}" after "${command}"`);
    i++;
    const out: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== "") out.push(lines[i++]!);
    blocks.push({ comments, command, expected: out.join("\n"), line });
  }
  return blocks;
}

export function formatTranscript(blocks: readonly { comments: readonly string[]; command: string; output: string }[]): string {
  return `${blocks.map((b) => [...b.comments, b.command, SEPARATOR, b.output].join("\n")).join("\n\n")}\n`;
}

export interface TranscriptMismatch {
  readonly line: number;
  readonly command: string;
  readonly expected: string;
  readonly actual: string;
}

/**
 * Run every command through `handle` (a fresh handler state per file, owned by the caller).
 * With UPDATE_TRANSCRIPTS=1 the file is rewritten with the actual outputs (review the diff);
 * otherwise mismatches are returned.
 */
export function runTranscriptFile(path: string, handle: (command: string, args: string[]) => string): TranscriptMismatch[] {
  const blocks = parseTranscript(readFileSync(path, "utf8"));
  return settle(
    path,
    blocks.map((b) => ({ ...b, output: outputOf(() => handle(...split(b.command))) })),
  );
}

/**
 * runTranscriptFile for a handler that must let promises settle between commands (a client
 * whose calls resolve on later turns); commands still run one at a time, in file order.
 */
export async function runTranscriptFileAsync(
  path: string,
  handle: (command: string, args: string[]) => Promise<string>,
): Promise<TranscriptMismatch[]> {
  const blocks = parseTranscript(readFileSync(path, "utf8"));
  const results: (TranscriptBlock & { output: string })[] = [];
  for (const b of blocks) {
    let output: string;
    try {
      output = await handle(...split(b.command));
    } catch (e) {
      output = errorOutput(e);
    }
    results.push({ ...b, output: output === "" ? "ok" : output });
  }
  return settle(path, results);
}

function split(commandLine: string): [string, string[]] {
  const [command, ...args] = commandLine.trim().split(/\s+/);
  return [command!, args];
}

const errorOutput = (e: unknown) => `error: ${e instanceof Error ? e.message : String(e)}`;

function outputOf(run: () => string): string {
  let output: string;
  try {
    output = run();
  } catch (e) {
    output = errorOutput(e);
  }
  return output === "" ? "ok" : output;
}

/** With UPDATE_TRANSCRIPTS=1 rewrites the file with the actual outputs; otherwise returns the mismatches. */
function settle(path: string, results: readonly (TranscriptBlock & { output: string })[]): TranscriptMismatch[] {
  if (process.env.UPDATE_TRANSCRIPTS === "1") {
    writeFileSync(path, formatTranscript(results));
    return [];
  }
  return results
    .filter((r) => r.output !== r.expected)
    .map((r) => ({ line: r.line, command: r.command, expected: r.expected, actual: r.output }));
}
