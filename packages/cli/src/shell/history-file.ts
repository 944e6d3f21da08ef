// The interactive shell's line history, kept across runs in ~/.warden_history (or
// $WARDEN_HISTORY_FILE), oldest line first, bounded to HISTORY_LINES_MAX lines.
import { readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Lines the history file keeps; older ones are dropped on write. */
export const HISTORY_LINES_MAX = 1000;

export function historyFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.WARDEN_HISTORY_FILE || join(homedir(), ".warden_history");
}

/** The saved lines, newest first (readline's order); none when the file is missing or unreadable. */
export function loadHistory(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-HISTORY_LINES_MAX)
    .reverse();
}

/** Saves readline's history (newest first) as lines, oldest first; throws when it cannot write. */
export function saveHistory(file: string, newestFirst: readonly string[]): void {
  const lines = newestFirst.slice(0, HISTORY_LINES_MAX).reverse();
  writeFileSync(file, lines.map((l) => `${l}\n`).join(""), { mode: 0o600 });
}
