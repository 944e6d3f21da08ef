// The repository stands on its own: its Markdown links only to files a clone has, and names
// nothing of the machine or the notes it was written beside.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { linkProblems, pathProblems } from "./links.js";
import { anchors, headingAnchor, markdownFiles, REPO } from "./markdown.js";

describe("the repository's Markdown", () => {
  it("covers the root README, docs/ and every package README", () => {
    const files = markdownFiles();
    for (const f of ["README.md", "docs/configuration.md", "packages/server/README.md", "packages/storage/README.md"]) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => f.includes("node_modules") || f.includes("/dist/"))).toBe(false);
  });

  it("every relative link resolves to a file of the repository, and no text names ../shared or /work/", () => {
    const problems = markdownFiles().flatMap((f) => linkProblems(f, readFileSync(join(REPO, f), "utf8")));
    expect(problems).toEqual([]);
  });

  it("every repository path named in a code span (`packages/...`, `test/...`, ...) exists", () => {
    const problems = markdownFiles().flatMap((f) => pathProblems(f, readFileSync(join(REPO, f), "utf8")));
    expect(problems).toEqual([]);
  });
});

describe("the link checker", () => {
  const root = mkdtempSync(join(tmpdir(), "warden-links-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "docs"));
  writeFileSync(join(root, "docs", "a.md"), "# A title\n\n## Second: `part` (two)\n");

  it("accepts links to files and headings that exist, and reads links outside code blocks only", () => {
    const text =
      "See [a](docs/a.md), [b](docs/a.md#second-part-two), [c](#top), [web](https://example.com/x).\n\n# Top\n\n```\n[x](nosuch.md)\n```\n";
    expect(linkProblems("README.md", text, root)).toEqual([]);
  });

  it("reports a missing file, a missing heading, a link out of the repository and the outside names", () => {
    const text = [
      "[gone](docs/gone.md)",
      "[bad anchor](docs/a.md#nosuch)",
      "[out](../shared/DESIGN.md)",
      "[abs](/etc/passwd)",
      "[here](#nowhere)",
      "read /work/shared/STYLE.md",
    ].join("\n");
    expect(linkProblems("README.md", text, root)).toEqual([
      "README.md:3: names something outside the repository (\\.\\.\\/shared\\b)",
      "README.md:6: names something outside the repository (\\/work\\/)",
      "README.md:1: docs/gone.md: no such file",
      "README.md:2: docs/a.md#nosuch: no such heading",
      "README.md:3: ../shared/DESIGN.md: outside the repository",
      "README.md:4: /etc/passwd: an absolute path (a clone has no such file; link relative to this file)",
      "README.md:5: #nowhere: no such heading",
    ]);
  });

  it("reports a path in a code span that does not exist, and leaves globs and placeholders alone", () => {
    const text = "`docs/a.md` `docs/gone.md`, `packages/*/README.md`, `test/<name>.test.ts`, `src/x.ts`";
    expect(pathProblems("README.md", text, root)).toEqual(["README.md:1: docs/gone.md: no such file"]);
  });

  it("lists the Markdown of a directory that is no git checkout, leaving node_modules out", () => {
    mkdirSync(join(root, "node_modules", "x"), { recursive: true });
    writeFileSync(join(root, "node_modules", "x", "README.md"), "");
    expect(markdownFiles(root)).toEqual(["docs/a.md"]);
  });

  it("computes GitHub's anchors, with -1 for a repeated heading", () => {
    expect(headingAnchor("Peers: who may speak as a server (`ensembleSecretFile`)")).toBe(
      "peers-who-may-speak-as-a-server-ensemblesecretfile",
    );
    expect([...anchors("# Tests\n\n## Tests\n")]).toEqual(["tests", "tests-1"]);
  });
});
