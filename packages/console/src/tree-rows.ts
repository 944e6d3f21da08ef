// The tree's visible rows, flattened from what is loaded: a node, a pager under a node with
// more children than a page, or a note (loading, not readable). Pure, for the keyboard
// navigation and the unit tests alike.
import { childPath, page, visibleChildren, CHILDREN_PAGE_SIZE } from "./format.js";

export interface LoadedEntry {
  expanded: boolean;
  children?: string[];
  descendants?: number;
  error?: string;
  page: number;
}

export type TreeRow =
  | { kind: "node"; path: string; name: string; depth: number; expanded: boolean; count?: number; descendants?: number }
  | {
      kind: "pager";
      path: string;
      depth: number;
      index: number;
      pages: number;
      first: number;
      last: number;
      total: number;
      descendants?: number;
    }
  | { kind: "note"; path: string; depth: number; text: string };

/** Rows deeper than this are not shown (a path has at most a few hundred levels anyway). */
const DEPTH_MAX = 256;

export function treeRows(
  entries: ReadonlyMap<string, LoadedEntry>,
  filter: { parent: string; prefix: string } | undefined,
  pageSize = CHILDREN_PAGE_SIZE,
): TreeRow[] {
  const rows: TreeRow[] = [];
  const root = entries.get("/");
  rows.push({ kind: "node", path: "/", name: "/", depth: 0, expanded: root?.expanded ?? false, ...counts(root) });
  const walk = (path: string, depth: number) => {
    const e = entries.get(path);
    if (!e?.expanded || depth > DEPTH_MAX) return;
    if (e.error !== undefined) return void rows.push({ kind: "note", path, depth, text: e.error });
    if (!e.children) return void rows.push({ kind: "note", path, depth, text: "loading…" });
    const names = visibleChildren(e.children, filter && filter.parent === path ? filter.prefix : "");
    const p = page(names, e.page, pageSize);
    if (p.count > 1)
      rows.push({
        kind: "pager",
        path,
        depth,
        index: p.index,
        pages: p.count,
        first: p.first,
        last: p.last,
        total: p.total,
        ...(e.descendants !== undefined ? { descendants: e.descendants } : {}),
      });
    for (const name of p.items) {
      const child = childPath(path, name);
      const ce = entries.get(child);
      rows.push({ kind: "node", path: child, name, depth, expanded: ce?.expanded ?? false, ...counts(ce) });
      walk(child, depth + 1);
    }
  };
  walk("/", 1);
  return rows;
}

function counts(e: LoadedEntry | undefined): { count?: number; descendants?: number } {
  return { ...(e?.children ? { count: e.children.length } : {}), ...(e?.descendants !== undefined ? { descendants: e.descendants } : {}) };
}

/** The node row a key moves to from `path`: ArrowUp/ArrowDown over node rows, Home, End. */
export function moveSelection(rows: readonly TreeRow[], path: string, key: string): string | undefined {
  const nodes = rows.filter((r) => r.kind === "node");
  const i = nodes.findIndex((r) => r.path === path);
  if (key === "Home") return nodes[0]?.path;
  if (key === "End") return nodes[nodes.length - 1]?.path;
  if (i < 0) return nodes[0]?.path;
  if (key === "ArrowDown") return nodes[Math.min(i + 1, nodes.length - 1)]!.path;
  if (key === "ArrowUp") return nodes[Math.max(i - 1, 0)]!.path;
  return undefined;
}
