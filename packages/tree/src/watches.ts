// The watch registry, as ZooKeeper's two WatchManagers (data and child) in DataTree:
// getData/exists register a one-shot data watch, getChildren a one-shot child watch;
// addWatch PERSISTENT registers in both tables, PERSISTENT_RECURSIVE in the data table only,
// so a recursive watch sees NodeCreated/NodeDeleted/NodeDataChanged on the path and below,
// and never NodeChildrenChanged. One trigger fires a session at most once.
import { AddWatchMode, EventType, KeeperState, WatcherType, parentPath, type ACL, type WatchEvent } from "@warden/protocol";

const STANDARD = 1,
  PERSISTENT = 2,
  RECURSIVE = 4;

/** One event to deliver. `acl`: the znode's ACL; deliver only if the session may READ it (ZooKeeper 3.9.2, CVE-2024-23944). */
export interface FiredWatch {
  sessionId: bigint;
  event: WatchEvent;
  acl: readonly ACL[];
}

/** path -> session -> mode bits. */
class WatchTable {
  readonly byPath = new Map<string, Map<bigint, number>>();
  recursiveCount = 0;

  add(path: string, sessionId: bigint, mode: number): void {
    let sessions = this.byPath.get(path);
    if (sessions === undefined) this.byPath.set(path, (sessions = new Map()));
    const old = sessions.get(sessionId) ?? 0;
    sessions.set(sessionId, old | mode);
    if (mode === RECURSIVE && (old & RECURSIVE) === 0) this.recursiveCount++;
  }

  has(path: string, sessionId: bigint, mode: number | undefined): boolean {
    const bits = this.byPath.get(path)?.get(sessionId) ?? 0;
    return mode === undefined ? bits !== 0 : (bits & mode) !== 0;
  }

  /** Removes `mode` (all modes when undefined); whether anything was removed. */
  remove(path: string, sessionId: bigint, mode: number | undefined): boolean {
    const sessions = this.byPath.get(path);
    const old = sessions?.get(sessionId) ?? 0;
    const left = mode === undefined ? 0 : old & ~mode;
    if (old === left) return false;
    this.store(path, sessions!, sessionId, left);
    if ((old & RECURSIVE) !== 0 && (left & RECURSIVE) === 0) this.recursiveCount--;
    return true;
  }

  private store(path: string, sessions: Map<bigint, number>, sessionId: bigint, bits: number): void {
    if (bits !== 0) sessions.set(sessionId, bits);
    else {
      sessions.delete(sessionId);
      if (sessions.size === 0) this.byPath.delete(path);
    }
  }

  /** ZooKeeper's WatchManager.triggerWatch: the sessions to notify, one-shot watches consumed. */
  trigger(path: string, fired: Set<bigint>): void {
    for (let local = path, atPath = true; ; atPath = false) {
      const sessions = this.byPath.get(local);
      if (sessions !== undefined) {
        for (const [sessionId, bits] of sessions) {
          if (atPath) {
            fired.add(sessionId);
            if ((bits & STANDARD) !== 0) this.store(local, sessions, sessionId, bits & ~STANDARD);
          } else if ((bits & RECURSIVE) !== 0) {
            fired.add(sessionId);
          }
        }
      }
      if (this.recursiveCount === 0 || local === "/") break;
      local = parentPath(local);
    }
  }
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
  private readonly data = new WatchTable();
  private readonly child = new WatchTable();
  /** session -> paths it watches in either table (for removeSession and wchc). */
  private readonly bySession = new Map<bigint, Set<string>>();

  /** Whether no session watches anything: then no change fires an event. */
  get isEmpty(): boolean {
    return this.bySession.size === 0;
  }

  /** Paths the session watches, in either table (what maxWatchesPerSession bounds). */
  pathCountOf(sessionId: bigint): number {
    return this.bySession.get(sessionId)?.size ?? 0;
  }

  /** Whether the session already watches `path` (another watch on it costs no new path). */
  watchesPath(sessionId: bigint, path: string): boolean {
    return this.bySession.get(sessionId)?.has(path) ?? false;
  }

  private note(sessionId: bigint, path: string): void {
    let paths = this.bySession.get(sessionId);
    if (paths === undefined) this.bySession.set(sessionId, (paths = new Set()));
    paths.add(path);
  }

  /** getData or exists with watch=true. */
  addDataWatch(sessionId: bigint, path: string): void {
    this.data.add(path, sessionId, STANDARD);
    this.note(sessionId, path);
  }

  /** getChildren with watch=true. */
  addChildWatch(sessionId: bigint, path: string): void {
    this.child.add(path, sessionId, STANDARD);
    this.note(sessionId, path);
  }

  /** addWatch (ZooKeeper 3.6+). */
  addWatch(sessionId: bigint, path: string, mode: AddWatchMode): void {
    if (mode === AddWatchMode.PERSISTENT_RECURSIVE) {
      this.data.add(path, sessionId, RECURSIVE);
    } else {
      this.data.add(path, sessionId, PERSISTENT);
      this.child.add(path, sessionId, PERSISTENT);
    }
    this.note(sessionId, path);
  }

