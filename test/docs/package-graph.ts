// The package graph as the code draws it (imports, package.json dependencies, tsconfig
// references) and as docs/design.md draws it (the "may import" column of its package table).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { REPO } from "./markdown.js";

export type Graph = Map<string, Set<string>>;

interface Workspace {
  /** Short name: "server" for @warden/server. */
  name: string;
  dir: string;
  pkg: { name: string; dependencies?: Record<string, string>; exports?: Record<string, unknown> };
}

export function workspaces(root = REPO): Workspace[] {
  const dirs = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;
  return dirs.map((d) => {
    const pkg = JSON.parse(readFileSync(join(root, d, "package.json"), "utf8")) as Workspace["pkg"];
    return { name: pkg.name.replace(/^@warden\//, ""), dir: join(root, d), pkg };
  });
}

/** The "may import" column of the design's package table: rows whose first cell is `name`. */
export function documentedGraph(markdown: string, names: readonly string[]): Graph {
  const graph: Graph = new Map();
  for (const line of markdown.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const first = /^`([a-z-]+)`$/.exec(cells[1] ?? "");
    if (!line.startsWith("|") || !first || !names.includes(first[1]!)) continue;
    const last = cells[cells.length - 2] ?? "";
    graph.set(first[1]!, new Set([...last.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!)));
  }
  return graph;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts|js|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

export interface CodeGraph {
  imports: Graph;
  problems: string[];
}

/** What each package's src/ imports of the others, and imports that break the rules. */
export function codeGraph(root = REPO): CodeGraph {
  const all = workspaces(root);
  const byName = new Map(all.map((w) => [w.name, w]));
  const imports: Graph = new Map();
  const problems: string[] = [];
  for (const w of all) {
    const used = new Set<string>();
    imports.set(w.name, used);
    for (const file of sourceFiles(join(w.dir, "src"))) {
      const where = relative(root, file);
      for (const [, spec] of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
        const warden = /^@warden\/([a-z-]+)(\/.*)?$/.exec(spec!);
        if (warden) {
          const [, target, sub] = warden;
          const other = byName.get(target!);
          if (!other) problems.push(`${where}: imports ${spec}, which is no package of the workspace`);
          else if (sub !== undefined && !Object.hasOwn(other.pkg.exports ?? {}, `.${sub}`)) {
            problems.push(`${where}: imports ${spec}, which @warden/${target} does not export`);
          }
          if (target !== w.name) used.add(target!);
        } else if (spec!.startsWith(".") && !resolve(dirname(file), spec!).startsWith(`${w.dir}/`)) {
          problems.push(`${where}: imports ${spec}, outside its package`);
        }
      }
    }
    for (const target of used) {
      if (!w.pkg.dependencies?.[`@warden/${target}`])
        problems.push(`@warden/${w.name}: imports @warden/${target} without a dependency on it in package.json`);
    }
    const references = tsconfigReferences(w.dir);
    for (const target of used) {
      const other = byName.get(target);
      if (other && !references.includes(other.dir))
        problems.push(`@warden/${w.name}: imports @warden/${target} without a reference to it in tsconfig.json`);
    }
  }
  return { imports, problems };
}

function tsconfigReferences(dir: string): string[] {
  const file = join(dir, "tsconfig.json");
  const { config } = ts.parseConfigFileTextToJson(file, readFileSync(file, "utf8")) as { config?: { references?: { path: string }[] } };
  return (config?.references ?? []).map((r) => resolve(dir, r.path));
}

/** The differences between the documented graph and the code's, and cycles in the code's. */
export function graphProblems(documented: Graph, code: Graph): string[] {
  const problems: string[] = [];
  for (const [from, targets] of code) {
    const allowed = documented.get(from);
    if (!allowed) {
      problems.push(`@warden/${from} is not in the design's package table`);
      continue;
    }
    for (const t of targets) if (!allowed.has(t)) problems.push(`@warden/${from} imports @warden/${t}: no such arrow in the design`);
    for (const t of allowed) if (!targets.has(t)) problems.push(`the design lets @warden/${from} import @warden/${t}, which it does not`);
  }
  for (const from of documented.keys())
    if (!code.has(from)) problems.push(`the design lists ${from}, which is no package of the workspace`);
  const state = new Map<string, "open" | "done">();
  const visit = (n: string, path: string[]): void => {
    if (state.get(n) === "done") return;
    if (state.get(n) === "open") {
      problems.push(`a cycle: ${[...path.slice(path.indexOf(n)), n].join(" -> ")}`);
      return;
    }
    state.set(n, "open");
    for (const t of code.get(n) ?? []) visit(t, [...path, n]);
    state.set(n, "done");
  };
  for (const n of code.keys()) visit(n, []);
  return problems;
}
