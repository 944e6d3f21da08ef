import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BOUNDS_FILE, boundsDoc, boundsTable } from "../../scripts/docs-bounds.mjs";

interface Row {
  name: string;
  value: string;
  unit: string;
  what: string;
  file: string;
}
const rows = (): Row[] => (boundsTable() as { rows: Row[] }[]).flatMap((s) => s.rows);

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Every `NAME_MAX`-style declaration at the top level of a package's src, found by a plain line match. */
function declaredBounds(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".ts")) {
        for (const line of readFileSync(path, "utf8").split("\n")) {
          const m = /^(?:export )?const ([A-Z][A-Z0-9_]*_(?:MAX|MIN|BYTES|MS))\b/.exec(line);
          if (m) out.push(m[1]!);
        }
      }
    }
  };
  for (const pkg of readdirSync(join(root, "packages"))) {
    const src = join(root, "packages", pkg, "src");
    try {
      readdirSync(src);
    } catch {
      continue;
    }
    walk(src);
  }
  return out.sort();
}

describe("docs/bounds.md, the table of hard-coded bounds", () => {
  it("is what npm run docs:bounds generates from the sources (run it after adding or changing a bound)", () => {
    expect(readFileSync(BOUNDS_FILE, "utf8")).toBe(boundsDoc());
  });

  it("has a row for every top-level *_MAX, *_MIN, *_BYTES and *_MS constant declared in a package's src", () => {
    expect(
      rows()
        .map((r) => r.name)
        .sort(),
    ).toEqual(declaredBounds());
  });

  it("says what each bound bounds: every constant has its own comment", () => {
    expect(
      rows()
        .filter((r) => r.what === "")
        .map((r) => `${r.file}: ${r.name}`),
    ).toEqual([]);
  });

  it("gives each bound its value, unit and file", () => {
    const admin = rows().find((r) => r.name === "ADMIN_CONNECTIONS_MAX");
    expect(admin).toMatchObject({ value: "64", unit: "count", file: "packages/server/src/admin/listener.ts" });
    const chunk = rows().find((r) => r.name === "SNAPSHOT_CHUNK_BYTES_MAX");
    expect(chunk).toMatchObject({ value: "2 * MiB = 2097152", unit: "bytes" });
    const timeout = rows().find((r) => r.name === "SESSION_TIMEOUT_MS_MAX");
    expect(timeout).toMatchObject({ value: "24 * 60 * 60 * 1000 = 86400000", unit: "ms" });
  });
});
