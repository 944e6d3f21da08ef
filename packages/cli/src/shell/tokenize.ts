// Splitting a shell line into words, as zkCli does: whitespace separates, and single or
// double quotes keep a word together (`set /a "hello world"`). Inside double quotes and
// outside quotes a backslash escapes the next character; inside single quotes nothing is special.

import { WardenError } from "@warden/client";

export class UsageError extends WardenError {
  constructor(message: string) {
    super({ code: "WARDEN_ERR_USAGE", message });
  }
}

/** Words in one line at most; a longer line is refused rather than parsed. */
export const WORDS_MAX = 1024;

export function tokenize(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= "";
    } else if (/\s/.test(c)) {
      if (word !== undefined) push(words, word);
      word = undefined;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (quote !== undefined) throw new UsageError(`unclosed ${quote === '"' ? "double" : "single"} quote`);
  if (word !== undefined) push(words, word);
  return words;
}

function push(words: string[], word: string): void {
  if (words.length >= WORDS_MAX) throw new UsageError(`more than ${WORDS_MAX} words in one command`);
  words.push(word);
}
