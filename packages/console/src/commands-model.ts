// An admin command's JSON answer in a readable form: one row per leaf, its dotted path and
// its value, bounded.

/** Rows shown at most. */
export const COMMAND_ROWS_MAX = 2000;

export function flattenJson(value: unknown, max = COMMAND_ROWS_MAX): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const walk = (v: unknown, path: string, depth: number) => {
    if (rows.length >= max) return;
    if (v !== null && typeof v === "object" && depth < 16) {
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) return void rows.push([path || "(answer)", Array.isArray(v) ? "[]" : "{}"]);
      for (const [k, x] of entries) walk(x, path ? `${path}.${k}` : k, depth + 1);
      return;
    }
    rows.push([path || "(answer)", v === null ? "null" : typeof v === "string" ? v : JSON.stringify(v)]);
  };
  walk(value, "", 0);
  if (rows.length >= max) rows.push(["…", `cut at ${max} rows`]);
  return rows;
}
