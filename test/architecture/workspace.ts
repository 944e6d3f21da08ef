// Reads the real workspace into the checker's shape: each package's package.json
// dependencies, tsconfig.json references and every TypeScript file under its src/.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Arrows, PackageFacts, SourceFile } from "./check.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export function readArrows(): Arrows {
  return JSON.parse(readFileSync(join(ROOT, "packages", "arrows.json"), "utf8")) as Arrows;
}

function sourcesUnder(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourcesUnder(path));
    else if (/\.(ts|tsx|mts|cts)$/.test(entry.name)) files.push({ path: relative(ROOT, path), text: readFileSync(path, "utf8") });
  }
  return files;
}

export function readWorkspace(): PackageFacts[] {
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { workspaces: string[] };
  return root.workspaces.map((workspace) => {
    const dir = join(ROOT, workspace);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      name: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    const tsconfig = JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")) as { references?: Array<{ path: string }> };
    return {
      name: pkg.name.replace(/^@warden\//, ""),
      dependencies: Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }),
      references: (tsconfig.references ?? []).map((r) => r.path.replace(/^\.\.\//, "")),
      files: sourcesUnder(join(dir, "src")),
    };
  });
}
