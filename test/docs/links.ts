// What a clone of the repository needs to read its Markdown: every relative link resolves to a
// file of the repository (and an anchor to a heading of it), and no text points outside it.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { anchors, links, REPO } from "./markdown.js";

/** Text that names something outside the repository: the shared notes, this machine's work tree. */
const OUTSIDE = [/\.\.\/shared\b/, /\/work\//];

/** The problems of one Markdown file (its path relative to root, and its text), as `file:line: what`. */
export function linkProblems(file: string, markdown: string, root = REPO): string[] {
  const problems: string[] = [];
  markdown.split("\n").forEach((line, i) => {
    for (const pattern of OUTSIDE) {
      if (pattern.test(line)) problems.push(`${file}:${i + 1}: names something outside the repository (${pattern.source})`);
    }
  });
  for (const { target, line } of links(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...
    const where = `${file}:${line}: ${target}`;
    const [pathPart = "", fragment] = target.split("#", 2) as [string, string | undefined];
    const path = decodeURIComponent(pathPart);
    if (path.startsWith("/")) {
      problems.push(`${where}: an absolute path (a clone has no such file; link relative to this file)`);
      continue;
    }
    if (path === "") {
      if (fragment !== undefined && !anchors(markdown).has(decodeURIComponent(fragment))) problems.push(`${where}: no such heading`);
      continue;
    }
    const resolved = normalize(join(root, dirname(file), path));
    const inside = relative(root, resolved);
    if (inside.startsWith("..")) {
      problems.push(`${where}: outside the repository`);
      continue;
    }
    if (!existsSync(resolved)) {
      problems.push(`${where}: no such file`);
      continue;
    }
    if (fragment !== undefined && resolved.endsWith(".md") && statSync(resolved).isFile()) {
      if (!anchors(readFileSync(resolved, "utf8")).has(decodeURIComponent(fragment))) problems.push(`${where}: no such heading`);
    }
  }
  return problems;
}

const TOP_LEVEL = /^(?:\.ci|bench|bin|docs|examples|packages|scripts|test)\//;

/** Paths of the repository named in `code spans` (not globs or placeholders) that do not exist. */
export function pathProblems(file: string, markdown: string, root = REPO): string[] {
  const problems: string[] = [];
  markdown.split("\n").forEach((line, i) => {
    for (const [, span] of line.matchAll(/`([^`\s]+)`/g)) {
      const path = span!.replace(/[.,:;]+$/, "");
      if (!TOP_LEVEL.test(path) || /[*<>{}$]/.test(path)) continue;
      if (!existsSync(join(root, dirname(file), path)) && !existsSync(join(root, path)))
        problems.push(`${file}:${i + 1}: ${path}: no such file`);
    }
  });
  return problems;
}
