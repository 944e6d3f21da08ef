// The commands a README tells people to run: `npm run <script>` must be a script of the root
// package.json, and `node <file>` or a `bench/...` path must be a file of the repository.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./markdown.js";

export function commandProblems(markdown: string, root = REPO): string[] {
  const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const problems: string[] = [];
  const report = (problem: string) => {
    if (!problems.includes(problem)) problems.push(problem);
  };
  for (const m of markdown.matchAll(/\bnpm run ([\w:.-]+)/g)) {
    if (!(m[1]! in scripts)) report(`npm run ${m[1]}: no such script in package.json`);
  }
  // `node [--flag ...] path`: the first argument that is not a flag, when it names a file.
  for (const m of markdown.matchAll(/\bnode((?:\s+--?[\w-]+(?:=\S+)?)*)\s+([\w./-]+)/g)) {
    const path = m[2]!.replace(/[.,:;]+$/, "");
    if (!path.includes("/") && !/\.[cm]?js$/.test(path)) continue; // `node 20`, "a node that..."
    if (path.startsWith("../")) continue; // another checkout, named as such ("node ../other/bin/warden")
    if (!existsSync(join(root, path))) report(`${path}: no such file`);
  }
  for (const m of markdown.matchAll(/(?<![\w./-])bench\/[\w./-]*/g)) {
    const path = m[0].replace(/[.,:;]+$/, "");
    if (!existsSync(join(root, path))) report(`${path}: no such file`);
  }
  return problems;
}
