// Interned ACL lists with reference counts, as ZooKeeper's ReferenceCountedACLCache:
// most znodes share a handful of ACLs, so each node stores a small integer instead of
// its own list. A list is dropped when the last node using it goes.
import type { ACL } from "@warden/protocol";

function keyOf(acl: readonly ACL[]): string {
  let key = "";
  for (const a of acl) key += `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}\u0001`;
  return key;
}

function sameACL(a: readonly ACL[], b: readonly ACL[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (x.perms !== y.perms || x.id.scheme !== y.id.scheme || x.id.id !== y.id.id) return false;
  }
  return true;
}

function frozenCopy(acl: readonly ACL[]): readonly ACL[] {
  return Object.freeze(acl.map((a) => Object.freeze({ perms: a.perms, id: Object.freeze({ scheme: a.id.scheme, id: a.id.id }) })));
}

export class AclCache {
  private readonly lists: (readonly ACL[] | undefined)[] = [];
  private readonly keys: string[] = [];
  private readonly refs: number[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly free: number[] = [];
  /** The id acquired last: most creates in a row share one ACL, found without building its key. */
  private lastId = -1;

  /** The id of `acl` with one more reference (interned on first use). */
  acquire(acl: readonly ACL[]): number {
    const last = this.lastId >= 0 ? this.lists[this.lastId] : undefined;
    if (last !== undefined && sameACL(last, acl)) {
      this.refs[this.lastId]!++;
      return this.lastId;
    }
    const key = keyOf(acl);
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.free.pop() ?? this.lists.length;
      this.lists[id] = frozenCopy(acl);
      this.keys[id] = key;
      this.refs[id] = 0;
      this.byKey.set(key, id);
    }
    this.refs[id]!++;
    this.lastId = id;
    return id;
  }

  release(id: number): void {
    const refs = --this.refs[id]!;
    if (refs < 0) throw new Error(`AclCache: release of unreferenced ACL ${id}`);
    if (refs === 0) {
      this.byKey.delete(this.keys[id]!);
      this.lists[id] = undefined;
      this.keys[id] = "";
      this.free.push(id);
    }
  }

  /** The (frozen, shared) list for an id; callers must not mutate it. */
  get(id: number): readonly ACL[] {
    const acl = this.lists[id];
    if (acl === undefined) throw new Error(`AclCache: unknown ACL ${id}`);
    return acl;
  }

  get size(): number {
    return this.byKey.size;
  }
}
