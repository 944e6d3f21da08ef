// Reading the repository's Markdown: which files, their fenced code blocks, their links.
// Shared by the documentation tests (links.test.ts, readme-examples.test.ts).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** Every tracked or new (not ignored) *.md file of the repository, relative to its root. */
export function markdownFiles(root = REPO): string[] {
  let listed: string[];
  try {
    const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "*.md"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    listed = out.split("\0");
  } catch {
    // Not a git checkout (an unpacked archive): every *.md outside what is never checked in.
    listed = walkMarkdown(root, "");
  }
  return listed.filter((f) => f !== "" && !/(^|\/)(node_modules|dist)\//.test(f) && existsSync(`${root}/${f}`)).sort();
}

const NEVER_CHECKED_IN = new Set(["node_modules", "dist", ".git", "test-artifacts", "coverage"]);

function walkMarkdown(root: string, dir: string): string[] {
  return readdirSync(`${root}/${dir}`, { withFileTypes: true }).flatMap((e) => {
    const path = dir === "" ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory()) return NEVER_CHECKED_IN.has(e.name) ? [] : walkMarkdown(root, path);
    return e.isFile() && e.name.endsWith(".md") ? [path] : [];
  });
}

/** The languages whose blocks are type-checked; `js` blocks are checked as JavaScript. */
export const CHECKED_LANGUAGES: Record<string, "ts" | "js"> = {
  ts: "ts",
  typescript: "ts",
  js: "js",
  javascript: "js",
};

export interface CodeBlock {
  /** The Markdown file, relative to the repository's root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string's first word, lower-cased ("" when none). */
  language: string;
  /** The block's text, without the fences. */
  code: string;
  /** Code the reader does not see, from `<!-- example-preamble: ... -->` just before the fence. */
  preamble: string;
  /** 1-based line where the preamble's code starts (0 when there is none). */
  preambleLine: number;
}

const PREAMBLE_OPEN = "<!-- example-preamble:";

/**
 * The fenced code blocks of a Markdown text (``` or ~~~, indented up to three spaces, as
 * CommonMark says). A block's preamble is an HTML comment `<!-- example-preamble: CODE -->`
 * ending on the line before the fence (blank lines between are allowed): declarations of the
 * free names of a fragment, so that the fragment can be checked as it is shown.
 */
export function codeBlocks(file: string, markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const closing = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !closing.test(lines[end]!)) end++;
    blocks.push({
      file,
      line: i + 1,
      language: open[2]!.toLowerCase(),
      code: lines.slice(i + 1, end).join("\n"),
      ...preambleBefore(lines, i),
    });
    i = end;
  }
  return blocks;
}

function preambleBefore(lines: string[], fenceIndex: number): { preamble: string; preambleLine: number } {
  let end = fenceIndex - 1;
  while (end >= 0 && lines[end]!.trim() === "") end--;
  if (end < 0 || !lines[end]!.trimEnd().endsWith("-->")) return { preamble: "", preambleLine: 0 };
  let start = end;
  while (start >= 0 && !lines[start]!.includes("<!--")) start--;
  if (start < 0 || !lines[start]!.trimStart().startsWith(PREAMBLE_OPEN)) return { preamble: "", preambleLine: 0 };
  const text = lines.slice(start, end + 1).join("\n");
  const body = text.slice(text.indexOf(PREAMBLE_OPEN) + PREAMBLE_OPEN.length, text.lastIndexOf("-->"));
  // The body keeps its line breaks, so the preamble's first line is the comment's own.
  return { preamble: body, preambleLine: start + 1 };
}

/** Inline links and images `[text](target)` and reference definitions `[x]: target`, outside code. */
export function links(markdown: string): { target: string; line: number }[] {
  const found: { target: string; line: number }[] = [];
  const lines = markdown.split("\n");
  let fence: string | undefined;
  lines.forEach((raw, i) => {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (f) {
      if (fence === undefined) fence = f[1]![0];
      else if (f[1]![0] === fence) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const text = raw.replace(/`[^`]*`/g, "");
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ target: m[1]!, line: i + 1 });
    const def = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/.exec(text);
    if (def) found.push({ target: def[1]!, line: i + 1 });
  });
  return found;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown text's headings (outside code), with GitHub's -1, -2 for repeats. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fence: string | undefined;
  for (const raw of markdown.split("\n")) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (f) {
      if (fence === undefined) fence = f[1]![0];
      else if (f[1]![0] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (!h) continue;
    const base = headingAnchor(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) result.add(m[1]!);
  return result;
}
