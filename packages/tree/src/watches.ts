// The watch registry, as ZooKeeper's two WatchManagers (data and child) in DataTree:
// getData/exists register a one-shot data watch, getChildren a one-shot child watch;
// addWatch PERSISTENT registers in both tables, PERSISTENT_RECURSIVE in the data table only,
// so a recursive watch sees NodeCreated/NodeDeleted/NodeDataChanged on the path and below,
// and never NodeChildrenChanged. One trigger fires a session at most once.
import { AddWatchMode, EventType, KeeperState, WatcherType, parentPath, type ACL, type WatchEvent } from "@warden/protocol";
import {
  CHILD_BITS,
  CHILD_PERSISTENT,
  CHILD_STANDARD,
  DATA_BITS,
  DATA_PERSISTENT,
  DATA_STANDARD,
  RECURSIVE,
  WatchTable,
} from "./watch-table.js";

/** One event to deliver. `acl`: the znode's ACL; deliver only if the session may READ it (ZooKeeper 3.9.2, CVE-2024-23944). */
export interface FiredWatch {
  sessionId: bigint;
  event: WatchEvent;
  acl: readonly ACL[];
}

export interface SetWatchesLists {
  relativeZxid: bigint;
  dataWatches: readonly string[];
  existWatches: readonly string[];
  childWatches: readonly string[];
  persistentWatches: readonly string[];
  persistentRecursiveWatches: readonly string[];
}

/** What setWatches needs to know of a node: undefined when it does not exist. */
export type NodeZxids = (path: string) => { mzxid: bigint; pzxid: bigint } | undefined;

export class WatchRegistry {
  /** Both of ZooKeeper's tables and the session -> paths direction, in one compact table (watch-table.ts). */
  private readonly table: WatchTable;

  /** @param canonical the string to keep for a newly watched path: the tree passes its own copy of an existing node's path. */
  constructor(canonical?: (path: string) => string) {
    this.table = new WatchTable(canonical);
  }

  /** Whether no session watches anything: then no change fires an event. */
  get isEmpty(): boolean {
    return this.table.sessionCount === 0;
  }

  /** Paths the session watches, in either table (what maxWatchesPerSession bounds). */
  pathCountOf(sessionId: bigint): number {
    return this.table.pathCountOf(sessionId);
  }

  /** Whether the session already watches `path` (another watch on it costs no new path). */
  watchesPath(sessionId: bigint, path: string): boolean {
    return this.table.bitsOf(path, sessionId) !== 0;
  }

  /** getData or exists with watch=true. */
  addDataWatch(sessionId: bigint, path: string): void {
    this.table.add(path, sessionId, DATA_STANDARD);
  }

  /** getChildren with watch=true. */
  addChildWatch(sessionId: bigint, path: string): void {
    this.table.add(path, sessionId, CHILD_STANDARD);
  }

  /** addWatch (ZooKeeper 3.6+): PERSISTENT sits in both tables, PERSISTENT_RECURSIVE in the data table. */
  addWatch(sessionId: bigint, path: string, mode: AddWatchMode): void {
    this.table.add(path, sessionId, mode === AddWatchMode.PERSISTENT_RECURSIVE ? RECURSIVE : DATA_PERSISTENT | CHILD_PERSISTENT);
  }

  /** removeWatches: whether a watch of that type was there (ZooKeeper's DataTree.removeWatch). */
  removeWatches(sessionId: bigint, path: string, type: WatcherType): boolean {
    return this.table.clear(path, sessionId, BITS_OF[type] ?? 0);
  }

  /** checkWatches: whether such a watch exists (ZooKeeper's DataTree.containsWatcher). */
  containsWatch(sessionId: bigint, path: string, type: WatcherType): boolean {
    return (this.table.bitsOf(path, sessionId) & (BITS_OF[type] ?? 0)) !== 0;
  }

  /** Drops every watch of a session (closed, expired or disconnected from this server). */
  removeSession(sessionId: bigint): void {
    this.table.removeSession(sessionId);
  }

