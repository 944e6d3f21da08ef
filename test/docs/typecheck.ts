// Type-checks Markdown code blocks with the TypeScript compiler API, as modules that import the
// workspace packages by their names (@warden/client, ...), resolved to the packages' sources.
// One program for all blocks; the blocks live only in memory (nothing is written to disk).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { CHECKED_LANGUAGES, type CodeBlock, REPO } from "./markdown.js";

export interface BlockProblem {
  block: CodeBlock;
  /** Where it is in the Markdown file: `file:line`. */
  where: string;
  message: string;
}

/** `@warden/x` and `@warden/x/sub` mapped to `packages/x/src/....ts`, from each package's exports. */
export function workspacePaths(root = REPO): Record<string, string[]> {
  const workspaces = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;
  const paths: Record<string, string[]> = {};
  for (const dir of workspaces) {
    const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as {
      name: string;
      exports?: Record<string, string | { types?: string }>;
    };
    for (const [subpath, target] of Object.entries(pkg.exports ?? { ".": { types: "./dist/index.d.ts" } })) {
      const types = typeof target === "string" ? undefined : target.types;
      if (types === undefined) continue;
      const source = types.replace(/^\.\/dist\//, "./src/").replace(/\.d\.ts$/, ".ts");
      paths[subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`] = [join(root, dir, source)];
    }
  }
  return paths;
}

/** The in-memory file name of a block: under the repository, so node_modules resolve as for its code. */
function virtualName(block: CodeBlock, index: number): string {
  const base = block.file.replace(/[^A-Za-z0-9]+/g, "-");
  return join(REPO, ".readme-examples", `${index}-${base}-${block.line}.${CHECKED_LANGUAGES[block.language] === "js" ? "mjs" : "mts"}`);
}

/**
 * The text checked for a block: its preamble, then its code at the line the Markdown shows it,
 * then `export {}` so that even a block without imports is a module (top-level await allowed).
 */
function moduleText(block: CodeBlock): { text: string; codeLine: number } {
  const preamble = block.preamble === "" ? "" : `${block.preamble}\n`;
  const codeLine = preamble.split("\n").length; // 1-based line of the code's first line
  return { text: `${preamble}${block.code}\nexport {};\n`, codeLine };
}

export const EXAMPLE_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  allowJs: true,
  checkJs: true,
  noEmit: true,
  skipLibCheck: true,
  esModuleInterop: true,
  types: ["node"],
  typeRoots: [join(REPO, "node_modules", "@types")],
};

/** Checks every block whose language is in CHECKED_LANGUAGES; returns the problems, in block order. */
export function typeCheckBlocks(blocks: readonly CodeBlock[]): BlockProblem[] {
  const checked = blocks.filter((b) => CHECKED_LANGUAGES[b.language] !== undefined);
  const files = new Map<string, { block: CodeBlock; text: string; codeLine: number }>();
  checked.forEach((block, i) => files.set(virtualName(block, i), { block, ...moduleText(block) }));

  const options: ts.CompilerOptions = { ...EXAMPLE_COMPILER_OPTIONS, paths: workspacePaths() };
  const host = ts.createCompilerHost(options, false);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name)?.text ?? readFile.call(host, name);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const virtual = files.get(name);
    if (virtual) return ts.createSourceFile(name, virtual.text, languageVersion, true);
    return getSourceFile.call(host, name, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram([...files.keys()], options, host);

  const problems: BlockProblem[] = [];
  for (const diagnostic of program.getOptionsDiagnostics()) {
    problems.push({
      block: checked[0]!,
      where: "compiler options",
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"),
    });
  }
  for (const [name, { block, codeLine }] of files) {
    const source = program.getSourceFile(name)!;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    for (const d of diagnostics) {
      const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line + 1;
      const mdLine = line >= codeLine ? block.line + (line - codeLine) + 1 : block.preambleLine + line - 1;
      const where = line >= codeLine ? `${block.file}:${mdLine}` : `${block.file}:${mdLine} (preamble)`;
      problems.push({ block, where, message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}` });
    }
  }
  return problems;
}
