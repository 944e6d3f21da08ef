// A local mirror of a subtree (Curator's TreeCache / CuratorCache), kept current by one
// persistent recursive watch (no one-shot re-registrations). Every event starts a read at
// once; reads are applied strictly in the order their events arrived, and each at its own
// change (a read that finds a later state waits for that state's event), so the mirror moves
// forward in the order of the tree's changes, skipping a state that no read could see any
// more (the node changed again, or went, before the read). A reconnection of the same
// session needs no re-read: the server replays every event the watch missed (Warden's
// resume). The whole subtree is read again, and differences reported, when that is not
// enough: a new session, an EventsLost event (the server's history did not reach back), or
// a read lost with its connection.
import { AddWatchMode, ConnectionLossError, EventType, SessionExpiredError, WatcherType, type NodeData, type Stat } from "@warden/client";
import type { Client, SessionEvent, WatchedEvent } from "@warden/client";
import { RecipeError } from "../errors.js";
import { AsyncQueue } from "../util/async-queue.js";
import { Emitter } from "../util/emitter.js";
import { checkBasePath, joinPath, parentOf } from "../util/paths.js";
import { readData, readTree, type NodeRead } from "./tree-reads.js";

export interface CachedNode {
  path: string;
  /** null when the node holds null data (as the client's getData). */
  data: NodeData;
  stat: Stat;
}
export type TreeCacheEvent =
  | { type: "added" | "updated" | "removed"; node: CachedNode }
  | { type: "initialized" }
  | { type: "suspended" | "reconnected" | "lost" };

export interface TreeCacheOptions {
  /** Depth below the root to mirror: 0 = the root alone, 1 = its children too. Default: all. */
  depthMax?: number;
  /** Nodes mirrored at most; beyond it the cache reports an error and stops. Default 100 000. */
  nodesMax?: number;
  /** Unread events an iterator holds before it fails. Default 10 000. */
  eventsBufferedMax?: number;
}

type Events = { change: [TreeCacheEvent]; error: [unknown] };

export class TreeCache extends Emitter<Events> {
  readonly #client: Client;
  readonly #root: string;
  readonly #depthMax: number;
  readonly #nodesMax: number;
  readonly #eventsBufferedMax: number;
  readonly #nodes = new Map<string, CachedNode>();
  readonly #children = new Map<string, Set<string>>();
  /** Reads in the order their events arrived; a resync's is the whole subtree. */
  readonly #pending: Promise<NodeRead | { resync: NodeRead[] }>[] = [];
  #draining = false;
  #initialized = false;
  #initWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  #closed = false;
  #sessionId = 0n;
  #resyncQueued = false;
  #offState: (() => void) | undefined;

  constructor(client: Client, rootPath: string, options: TreeCacheOptions = {}) {
    super();
    this.#client = client;
    this.#root = checkBasePath(rootPath);
    this.#depthMax = options.depthMax ?? Number.POSITIVE_INFINITY;
    this.#nodesMax = options.nodesMax ?? 100_000;
    this.#eventsBufferedMax = options.eventsBufferedMax ?? 10_000;
  }

  get rootPath(): string {
    return this.#root;
  }
  get isInitialized(): boolean {
    return this.#initialized;
  }

