// The client's watch registry, with ZooKeeper's rules (ZKWatchManager): which watches an
// event fires, one-shot watches removed as they fire, persistent ones kept. Paths here are
// the caller's (chroot already stripped).
import { EventType, type KeeperState, WatcherType } from "@warden/protocol";

export interface WatchedEvent {
  type: EventType;
  state: KeeperState;
  /** The node's path as the caller named it; "" for a session-state event. */
  path: string;
  /**
   * The zxid of the change that fired it, as the server sent it. NO_ZXID (-1n, ZooKeeper
   * 3.9's WatchedEvent.NO_ZXID) for events the client makes itself: session state, removal.
   */
  zxid: bigint;
}

/** The zxid of an event no single change fired (ZooKeeper's WatchedEvent.NO_ZXID). */
export const NO_ZXID = -1n;
export type WatchListener = (event: WatchedEvent) => void;
export type WatchKind = "data" | "exist" | "child" | "persistent" | "persistentRecursive";

const KINDS_OF_TYPE: Record<WatcherType, readonly WatchKind[]> = {
  [WatcherType.Data]: ["data", "exist"],
  [WatcherType.Children]: ["child"],
  [WatcherType.Any]: ["data", "exist", "child", "persistent", "persistentRecursive"],
  [WatcherType.Persistent]: ["persistent"],
  [WatcherType.PersistentRecursive]: ["persistentRecursive"],
};

const REMOVED_EVENT: Record<WatchKind, EventType> = {
  data: EventType.DataWatchRemoved,
  exist: EventType.DataWatchRemoved,
  child: EventType.ChildWatchRemoved,
  persistent: EventType.PersistentWatchRemoved,
  persistentRecursive: EventType.PersistentWatchRemoved,
};

export class WatchRegistry {
  readonly #byKind = new Map<WatchKind, Map<string, Set<WatchListener>>>(
    (["data", "exist", "child", "persistent", "persistentRecursive"] as const).map((k) => [k, new Map()]),
  );
  #size = 0;

  /** Registrations (kind, path, listener) held now. */
  get size(): number {
    return this.#size;
  }

  add(kind: WatchKind, path: string, listener: WatchListener): void {
    const paths = this.#byKind.get(kind)!;
    let listeners = paths.get(path);
    if (listeners === undefined) paths.set(path, (listeners = new Set()));
    if (!listeners.has(listener)) this.#size++;
    listeners.add(listener);
  }

  has(kind: WatchKind, path: string): boolean {
    return this.#byKind.get(kind)!.has(path);
  }

  paths(kind: WatchKind): string[] {
    return [...this.#byKind.get(kind)!.keys()];
  }

  /**
   * The listeners `event` fires; one-shot ones are removed. Each listener once per event.
   * `oneShotOnly`: a catch-up event of a resuming setWatches. EventsLost fires the persistent
   * and recursive watches on exactly `path` (the server sends one per watched path).
   */
  materialize(type: EventType, path: string, oneShotOnly = false): Set<WatchListener> {
    const fired = new Set<WatchListener>();
    const take = (kind: WatchKind) => this.#take(kind, path, fired);
    if (type === EventType.EventsLost) {
      for (const kind of ["persistent", "persistentRecursive"] as const)
        for (const l of this.#byKind.get(kind)!.get(path) ?? []) fired.add(l);
      return fired;
    }
    if (type === EventType.NodeDataChanged || type === EventType.NodeCreated) {
      take("data");
      take("exist");
    } else if (type === EventType.NodeChildrenChanged) {
      take("child");
    } else if (type === EventType.NodeDeleted) {
      take("data");
      take("exist");
      take("child");
    }
    if (oneShotOnly) return fired;
    for (const l of this.#byKind.get("persistent")!.get(path) ?? []) fired.add(l);
    if (type !== EventType.NodeChildrenChanged) {
      for (let p = path; ; p = p.slice(0, Math.max(1, p.lastIndexOf("/")))) {
        for (const l of this.#byKind.get("persistentRecursive")!.get(p) ?? []) fired.add(l);
        if (p === "/") break;
      }
    }
    return fired;
  }

  /**
   * Removes the watches of `watcherType` on `path` (only `listener`'s when given); returns
   * the removed listeners with their removal event type, and the kinds left with none on path.
   */
  remove(
    watcherType: WatcherType,
    path: string,
    listener?: WatchListener,
  ): { removed: Map<WatchListener, EventType>; emptied: WatchKind[] } {
    const removed = new Map<WatchListener, EventType>();
    const emptied: WatchKind[] = [];
    for (const kind of KINDS_OF_TYPE[watcherType]) {
      const paths = this.#byKind.get(kind)!;
      const listeners = paths.get(path);
      if (listeners === undefined) continue;
      for (const l of listeners) {
        if (listener !== undefined && l !== listener) continue;
        removed.set(l, REMOVED_EVENT[kind]);
        listeners.delete(l);
        this.#size--;
      }
      if (listeners.size === 0) {
        paths.delete(path);
        emptied.push(kind);
      }
    }
    return { removed, emptied };
  }

  /** Every listener, once; the registry is left empty (session expired or client closed). */
  drain(): Set<WatchListener> {
    const all = new Set<WatchListener>();
    for (const paths of this.#byKind.values()) {
      for (const listeners of paths.values()) for (const l of listeners) all.add(l);
      paths.clear();
    }
    this.#size = 0;
    return all;
  }

  #take(kind: WatchKind, path: string, into: Set<WatchListener>): void {
    const paths = this.#byKind.get(kind)!;
    const listeners = paths.get(path);
    if (listeners === undefined) return;
    paths.delete(path);
    this.#size -= listeners.size;
    for (const l of listeners) into.add(l);
  }
}
