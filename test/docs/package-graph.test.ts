// The package graph of docs/design.md is the code's: every import between packages is an arrow
// of the design's table (and every arrow is used), declared as a dependency and a tsconfig
// reference, through the package's exports only, and the graph has no cycle.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "./markdown.js";
import { codeGraph, documentedGraph, type Graph, graphProblems, workspaces } from "./package-graph.js";

const names = workspaces().map((w) => w.name);

describe("the package graph", () => {
  it("the design's table has a row for every package", () => {
    const documented = documentedGraph(readFileSync(join(REPO, "docs/design.md"), "utf8"), names);
    expect([...documented.keys()].sort()).toEqual([...names].sort());
  });

  it("the code imports exactly the design's arrows, each declared, through exports only, with no cycle", () => {
    const documented = documentedGraph(readFileSync(join(REPO, "docs/design.md"), "utf8"), names);
    const { imports, problems } = codeGraph();
    expect([...problems, ...graphProblems(documented, imports)]).toEqual([]);
  });
});

describe("the graph checker", () => {
  const graph = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

  it("reads the may-import column of the table", () => {
    const table =
      "| package | what | may import |\n| --- | --- | --- |\n| `protocol` | codes | — |\n| `tree` | the tree, `a` b | `protocol` |\n";
    expect(documentedGraph(table, ["protocol", "tree"])).toEqual(graph({ protocol: [], tree: ["protocol"] }));
  });

  it("reports a forbidden arrow, an unused one, and a cycle", () => {
    const documented = graph({ protocol: [], tree: ["protocol"], server: ["tree", "protocol"] });
    const code = graph({ protocol: ["server"], tree: [], server: ["tree", "protocol"] });
    expect(graphProblems(documented, code)).toEqual([
      "@warden/protocol imports @warden/server: no such arrow in the design",
      "the design lets @warden/tree import @warden/protocol, which it does not",
      "a cycle: protocol -> server -> protocol",
    ]);
  });
});