  /** Starts mirroring; resolves once the first full read is applied. */
  async start(): Promise<void> {
    if (this.#offState !== undefined) throw new RecipeError("WARDEN_ERR_ALREADY_STARTED", `tree cache of ${this.#root} already started`);
    this.#offState = this.#client.on("state", (e) => this.#onState(e));
    const initialized = new Promise<void>((resolve, reject) => this.#initWaiters.push({ resolve, reject }));
    await this.#client.connected();
    await this.#watchAndResync();
    return initialized;
  }

  /** Stops mirroring and removes the watch. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#offState?.();
    for (const w of this.#initWaiters.splice(0)) w.reject(new RecipeError("WARDEN_ERR_RECIPE_CLOSED", "tree cache closed"));
    const type = this.#depthMax === 0 ? WatcherType.Persistent : WatcherType.PersistentRecursive;
    await this.#client.removeWatches(this.#root, type, this.#listener).catch(() => undefined);
  }

  get(path: string): CachedNode | undefined {
    return this.#nodes.get(path);
  }
  /** Names of the cached children of `path`, sorted. */
  childNames(path: string): string[] {
    return [...(this.#children.get(path) ?? [])].sort();
  }
  nodes(): CachedNode[] {
    return [...this.#nodes.values()];
  }

  /** Changes as an async iterator; leaving the loop unsubscribes. */
  events(): AsyncIterableIterator<TreeCacheEvent> {
    let off = () => {};
    const queue = new AsyncQueue<TreeCacheEvent>(this.#eventsBufferedMax, () => off());
    off = this.on("change", (e) => queue.push(e));
    return queue;
  }

  readonly #listener = (event: WatchedEvent): void => {
    if (this.#closed || event.type === EventType.None || event.path === "") return;
    if (event.type === EventType.EventsLost) return this.#resync();
    if (this.#depthOf(event.path) > this.#depthMax) return;
    if (event.type === EventType.NodeDeleted) this.#enqueue(Promise.resolve({ path: event.path, kind: "deleted" }));
    else if (event.type === EventType.NodeCreated || event.type === EventType.NodeDataChanged) {
      const eventZxid = event.zxid > 0n ? event.zxid : undefined;
      this.#enqueue(readData(this.#client, event.path).then((read) => ({ ...read, eventZxid })));
    }
  };

  async #watchAndResync(): Promise<void> {
    const sessionId = this.#client.sessionId;
    const mode = this.#depthMax === 0 ? AddWatchMode.PERSISTENT : AddWatchMode.PERSISTENT_RECURSIVE;
    await this.#client.addWatch(this.#root, mode, this.#listener);
    this.#sessionId = sessionId; // only once the watch is in place: a failed add is tried again on the next reconnection
    // A resync still queued from the old session fails with it: this one must be queued anew.
    this.#resyncQueued = false;
    this.#resync();
  }

  /**
   * Reads the whole subtree again (after catching our server up, so start() is current).
   * Queued at once, so events that arrive meanwhile are applied after it, not before. One
   * that is queued and not yet applied covers any later call.
   */
  #resync(): void {
    if (this.#resyncQueued) return;
    this.#resyncQueued = true;
    this.#enqueue(readTree(this.#client, this.#root, this.#depthMax, this.#nodesMax).then((resync) => ({ resync })));
  }

  #onState(event: SessionEvent): void {
    if (this.#closed) return;
    if (event === "disconnected") this.emit("change", { type: "suspended" });
    else if (event === "expired") this.emit("change", { type: "lost" });
    else if (event === "reconnected") {
      this.emit("change", { type: "reconnected" });
      // A new session has no watches: add ours again and read it all. The same session kept
      // its watch, and the server replays what it missed (or says EventsLost).
      if (this.#client.sessionId !== this.#sessionId) this.#watchAndResync().catch((e) => this.#onReadFailure(e));
    }
  }

  #depthOf(path: string): number {
    if (path === this.#root) return 0;
    const rest = this.#root === "/" ? path : path.slice(this.#root.length);
    return rest.split("/").length - 1;
  }

  #enqueue(read: Promise<NodeRead | { resync: NodeRead[] }>): void {
    this.#pending.push(read);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#pending.length > 0 && !this.#closed) {
        const read = await this.#pending[0]!;
        this.#pending.shift();
        if ("resync" in read) this.#resyncQueued = false;
        if ("resync" in read) this.#applyResync(read.resync);
        else this.#apply(read, true);
      }
    } finally {
      this.#draining = false;
    }
    if (!this.#initialized && !this.#closed && this.#pending.length === 0) this.#markInitialized();
  }

  #markInitialized(): void {
    this.#initialized = true;
    for (const w of this.#initWaiters.splice(0)) w.resolve();
    this.emit("change", { type: "initialized" });
  }

  /**
   * One node's read. An event's read (`fromEvent`) that finds a later state than the event's
   * change changes nothing: the node was deleted, or changed again, after that event, and the
   * watch delivers that later change's own event, in order, whose read applies it there.
   * Applying it now would report that state before changes to other nodes that happened
   * earlier (a replay after a reconnection brings them together); the event's own state is
   * skipped instead, as no read can see it any more. A resync's reads have no later event to
   * wait for: they apply what they find.
   */
  #apply(read: NodeRead, fromEvent: boolean): void {
    if (read.kind === "failed") return this.#onReadFailure(read.error);
    const later = read.kind === "gone" || (read.eventZxid !== undefined && read.stat !== undefined && read.stat.mzxid > read.eventZxid);
    if (fromEvent && later) return;
    if (read.kind === "gone" || read.kind === "deleted") return this.#removeSubtree(read.path);
    this.#upsert(read.path, read.data ?? null, read.stat!);
  }

  /**
   * A resync: nodes cached but absent from it went while we were away (removed first: when
   * they went is unknown); then each node in the order the reads give (level by level, in
   * change order). A failed resync is dropped: the next reconnection tries again.
   */
  #applyResync(reads: readonly NodeRead[]): void {
    const failed = reads.find((r) => r.kind === "failed");
    if (failed !== undefined) return this.#onReadFailure(failed.error);
    const present = new Set(reads.filter((r) => r.kind === "full" || r.kind === "data").map((r) => r.path));
    for (const path of [...this.#nodes.keys()]) if (!present.has(path)) this.#removeSubtree(path);
    for (const read of reads) this.#apply(read, false);
  }

  #upsert(path: string, data: NodeData, stat: Stat): void {
    // A child seen before its parent (an event that beat the first full read): the parent's
    // full read, still queued, will list and read it; reporting it now would put it first.
    if (path !== this.#root && !this.#nodes.has(parentOf(path))) return;
    const old = this.#nodes.get(path);
    if (old !== undefined && old.stat.mzxid === stat.mzxid && old.stat.czxid === stat.czxid) return;
    if (old !== undefined && old.stat.czxid !== stat.czxid) this.#removeSubtree(path); // deleted and created again
    if (old === undefined && this.#nodes.size >= this.#nodesMax)
      return this.#onReadFailure(new RangeError(`more than ${this.#nodesMax} nodes under ${this.#root}`));
    const node: CachedNode = { path, data, stat };
    const added = !this.#nodes.has(path);
    this.#nodes.set(path, node);
    if (path !== this.#root) this.#childSet(parentOf(path)).add(path.slice(path.lastIndexOf("/") + 1));
    this.emit("change", { type: added ? "added" : "updated", node });
  }

  #removeSubtree(path: string): void {
    for (const name of this.#children.get(path) ?? []) this.#removeSubtree(joinPath(path, name));
    this.#children.delete(path);
    const node = this.#nodes.get(path);
    if (node === undefined) return;
    this.#nodes.delete(path);
    if (path !== this.#root) this.#children.get(parentOf(path))?.delete(path.slice(path.lastIndexOf("/") + 1));
    this.emit("change", { type: "removed", node });
  }

  #childSet(path: string): Set<string> {
    let set = this.#children.get(path);
    if (set === undefined) this.#children.set(path, (set = new Set()));
    return set;
  }

  /**
   * A read lost with its connection is covered by a resync, queued now: it waits in the
   * client's queue for the next connection. A lost session is covered by the new one's.
   */
  #onReadFailure(error: unknown): void {
    if (error instanceof SessionExpiredError) return;
    if (error instanceof ConnectionLossError) return this.#closed ? undefined : this.#resync();
    this.emit("error", error);
  }
}