  /** removeWatches: whether a watch of that type was there (ZooKeeper's DataTree.removeWatch). */
  removeWatches(sessionId: bigint, path: string, type: WatcherType): boolean {
    let removed = false;
    switch (type) {
      case WatcherType.Children:
        removed = this.child.remove(path, sessionId, STANDARD);
        break;
      case WatcherType.Data:
        removed = this.data.remove(path, sessionId, STANDARD);
        break;
      case WatcherType.Persistent:
        removed = this.child.remove(path, sessionId, PERSISTENT);
        removed = this.data.remove(path, sessionId, PERSISTENT) || removed;
        break;
      case WatcherType.PersistentRecursive:
        removed = this.data.remove(path, sessionId, RECURSIVE);
        break;
      case WatcherType.Any:
        removed = this.child.remove(path, sessionId, undefined);
        removed = this.data.remove(path, sessionId, undefined) || removed;
        break;
    }
    this.forgetIfUnwatched(sessionId, path);
    return removed;
  }

  /** checkWatches: whether such a watch exists (ZooKeeper's DataTree.containsWatcher). */
  containsWatch(sessionId: bigint, path: string, type: WatcherType): boolean {
    switch (type) {
      case WatcherType.Children:
        return this.child.has(path, sessionId, STANDARD);
      case WatcherType.Data:
        return this.data.has(path, sessionId, STANDARD);
      case WatcherType.Persistent:
        return this.data.has(path, sessionId, PERSISTENT);
      case WatcherType.PersistentRecursive:
        return this.data.has(path, sessionId, RECURSIVE);
      case WatcherType.Any:
        return this.child.has(path, sessionId, undefined) || this.data.has(path, sessionId, undefined);
    }
    return false;
  }

  private forgetIfUnwatched(sessionId: bigint, path: string): void {
    if (this.child.has(path, sessionId, undefined) || this.data.has(path, sessionId, undefined)) return;
    const paths = this.bySession.get(sessionId);
    paths?.delete(path);
    if (paths?.size === 0) this.bySession.delete(sessionId);
  }

  /** Drops every watch of a session (closed, expired or disconnected from this server). */
  removeSession(sessionId: bigint): void {
    const paths = this.bySession.get(sessionId);
    if (paths === undefined) return;
    for (const path of paths) {
      this.data.remove(path, sessionId, undefined);
      this.child.remove(path, sessionId, undefined);
    }
    this.bySession.delete(sessionId);
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
    if (this.bySession.size === 0) return out;
    const fire = (table: WatchTable, at: string, eventType: EventType, eventAcl: readonly ACL[], suppress?: Set<bigint>) => {
      const fired = new Set<bigint>();
      table.trigger(at, fired);
      for (const sessionId of fired) {
        // A consumed one-shot watch may leave the session watching nothing at `at`.
        this.forgetIfUnwatched(sessionId, at);
        if (suppress?.has(sessionId)) continue;
        out.push({ sessionId, event: { type: eventType, state: KeeperState.SyncConnected, path: at, zxid }, acl: eventAcl });
      }
      return fired;
    };
    const parent = path === "/" ? undefined : parentPath(path);
    if (type === EventType.NodeCreated) {
      fire(this.data, path, type, acl);
      if (parent !== undefined) fire(this.child, parent, EventType.NodeChildrenChanged, parentAcl);
    } else if (type === EventType.NodeDeleted) {
      const seen = fire(this.data, path, type, acl);
      fire(this.child, path, type, acl, seen);
      if (parent !== undefined) fire(this.child, parent, EventType.NodeChildrenChanged, parentAcl);
    } else if (type === EventType.NodeDataChanged) {
      fire(this.data, path, type, acl);
    } else if (type === EventType.NodeChildrenChanged) {
      fire(this.child, path, type, acl);
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
    let watches = 0;
    for (const t of [this.data, this.child]) for (const s of t.byPath.values()) watches += s.size;
    const paths = new Set([...this.data.byPath.keys(), ...this.child.byPath.keys()]).size;
    return { sessions: this.bySession.size, paths, watches };
  }

  /** wchc: the paths each session watches, sorted. */
  pathsBySession(): Map<bigint, string[]> {
    const out = new Map<bigint, string[]>();
    for (const [s, paths] of this.bySession) out.set(s, [...paths].sort());
    return out;
  }

  /** wchp: the sessions watching each path. */
  sessionsByPath(): Map<string, bigint[]> {
    const out = new Map<string, bigint[]>();
    for (const t of [this.data, this.child]) {
      for (const [path, sessions] of t.byPath) {
        const list = out.get(path) ?? [];
        for (const s of sessions.keys()) if (!list.includes(s)) list.push(s);
        out.set(path, list);
      }
    }
    return out;
  }
}
