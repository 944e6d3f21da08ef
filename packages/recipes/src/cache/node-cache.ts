// A local mirror of one node (Curator's NodeCache): its data and Stat, or undefined while
// it does not exist, kept current by a persistent (non-recursive) watch and read again
// after every reconnection.
import type { Client } from "@warden/client";
import { TreeCache, type CachedNode, type TreeCacheEvent } from "./tree-cache.js";

export class NodeCache {
  readonly #tree: TreeCache;

  constructor(client: Client, path: string) {
    this.#tree = new TreeCache(client, path, { depthMax: 0 });
  }

  get path(): string {
    return this.#tree.rootPath;
  }
  /** The node as last seen, or undefined when it does not exist. */
  get current(): CachedNode | undefined {
    return this.#tree.get(this.#tree.rootPath);
  }

  start(): Promise<void> {
    return this.#tree.start();
  }
  close(): Promise<void> {
    return this.#tree.close();
  }
  /** Called with every change ("added" = created, "updated", "removed") and connection event. */
  on(event: "change", listener: (e: TreeCacheEvent) => void): () => void;
  on(event: "error", listener: (e: unknown) => void): () => void;
  on(event: "change" | "error", listener: (e: never) => void): () => void {
    return this.#tree.on(event, listener as (e: unknown) => void);
  }
  events(): AsyncIterableIterator<TreeCacheEvent> {
    return this.#tree.events();
  }
}
