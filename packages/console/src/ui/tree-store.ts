// The tree as the console knows it: children lists loaded lazily when a node is expanded,
// with getAllChildrenNumber, reloaded when a live event says they changed.
import type { Client } from "@warden/client";
import { NoNodeError } from "@warden/protocol";
import { errorText, isNoAuth } from "./session.js";
import { ancestors, parentPath } from "../format.js";

export interface TreeEntry {
  expanded: boolean;
  /** Children names, sorted; undefined until loaded. */
  children?: string[];
  /** getAllChildrenNumber: every descendant. */
  descendants?: number;
  /** "not readable" (NOAUTH) or another error's text. */
  error?: string;
  page: number;
}

/** Children lists kept at most (expanded nodes); the oldest collapsed ones are forgotten first. */
const ENTRIES_MAX = 2000;

export class TreeStore {
  readonly entries = new Map<string, TreeEntry>([["/", { expanded: true, page: 0 }]]);
  private listeners = new Set<() => void>();

  constructor(private readonly client: Client) {}

  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private changed(): void {
    for (const f of this.listeners) f();
  }

  entry(path: string): TreeEntry {
    let e = this.entries.get(path);
    if (!e) {
      e = { expanded: false, page: 0 };
      this.entries.set(path, e);
      if (this.entries.size > ENTRIES_MAX) this.forget();
    }
    return e;
  }

  private forget(): void {
    for (const [p, e] of this.entries) {
      if (this.entries.size <= ENTRIES_MAX) return;
      if (!e.expanded && p !== "/") this.entries.delete(p);
    }
  }

  async toggle(path: string, expanded?: boolean): Promise<void> {
    const e = this.entry(path);
    e.expanded = expanded ?? !e.expanded;
    this.changed();
    if (e.expanded) await this.load(path);
  }

  setPage(path: string, index: number): void {
    this.entry(path).page = index;
    this.changed();
  }

  /** (Re)reads a node's children and descendant count. */
  async load(path: string): Promise<void> {
    const e = this.entry(path);
    try {
      const [children, descendants] = await Promise.all([
        this.client.getChildren(path) as Promise<string[]>,
        this.client.getAllChildrenNumber(path),
      ]);
      e.children = [...children].sort();
      e.descendants = descendants;
      delete e.error;
    } catch (err) {
      if (err instanceof NoNodeError) {
        this.entries.delete(path);
      } else {
        delete e.children;
        e.error = isNoAuth(err) ? "not readable" : errorText(err);
      }
    }
    this.changed();
  }

  /**
   * A node was created or deleted: its parent's list, when shown, is read again, and every
   * shown ancestor's descendant count (getAllChildrenNumber).
   */
  async refreshParentOf(path: string): Promise<void> {
    const parent = parentPath(path);
    const e = this.entries.get(parent);
    if (e?.expanded) await this.load(parent);
    if (this.entries.has(path) && !this.entries.get(path)!.expanded) this.entries.delete(path);
    const above = ancestors(parent)
      .slice(0, -1)
      .filter((p) => this.entries.get(p)?.descendants !== undefined);
    await Promise.all(
      above.map(async (p) => {
        const n = await this.client.getAllChildrenNumber(p).catch(() => undefined);
        const a = this.entries.get(p);
        if (a && n !== undefined) a.descendants = n;
      }),
    );
    if (above.length) this.changed();
  }

  async reloadExpanded(): Promise<void> {
    await Promise.all([...this.entries].filter(([, e]) => e.expanded).map(([p]) => this.load(p)));
  }
}
