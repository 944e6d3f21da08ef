// The package graph as the code draws it (imports, package.json dependencies, tsconfig
// references) and as docs/design.md draws it (the "may import" column of its package table).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
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

/** Imports between packages that break the rules: no such package, a subpath it does not export, or a relative path out of the package. */
export function importProblems(root = REPO): string[] {
  const all = workspaces(root);
  const byName = new Map(all.map((w) => [w.name, w]));
  const problems: string[] = [];
  for (const w of all) {
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
        } else if (spec!.startsWith(".") && !resolve(dirname(file), spec!).startsWith(`${w.dir}/`)) {
          problems.push(`${where}: imports ${spec}, outside its package`);
        }
      }
    }
  }
  return problems;
}

/** Where the design's table and packages/arrows.json (the one written source of the arrows) disagree. */
export function tableDrift(documented: Graph, arrows: Graph): string[] {
  const problems: string[] = [];
  for (const name of new Set([...documented.keys(), ...arrows.keys()])) {
    const d = documented.get(name);
    const a = arrows.get(name);
    if (!d) problems.push(`the design's table has no row for ${name}`);
    else if (!a) problems.push(`the design lists ${name}, which packages/arrows.json does not`);
    else if ([...d].sort().join(" ") !== [...a].sort().join(" "))
      problems.push(
        `${name}: the design says it may import [${[...d].sort().join(" ")}], packages/arrows.json [${[...a].sort().join(" ")}]`,
      );
  }
  return problems;
}

/** packages/arrows.json's "may" lists. */
export function arrowsGraph(root = REPO): Graph {
  const { packages } = JSON.parse(readFileSync(join(root, "packages/arrows.json"), "utf8")) as {
    packages: Record<string, { may: string[] }>;
  };
  return new Map(Object.entries(packages).map(([name, p]) => [name, new Set(p.may)]));
}
