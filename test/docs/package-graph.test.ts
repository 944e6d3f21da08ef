// The package table of docs/design.md says what packages/arrows.json says (the arrows are written
// once there and checked against every package.json, tsconfig.json and import by
// test/architecture.test.ts); and imports between packages go through each package's exports.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "./markdown.js";
import { arrowsGraph, documentedGraph, type Graph, importProblems, tableDrift, workspaces } from "./package-graph.js";

const names = workspaces().map((w) => w.name);

describe("the package graph", () => {
  it("the design's table is packages/arrows.json, row for row", () => {
    const documented = documentedGraph(readFileSync(join(REPO, "docs/design.md"), "utf8"), names);
    expect(tableDrift(documented, arrowsGraph())).toEqual([]);
  });

  it("imports between packages go through each package's exports, and none leaves its package by a relative path", () => {
    expect(importProblems()).toEqual([]);
  });
});

describe("the table checker", () => {
  const graph = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

  it("reads the may-import column of the table", () => {
    const table =
      "| package | what | may import |\n| --- | --- | --- |\n| `protocol` | codes | — |\n| `tree` | the tree, `a` b | `protocol` |\n";
    expect(documentedGraph(table, ["protocol", "tree"])).toEqual(graph({ protocol: [], tree: ["protocol"] }));
  });

  it("reports a row that differs, a missing row and an extra one", () => {
    const documented = graph({ protocol: [], tree: ["protocol", "server"], cli: [] });
    const arrows = graph({ protocol: [], tree: ["protocol"], server: ["tree"] });
    expect(tableDrift(documented, arrows)).toEqual([
      "tree: the design says it may import [protocol server], packages/arrows.json [protocol]",
      "the design lists cli, which packages/arrows.json does not",
      "the design's table has no row for server",
    ]);
  });
});
