// Which nodes each kind of owner holds (see owner.ts): every session's ephemerals (and what
// they cost in its closeSession txn), the containers and the TTL nodes. Kept beside the
// store as nodes are added and removed, so that closing a session, listing its ephemerals
// and finding expired containers and TTL nodes never walk the tree.
import { utf8Length } from "./bytes.js";
import { ownerKind, ttlOf } from "./owner.js";
import { CVERSION, MTIME, type NodeStore } from "./store.js";
import { UNBOUNDED, type ReplyBudget } from "./reply-budget.js";

/** Bytes one ephemeral path adds to its session's closeSession txn: its UTF-8 and a CBOR string header. */
export function ephemeralPathCost(path: string): number {
  return utf8Length(path) + 5;
}

const NO_PATHS: ReadonlySet<string> = new Set();

export class OwnerIndex {
  private readonly ephemerals = new Map<bigint, Set<string>>();
  /** What each session's ephemeral paths cost in its closeSession txn (ephemeralPathCost, summed). */
  private readonly ephemeralBytes = new Map<bigint, number>();
  private readonly containers = new Set<string>();
  private readonly ttls = new Set<string>();

  constructor(private readonly store: NodeStore) {}

  /** Records that the node at `path` has (`add`) or no longer has `owner`. */
  update(path: string, owner: bigint, add: boolean): void {
    const kind = ownerKind(owner);
    if (kind === "container") add ? this.containers.add(path) : this.containers.delete(path);
    else if (kind === "ttl") add ? this.ttls.add(path) : this.ttls.delete(path);
    else if (kind === "session") {
      let set = this.ephemerals.get(owner);
      if (add) {
        if (set === undefined) this.ephemerals.set(owner, (set = new Set()));
        if (!set.has(path)) this.ephemeralBytes.set(owner, (this.ephemeralBytes.get(owner) ?? 0) + ephemeralPathCost(path));
        set.add(path);
      } else if (set?.delete(path)) {
        if (set.size === 0) {
          this.ephemerals.delete(owner);
          this.ephemeralBytes.delete(owner);
        } else {
          this.ephemeralBytes.set(owner, this.ephemeralBytes.get(owner)! - ephemeralPathCost(path));
        }
      }
    }
  }

  /** The session's ephemeral paths as stored (do not mutate). */
  ephemeralsOf(sessionId: bigint): ReadonlySet<string> {
    return this.ephemerals.get(sessionId) ?? NO_PATHS;
  }

  ephemeralBytesOf(sessionId: bigint): number {
    return this.ephemeralBytes.get(sessionId) ?? 0;
  }

  /** The session's ephemerals starting with `prefix` (a string prefix, as ZooKeeper's), sorted. */
  ephemeralsUnder(sessionId: bigint, prefix: string, budget: ReplyBudget = UNBOUNDED): string[] {
    const p = prefix.trim();
    const all = p === "" || p === "/";
    const out: string[] = [];
    for (const path of this.ephemeralsOf(sessionId)) {
      if (!all && !path.startsWith(prefix)) continue;
      budget.take(path.length + 1, "getEphemerals");
      out.push(path);
    }
    return out.sort();
  }

  /**
   * Empty containers that once had a child (cversion > 0) and childless TTL nodes whose
   * mtime + ttl is before `nowMs` (ZooKeeper's ContainerManager.getCandidates), at most `limit`.
   */
  expired(nowMs: number, limit: number): string[] {
    const s = this.store;
    const out: string[] = [];
    for (const path of this.containers) {
      if (out.length >= limit) return out;
      const id = s.idOf(path);
      if (id >= 0 && s.int(id, CVERSION) > 0 && s.childCount(id) === 0) out.push(path);
    }
    for (const path of this.ttls) {
      if (out.length >= limit) return out;
      const id = s.idOf(path);
      if (id < 0 || s.childCount(id) !== 0) continue;
      const ttl = ttlOf(s.owner(id));
      if (ttl !== 0 && nowMs - s.num(id, MTIME) > ttl) out.push(path);
    }
    return out;
  }
}
