// Writes docs/bounds.md: every hard-coded bound declared at the top level of a package's src
// (a constant named *_MAX, *_MIN, *_BYTES or *_MS), with its value, unit, what it bounds (its
// comment) and its file. Run through `npm run docs:bounds`; test/docs/bounds.test.ts fails when
// the file is stale, so a new or changed constant shows up in review with its row.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const BOUNDS_FILE = join(ROOT, "docs", "bounds.md");

/** A name this table covers: upper snake case ending in a bound word or a unit. */
export const BOUND_NAME = /^[A-Z][A-Z0-9_]*_(MAX|MIN|BYTES|MS)$/;
const DECLARATION = /^(export\s+)?const\s+([A-Z][A-Z0-9_]*)\s*(?::\s*[^=]+)?=\s*(.*)$/;
const NUMERIC_DECLARATION = /^(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*(?::\s*[^=]+)?=\s*([^;]+);/;
/** Operators and literals an evaluated value may contain; anything else is shown as written. */
const ARITHMETIC = /^[\s\d_a-fA-FxXnN.+\-*/%()<>|&^~]*$/;

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function packages() {
  return readdirSync(join(ROOT, "packages"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** The comment that documents line `i`: a JSDoc or `//` block right above it, or one on the line. */
function commentAbove(lines, i) {
  const trailing = /;\s*\/\/\s*(.*)$/.exec(lines[i]);
  let j = i - 1;
  if (j >= 0 && lines[j].trim().endsWith("*/")) {
    const end = j;
    while (j >= 0 && !lines[j].trim().startsWith("/*")) j--;
    return lines
      .slice(j, end + 1)
      .join(" ")
      .replace(/\/\*\*?|\*\/|^\s*\*|\s\*(?=\s)/g, " ");
  }
  const block = [];
  while (j >= 0 && lines[j].trim().startsWith("//")) block.unshift(lines[j--].trim().replace(/^\/\/\s?/, ""));
  if (block.length > 0) return block.join(" ");
  return trailing ? trailing[1] : "";
}

function tidy(text) {
  return text.replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
}

/** Values of the file's top-level numeric constants, in declaration order. */
function evaluate(expression, scope) {
  let bigint = false;
  const substituted = expression.replace(/\b[A-Za-z_$][\w$]*\b/g, (name) => {
    if (name === "BigInt") {
      bigint = true;
      return "";
    }
    if (/^0[xXbBoO]/.test(name) || /^\d/.test(name)) return name;
    return name in scope ? `(${scope[name]}${typeof scope[name] === "bigint" ? "n" : ""})` : "\u0000";
  });
  if (substituted.includes("\u0000") || !ARITHMETIC.test(substituted.replace(/\b0[xX][\da-fA-F_]+n?\b/g, "0"))) return undefined;
  try {
    const value = Function(`"use strict"; return (${substituted.replace(/(\d)_(?=\d)/g, "$1")});`)();
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "bigint" || bigint) return BigInt(value);
  } catch {
    return undefined;
  }
  return undefined;
}

function unitOf(name) {
  const words = name.split("_");
  while (words.length > 1 && (words.at(-1) === "MAX" || words.at(-1) === "MIN")) words.pop();
  const last = words.at(-1);
  if (last === "BYTES") return "bytes";
  if (last === "MS") return "ms";
  if (last === "CHARS") return "characters";
  return "count";
}

function valueText(expression, value) {
  const written = expression.replace(/\s+as\s+const$/, "").trim();
  if (value === undefined) return written;
  const plain = String(value);
  return written.replace(/_/g, "") === plain ? written : `${written} = ${plain}`;
}

/** One row per bound constant of one source file. */
function boundsOf(file) {
  const lines = readFileSync(file, "utf8").split("\n");
  const scope = { KiB: 1024, MiB: 1024 * 1024, GiB: 1024 * 1024 * 1024 };
  const rows = [];
  for (let i = 0; i < lines.length; i++) {
    const numeric = NUMERIC_DECLARATION.exec(lines[i]);
    const declared = DECLARATION.exec(lines[i]);
    const value = numeric ? evaluate(numeric[2], scope) : undefined;
    if (numeric && value !== undefined) scope[numeric[1]] = value;
    if (!declared || !BOUND_NAME.test(declared[2])) continue;
    const expression = declared[3].endsWith("{") ? "{ … }" : declared[3].replace(/;\s*(\/\/.*)?$/, "");
    const what = commentAbove(lines, i);
    const row = {
      name: declared[2],
      value: valueText(expression, value),
      unit: unitOf(declared[2]),
      what: tidy(what),
      file: relative(ROOT, file).split("\\").join("/"),
    };
    rows.push(row);
  }
  return rows;
}

/** Every bound constant, by package, then file, then declaration order. */
export function boundsTable() {
  return packages().map((pkg) => {
    const src = join(ROOT, "packages", pkg, "src");
    let files = [];
    try {
      files = sourceFiles(src).sort();
    } catch {
      files = [];
    }
    return { pkg, rows: files.flatMap(boundsOf) };
  });
}

function table(rows) {
  const head = ["Name", "Value", "Unit", "What it bounds", "File"];
  const cells = rows.map((r) => [`\`${r.name}\``, `\`${r.value.replace(/\|/g, "\\|")}\``, r.unit, r.what || "—", `\`${r.file}\``]);
  const line = (c) => `| ${c.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...cells.map(line)].join("\n");
}

/** The text of docs/bounds.md. */
export function boundsDoc() {
  const sections = boundsTable().filter((s) => s.rows.length > 0);
  const count = sections.reduce((n, s) => n + s.rows.length, 0);
  const parts = [
    "# Hard-coded bounds",
    "",
    "<!-- Generated by `npm run docs:bounds` (scripts/docs-bounds.mjs); test/docs/bounds.test.ts fails when it is stale. Do not edit by hand. -->",
    "",
    `Every constant declared at the top level of a package's \`src\` whose name ends in \`_MAX\`, \`_MIN\`, \`_BYTES\` or \`_MS\` (${count} in all): the limits that are not configuration keys. Configurable limits are in [configuration.md](configuration.md). "What it bounds" is the constant's own comment (the block right above it, or one at the end of its line).`,
  ];
  for (const s of sections) parts.push("", `## ${s.pkg}`, "", table(s.rows));
  return `${parts.join("\n")}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(BOUNDS_FILE, boundsDoc());
  console.log(`wrote ${BOUNDS_FILE}`);
}
