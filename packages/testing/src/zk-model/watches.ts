// The reference model's watches, as ZooKeeper's server keeps them (WatchManager and
// DataTree.setWatches): one-shot data, exist and child watches that go when they fire,
// persistent and persistent-recursive ones that stay. Fed by ZkModel's events.
import { EventType } from "@warden/protocol";
import type { ModelEvent, ZkModel } from "./model.js";

export type ModelWatchKind = "data" | "exist" | "child" | "persistent" | "persistentRecursive";
/** Delivers one event to one session. */
export type FireWatch = (sessionId: bigint, type: EventType, path: string) => void;

export class ModelWatches {
  /** sessionId -> kind -> paths */
  readonly #sessions = new Map<bigint, Map<ModelWatchKind, Set<string>>>();

  constructor(
    private readonly model: ZkModel,
    private readonly fire: FireWatch,
  ) {}

  /** The live set of a session's watches of one kind (add to it to register). */
  watchSet(sessionId: bigint, kind: ModelWatchKind): Set<string> {
    let kinds = this.#sessions.get(sessionId);
    if (!kinds) this.#sessions.set(sessionId, (kinds = new Map()));
    let set = kinds.get(kind);
    if (!set) kinds.set(kind, (set = new Set()));
    return set;
  }

  /** A session's watches go with it (or with its connection, as ZooKeeper's). */
  dropSession(sessionId: bigint): void {
    this.#sessions.delete(sessionId);
  }

  /** For ZkModel's onEvents. */
  onEvents(events: readonly ModelEvent[]): void {
    for (const [type, path] of events) this.trigger(type, path);
  }

  /** ZooKeeper's firing: one-shot watches removed as they fire, persistent ones kept. */
  trigger(type: EventType, path: string): void {
    for (const [sessionId, kinds] of this.#sessions) {
      let hit = false;
      const take = (kind: ModelWatchKind) => {
        if (kinds.get(kind)?.delete(path)) hit = true;
      };
      if (type === EventType.NodeChildrenChanged) take("child");
      else {
        take("data");
        take("exist");
        if (type === EventType.NodeDeleted) take("child");
      }
      if (kinds.get("persistent")?.has(path)) hit = true;
      if (type !== EventType.NodeChildrenChanged) {
        for (const p of kinds.get("persistentRecursive") ?? []) if (p === "/" || path === p || path.startsWith(`${p}/`)) hit = true;
      }
      if (hit) this.fire(sessionId, type, path);
    }
  }

  /** setWatches: an event at once for what changed after relativeZxid, the rest registered. */
  setWatches(sessionId: bigint, relativeZxid: bigint, lists: Record<ModelWatchKind, readonly string[]>): void {
    for (const path of lists.data) {
      const n = this.model.nodes.get(path);
      if (!n) this.fire(sessionId, EventType.NodeDeleted, path);
      else if (n.stat.mzxid > relativeZxid) this.fire(sessionId, EventType.NodeDataChanged, path);
      else this.watchSet(sessionId, "data").add(path);
    }
    for (const path of lists.exist) {
      if (this.model.nodes.has(path)) this.fire(sessionId, EventType.NodeCreated, path);
      else this.watchSet(sessionId, "exist").add(path);
    }
    for (const path of lists.child) {
      const n = this.model.nodes.get(path);
      if (!n) this.fire(sessionId, EventType.NodeDeleted, path);
      else if (n.stat.pzxid > relativeZxid) this.fire(sessionId, EventType.NodeChildrenChanged, path);
      else this.watchSet(sessionId, "child").add(path);
    }
    for (const path of lists.persistent) this.watchSet(sessionId, "persistent").add(path);
    for (const path of lists.persistentRecursive) this.watchSet(sessionId, "persistentRecursive").add(path);
  }
}
