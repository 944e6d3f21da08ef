// Path validation: ZooKeeper's rules (PathUtils.validatePath) and messages, checked against a
// character-by-character model of them; and nameProblem, which a snapshot load uses to check
// only a node's name after its (valid) parent's path, against the whole-path check.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nameProblem, PATH_CHARS_MAX, pathProblem } from "../src/path.js";
import { propertyRuns } from "../../testing/src/sizes.js";

/** ZooKeeper's validatePath, a character at a time, as the model. */
function modelProblem(p: string): string | undefined {
  if (p.length === 0) return "path length must be > 0";
  if (p.length > PATH_CHARS_MAX) return `path longer than ${PATH_CHARS_MAX} characters`;
  if (p[0] !== "/") return "path must start with / character";
  if (p.length === 1) return undefined;
  if (p.endsWith("/")) return "path must not end with / character";
  let last = "/";
  for (let i = 1; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 0x2f && last === "/") return `empty node name specified @${i}`;
    if (c === 0x2f && last === "." && (p[i - 2] === "/" || (p[i - 2] === "." && p[i - 3] === "/"))) {
      return `relative paths not allowed @${p[i - 2] === "/" ? i - 1 : i - 2}`;
    }
    if ((c > 0 && c < 0x1f + 1) || c === 0 || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0) {
      return `invalid character @${i}`;
    }
    last = p[i]!;
  }
  if (last === "." && (p[p.length - 2] === "/" || (p[p.length - 2] === "." && p[p.length - 3] === "/"))) {
    return `relative paths not allowed @${p[p.length - 2] === "/" ? p.length - 1 : p.length - 2}`;
  }
  return undefined;
}

/** Characters that make paths interesting: separators, dots, the invalid ranges' edges, and plain ones. */
const char = fc.constantFrom(
  "/",
  ".",
  "a",
  "z",
  "0",
  " ",
  "~",
  "\u0000",
  "\u001f",
  "\u007f",
  "\u009f",
  "\u00a0",
  "\ud800",
  "\uf8ff",
  "\uf900",
  "\ufff0",
  "é",
);
const pathText = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(""));
const name = fc
  .array(
    char.filter((c) => c !== "/"),
    { maxLength: 5 },
  )
  .map((cs) => cs.join(""));

describe("path validation", () => {
  it("gives ZooKeeper's messages", () => {
    const cases: [string, string | undefined][] = [
      ["/", undefined],
      ["/a/b.c/..d/...", undefined],
      ["", "path length must be > 0"],
      ["a", "path must start with / character"],
      ["/a/", "path must not end with / character"],
      ["/a//b", "empty node name specified @3"],
      ["/a/./b", "relative paths not allowed @3"],
      ["/a/..", "relative paths not allowed @3"],
      ["/.", "relative paths not allowed @1"],
      ["/a\u0001/./b", "invalid character @2"],
      ["/a/b\ud800", "invalid character @4"],
      [`/${"x".repeat(PATH_CHARS_MAX)}`, `path longer than ${PATH_CHARS_MAX} characters`],
    ];
    for (const [path, problem] of cases) expect(pathProblem(path), JSON.stringify(path)).toBe(problem);
    expect(pathProblem("/a/", true)).toBeUndefined(); // a sequential create's prefix
    expect(pathProblem(7)).toBe("path must be a string");
  });

  it("agrees with the model on any string of separators, dots and edge characters", () => {
    fc.assert(
      fc.property(pathText, fc.boolean(), (tail, slash) => {
        const path = slash ? `/${tail}` : tail;
        expect(pathProblem(path)).toBe(modelProblem(path));
      }),
      propertyRuns(2000),
    );
  });

  it("checks a name after a valid parent exactly as the whole path is checked", () => {
    const validParent = pathText.map((t) => `/${t}`).filter((p) => pathProblem(p) === undefined);
    fc.assert(
      fc.property(validParent, name, (parent, n) => {
        fc.pre(parent !== "/" || n !== ""); // that is "/" itself: no name
        const path = parent === "/" ? `/${n}` : `${parent}/${n}`;
        expect(nameProblem(path, path.lastIndexOf("/") + 1) === undefined).toBe(pathProblem(path) === undefined);
      }),
      propertyRuns(2000),
    );
    const long = `/${"x".repeat(PATH_CHARS_MAX - 3)}/ab`;
    expect(nameProblem(long, long.lastIndexOf("/") + 1)).toMatch(/longer/);
  });
});