  /**
   * The watches a change fires, as ZooKeeper's DataTree: NodeCreated fires data/exist
   * watches on the path and child watches on the parent; NodeDeleted fires data, exist and
   * child watches on the path (each session once) and child watches on the parent;
   * NodeDataChanged fires data watches; NodeChildrenChanged fires child watches on the path.
   * Persistent-recursive watches on ancestors see all but NodeChildrenChanged.
   */
  trigger(path: string, type: EventType, zxid: bigint, acl: readonly ACL[] = [], parentAcl: readonly ACL[] = []): FiredWatch[] {
    const out: FiredWatch[] = [];
    // Most changes fire nothing: skip the work when nobody watches anything.
    if (this.isEmpty) return out;
    const sessions: bigint[] = [];
    const fire = (
      table: number,
      standard: number,
      at: string,
      eventType: EventType,
      eventAcl: readonly ACL[],
      suppressPrevious = false,
    ) => {
      sessions.length = 0;
      this.table.fire(at, table, standard, table === DATA_BITS, suppressPrevious, sessions);
      for (const sessionId of sessions)
        out.push({ sessionId, event: { type: eventType, state: KeeperState.SyncConnected, path: at, zxid }, acl: eventAcl });
    };
    const parent = path === "/" ? undefined : parentPath(path);
    if (type === EventType.NodeCreated) {
      fire(DATA_BITS, DATA_STANDARD, path, type, acl);
      if (parent !== undefined) fire(CHILD_BITS, CHILD_STANDARD, parent, EventType.NodeChildrenChanged, parentAcl);
    } else if (type === EventType.NodeDeleted) {
      fire(DATA_BITS, DATA_STANDARD, path, type, acl);
      fire(CHILD_BITS, CHILD_STANDARD, path, type, acl, true);
      if (parent !== undefined) fire(CHILD_BITS, CHILD_STANDARD, parent, EventType.NodeChildrenChanged, parentAcl);
    } else if (type === EventType.NodeDataChanged) {
      fire(DATA_BITS, DATA_STANDARD, path, type, acl);
    } else if (type === EventType.NodeChildrenChanged) {
      fire(CHILD_BITS, CHILD_STANDARD, path, type, acl);
    }
    return out;
  }

  /**
   * setWatches after a reconnect (ZooKeeper's DataTree.setWatches): watches whose change
   * the client missed since `relativeZxid` are answered now with an event and not
   * registered; the others are registered. Persistent watches are always registered.
   */
  setWatches(sessionId: bigint, lists: SetWatchesLists, node: NodeZxids): WatchEvent[] {
    const events: WatchEvent[] = [];
    const now = (type: EventType, path: string) => events.push({ type, state: KeeperState.SyncConnected, path, zxid: -1n });
    for (const path of lists.dataWatches) {
      const n = node(path);
      if (n === undefined) now(EventType.NodeDeleted, path);
      else if (n.mzxid > lists.relativeZxid) now(EventType.NodeDataChanged, path);
      else this.addDataWatch(sessionId, path);
    }
    for (const path of lists.existWatches) {
      if (node(path) !== undefined) now(EventType.NodeCreated, path);
      else this.addDataWatch(sessionId, path);
    }
    for (const path of lists.childWatches) {
      const n = node(path);
      if (n === undefined) now(EventType.NodeDeleted, path);
      else if (n.pzxid > lists.relativeZxid) now(EventType.NodeChildrenChanged, path);
      else this.addChildWatch(sessionId, path);
    }
    for (const path of lists.persistentWatches) this.addWatch(sessionId, path, AddWatchMode.PERSISTENT);
    for (const path of lists.persistentRecursiveWatches) this.addWatch(sessionId, path, AddWatchMode.PERSISTENT_RECURSIVE);
    return events;
  }

  /** wchs: sessions watching, paths watched, and watches (a session-path pair per table). */
  get counts(): { sessions: number; paths: number; watches: number } {
    const t = this.table;
    return { sessions: t.sessionCount, paths: t.pathCount, watches: t.dataWatches + t.childWatches };
  }

  /** wchc: the paths each session watches, sorted. */
  pathsBySession(): Map<bigint, string[]> {
    const out = this.table.pathsBySession();
    for (const paths of out.values()) paths.sort();
    return out;
  }

  /** wchp: the sessions watching each path, in the order they first watched it. */
  sessionsByPath(): Map<string, bigint[]> {
    return this.table.sessionsByPath();
  }
}

/**
 * The bits each removeWatches / checkWatches type covers, as ZooKeeper's DataTree: Persistent
 * removes the watch from both tables (and is found in either), Any every watch on the path.
 */
const BITS_OF: Record<number, number> = {
  [WatcherType.Children]: CHILD_STANDARD,
  [WatcherType.Data]: DATA_STANDARD,
  [WatcherType.Persistent]: DATA_PERSISTENT | CHILD_PERSISTENT,
  [WatcherType.PersistentRecursive]: RECURSIVE,
  [WatcherType.Any]: DATA_BITS | CHILD_BITS,
};
