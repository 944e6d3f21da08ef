// Every TypeScript and JavaScript example in the repository's Markdown compiles against the
// workspace packages as they are, and every command the root README names exists.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { CHECKED_LANGUAGES, type CodeBlock, codeBlocks, markdownFiles, REPO } from "./markdown.js";
import { type BlockProblem, typeCheckBlocks } from "./typecheck.js";
import { commandProblems } from "./commands.js";

const read = (file: string) => readFileSync(`${REPO}/${file}`, "utf8");

// Blocks that must fail, checked in the same program as the real ones (one program, one pass).
const BROKEN: CodeBlock[] = [
  // The storage README's old recovery example: DataTree has no loadFrom.
  fixture(
    "import { DataTree } from '@warden/tree';\nimport { Storage } from '@warden/storage';\n" +
      "const storage = await Storage.open('d');\nconst tree = new DataTree();\n" +
      "await storage.loadNewestSnapshot(async (s) => tree.loadFrom(s.chunks));",
    "",
  ),
  // A fragment whose free name has no preamble.
  fixture("await client.connected();", ""),
  // A JavaScript block calling what the package does not export.
  { ...fixture("import { createClientt } from '@warden/client';\ncreateClientt('127.0.0.1:2281');", ""), language: "js" },
];
const FIXED: CodeBlock[] = [
  // The same fragment with a preamble that declares its free name.
  fixture("await client.connected();", "\nimport type { Client } from '@warden/client';\ndeclare const client: Client;\n"),
];

function fixture(code: string, preamble: string): CodeBlock {
  return { file: "fixture.md", line: 1, language: "ts", code, preamble, preambleLine: preamble === "" ? 0 : 1 };
}

describe("Markdown code blocks", () => {
  const blocks = markdownFiles().flatMap((file) => codeBlocks(file, read(file)));
  let problems: BlockProblem[] = [];
  // One program for every block, the real ones and the fixtures (parsing the packages is the cost).
  beforeAll(() => {
    problems = typeCheckBlocks([...blocks, ...BROKEN, ...FIXED]);
  });
  const of = (block: CodeBlock) => problems.filter((p) => p.block === block);

  it("finds the examples of the root README, the docs and every package README", () => {
    const checked = blocks.filter((b) => CHECKED_LANGUAGES[b.language] !== undefined);
    const files = new Set(checked.map((b) => b.file));
    for (const f of ["README.md", "packages/client/README.md", "packages/storage/README.md", "packages/recipes/README.md"]) {
      expect(files).toContain(f);
    }
    expect(checked.length).toBeGreaterThanOrEqual(15);
  });

  it("every ts and js block type-checks against the workspace packages", () => {
    const real = problems.filter((p) => !BROKEN.includes(p.block) && !FIXED.includes(p.block));
    expect(real.map((p) => `${p.where}: ${p.message}`)).toEqual([]);
  });

  it("the checker fails a block that calls a method that does not exist", () => {
    expect(of(BROKEN[0]!).map((p) => p.message)).toEqual([
      expect.stringMatching(/TS2339: Property 'loadFrom' does not exist on type 'DataTree'/),
    ]);
    expect(of(BROKEN[0]!)[0]!.where).toBe("fixture.md:6");
  });

  it("the checker fails a fragment with a free name, and passes it once a preamble declares it", () => {
    expect(of(BROKEN[1]!).map((p) => p.message)).toEqual([expect.stringMatching(/Cannot find name 'client'/)]);
    expect(of(FIXED[0]!)).toEqual([]);
  });

  it("the checker checks JavaScript blocks too", () => {
    expect(of(BROKEN[2]!).map((p) => p.message)).toEqual([expect.stringMatching(/has no exported member named 'createClientt'/)]);
  });
});

describe("commands named in the READMEs", () => {
  it("every npm run script the root README names exists, and every node or bench path is a file of the repository", () => {
    expect(commandProblems(read("README.md"))).toEqual([]);
  });

  it("so does every command in the other Markdown files", () => {
    expect(markdownFiles().flatMap((f) => commandProblems(read(f)).map((p) => `${f}: ${p}`))).toEqual([]);
  });

  it("a script or a path that does not exist is reported", () => {
    const text = "Run `npm run nosuch` then `node bench/nosuch.mjs` and `npm run build`:\n\n    node bin/warden shell\n";
    expect(commandProblems(text)).toEqual(["npm run nosuch: no such script in package.json", "bench/nosuch.mjs: no such file"]);
    expect(commandProblems("`node --expose-gc bench/gone.bench.mjs` and `node scripts/gone.mjs`")).toEqual([
      "bench/gone.bench.mjs: no such file",
      "scripts/gone.mjs: no such file",
    ]);
  });
});
