// The tree pane: lazy expansion, pages of children, a path-prefix search, arrow keys.
import { useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import type { TreeStore } from "./tree-store.js";
import { moveSelection, treeRows, type TreeRow } from "../tree-rows.js";
import { ancestors, splitPrefix } from "../format.js";

export function Tree(props: { store: TreeStore; selected: string; select: (path: string) => void }) {
  const { store, selected, select } = props;
  const [, setTick] = useState(0);
  const [search, setSearch] = useState("");
  useEffect(() => store.subscribe(() => setTick((t) => t + 1)), [store]);
  useEffect(() => void store.load("/"), [store]);
  const filter = search.trim() ? splitPrefix(search.trim()) : undefined;
  const rows = treeRows(store.entries, filter);

  const onSearch = async (value: string) => {
    setSearch(value);
    const f = value.trim() ? splitPrefix(value.trim()) : undefined;
    if (f) for (const p of ancestors(f.parent)) await store.toggle(p, true);
  };
  const onKey = (ev: KeyboardEvent) => {
    const row = rows.find((r) => r.kind === "node" && r.path === selected);
    if (ev.key === "ArrowRight" && row?.kind === "node" && !row.expanded) void store.toggle(selected, true);
    else if (ev.key === "ArrowLeft" && row?.kind === "node" && row.expanded) void store.toggle(selected, false);
    else if (ev.key === "Enter" || ev.key === " ") void store.toggle(selected);
    else {
      const next = moveSelection(rows, selected, ev.key);
      if (next === undefined) return;
      select(next);
      document.querySelector<HTMLElement>(`[data-path="${CSS.escape(next)}"]`)?.scrollIntoView({ block: "nearest" });
    }
    ev.preventDefault();
  };
  return html`<section class="tree">
    <input class="search" placeholder="search by path prefix, e.g. /services/he" aria-label="search by path prefix" value=${search} onInput=${(e: Event) => onSearch((e.target as HTMLInputElement).value)} />
    <div role="tree" tabindex="0" class="rows" onKeyDown=${onKey} aria-label="znodes">
      ${rows.map((r) => row(r, store, selected, select))}
    </div>
  </section>`;
}

function row(r: TreeRow, store: TreeStore, selected: string, select: (p: string) => void) {
  const indent = { paddingLeft: `${r.depth * 14 + 4}px` };
  if (r.kind === "note") return html`<div class="note" style=${indent} data-note-of=${r.path}>${r.text}</div>`;
  if (r.kind === "pager") {
    return html`<div class="pager" style=${indent} data-pager-of=${r.path}>
      <button disabled=${r.index === 0} onClick=${(e: Event) => turn(e, store, r.path, r.index - 1)} aria-label="previous page">‹</button>
      <span>${r.first}–${r.last} of ${r.total}</span>
      <button disabled=${r.index >= r.pages - 1} onClick=${(e: Event) => turn(e, store, r.path, r.index + 1)} aria-label="next page">›</button>
    </div>`;
  }
  const title = r.descendants !== undefined ? `${r.count ?? 0} children, ${r.descendants} descendants (getAllChildrenNumber)` : "";
  return html`<div role="treeitem" aria-expanded=${r.expanded} aria-selected=${r.path === selected} class=${`node${r.path === selected ? " selected" : ""}`} style=${indent} data-path=${r.path} title=${title}
      onClick=${() => select(r.path)}>
    <span class="twisty" onClick=${(e: Event) => (e.stopPropagation(), void store.toggle(r.path))}>${r.expanded ? "▾" : "▸"}</span>
    <span class="name">${r.name}</span>
    ${r.count !== undefined ? html`<span class="count" data-count-of=${r.path}>${r.count}${r.descendants !== undefined && r.descendants !== r.count ? ` / ${r.descendants}` : ""}</span>` : null}
  </div>`;
}

/** Turns a page and gives the keyboard back to the tree (a pager button may become disabled). */
function turn(e: Event, store: TreeStore, path: string, index: number): void {
  (e.currentTarget as HTMLElement).closest<HTMLElement>('[role="tree"]')?.focus();
  store.setPage(path, index);
}
