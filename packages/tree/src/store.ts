// The znodes, stored by column: a node is an integer id; its numbers live in one 64-byte
// record of a shared ArrayBuffer (read as doubles and as int32s: one cache line per read,
// no per-node object, no boxed doubles), its data in a one-byte string, its children in
// an intrusive doubly linked list of ids (no per-node Set). zxids and times are numbers
// here; the Stat record (bigint zxids) is built only at the edges. See README.md.
import { NODE_COUNT_MAX } from "./limits.js";
import { PathIndex, pathHash } from "./path-index.js";
import { UNBOUNDED, type ReplyBudget } from "./reply-budget.js";
import { DataSlab } from "./data-slab.js";
import { bytesToLatin1, copyBytes, copyInto, latin1Into, latin1Of, latin1ToBytes } from "./bytes.js";
import type { NodeData } from "@warden/protocol";

/** Bytes per record: 5 doubles then 6 int32s (64, one cache line). */
const RECORD_BYTES = 64;
const F = RECORD_BYTES / 8; // Float64 slots per record
const I = RECORD_BYTES / 4; // Int32 slots per record
/** Int32 slot of the first int field: after the 5 doubles. */
const INT_BASE = 10;
export const CZXID = 0,
  MZXID = 1,
  PZXID = 2,
  CTIME = 3,
  MTIME = 4;
export const VERSION = 0,
  CVERSION = 1,
  AVERSION = 2,
  ACL_ID = 3;
const CHILD_COUNT = 4,
  FLAGS = 5;
/** FLAGS bits: the node has an ephemeralOwner (in `owners`); its children are not in descending name order. */
const HAS_OWNER = 1,
  CHILDREN_UNORDERED = 2;
/** Int32s per node in the link column: parent, first child, next and previous sibling. */
const L = 4;
const PARENT = 0,
  FIRST = 1,
  NEXT = 2,
  PREV = 3;
/** Nodes the store starts with room for and never shrinks below. */
const CAPACITY_MIN = 1024;

export interface NodeFields {
  /** Copied in (into a slab, see data-slab.ts); null for null data, which is not empty. */
  data: NodeData;
  aclId: number;
  czxid: number;
  mzxid: number;
  pzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  owner: bigint;
}

export class NodeStore {
  private f = new Float64Array(F * CAPACITY_MIN);
  private i = new Int32Array(this.f.buffer);
  private links = new Int32Array(L * CAPACITY_MIN);
  /**
   * Node id's path at [2 * id] (the key `ids` compares; child names are slices of it) and
   * its data at [2 * id + 1]: a read finds both in one cache line. The data is a handle
   * into `slab` (a small integer), or a latin1 string (see bytes.ts: data too large for a
   * slab, and the quota stats the tree writes itself), or null.
   */
  private readonly strings: (string | number | null)[] = new Array(2 * CAPACITY_MIN).fill(null);
  /** Ids handed out (live or free): `strings` is kept at 2 * capacity slots, so an add never grows the array. */
  private count = 0;
  private slab = new DataSlab();
  private readonly ids = new PathIndex(this.strings, 2);
  /** ephemeralOwner of the nodes that have one (sessions' ephemerals, containers, TTL nodes): most have none. */
  private readonly owners = new Map<number, bigint>();
  private readonly free: number[] = [];
  private capacity = CAPACITY_MIN;
  /** While a load defers the index (deferIndex): the first id not in `ids` yet; else -1. */
  private unindexedFrom = -1;
  /** While the index is deferred: the hash of each node added since, by id - unindexedFrom. */
  private unindexedHashes = new Int32Array(0);

  /** Paths' and data's lengths summed over every node: ZooKeeper's approximateDataSize. */
  approximateDataSize = 0;

  get size(): number {
    return this.unindexedFrom < 0 ? this.ids.size : this.ids.size + this.count - this.unindexedFrom;
  }

  /** The id of the node at `path`, or -1. */
  idOf(path: string): number {
    if (this.unindexedFrom >= 0) this.indexNow();
    return this.ids.get(path);
  }

  /**
   * For a load: the nodes added from now on go into the path index in one pass at the end
   * (indexDeferred), or at the first lookup. Until then `add` cannot see a duplicate path.
   */
  deferIndex(): void {
    if (this.free.length > 0 || this.unindexedFrom >= 0) return;
    this.unindexedFrom = this.count;
    this.unindexedHashes = new Int32Array(Math.max(this.capacity - this.count, CAPACITY_MIN));
  }

  /**
   * Indexes the nodes added since deferIndex. Returns the path of a node added twice (the
   * store is then unusable: a load refuses the snapshot), or undefined.
   */
  indexDeferred(): string | undefined {
    if (this.unindexedFrom < 0) return undefined;
    const from = this.unindexedFrom;
    const hashes = this.unindexedHashes.subarray(0, this.count - from);
    this.unindexedFrom = -1;
    this.unindexedHashes = new Int32Array(0);
    const dup = this.ids.addRange(from, this.count, hashes);
    return dup < 0 ? undefined : this.path(dup);
  }

  private deferHash(k: number, hash: number): void {
    if (k >= this.unindexedHashes.length) {
      const hashes = new Int32Array(2 * this.unindexedHashes.length);
      hashes.set(this.unindexedHashes);
      this.unindexedHashes = hashes;
    }
    this.unindexedHashes[k] = hash;
  }

  /** indexDeferred before a lookup or a remove; the loader indexes itself first, so a duplicate here is a bug. */
  private indexNow(): void {
    const twice = this.indexDeferred();
    if (twice !== undefined) throw new Error(`NodeStore: ${twice} was added twice while the index was deferred`);
  }

  /**
   * Adds a node under `parentId` (-1 only for "/"); returns its id, or -1 (adding nothing) when
   * `path` is present. `hash`: pathHash(path), when the caller has it (a load, see deferIndex).
   */
  add(path: string, parentId: number, fields: NodeFields, hash?: number): number {
    if (this.size >= NODE_COUNT_MAX) throw new RangeError(`tree holds ${NODE_COUNT_MAX} znodes already`);
    const reused = this.free.length > 0;
    const id = reused ? this.free[this.free.length - 1]! : this.count;
    if (id >= this.capacity) this.grow();
    if (this.unindexedFrom < 0) {
      if (!this.ids.add(path, id)) return -1;
    } else this.deferHash(id - this.unindexedFrom, hash ?? pathHash(path));
    if (reused) this.free.pop();
    else this.count++;
    this.strings[2 * id] = path;
    this.strings[2 * id + 1] = null;
    this.approximateDataSize += path.length;
    this.i[id * I + INT_BASE + CHILD_COUNT] = 0;
    this.i[id * I + INT_BASE + FLAGS] &= HAS_OWNER; // a reused id's children were all removed
    this.write(id, fields);
    const l = this.links,
      lo = id * L;
    l[lo + PARENT] = parentId;
    l[lo + FIRST] = -1;
    l[lo + PREV] = -1;
    if (parentId < 0) {
      l[lo + NEXT] = -1;
    } else {
      const po = parentId * L;
      const head = l[po + FIRST]!;
      l[lo + NEXT] = head;
      if (head >= 0) {
        l[head * L + PREV] = id;
        if (path < (this.strings[2 * head] as string)) this.i[parentId * I + INT_BASE + FLAGS] |= CHILDREN_UNORDERED;
      }
      l[po + FIRST] = id;
      this.i[parentId * I + INT_BASE + CHILD_COUNT]++;
    }
    return id;
  }

  write(id: number, x: NodeFields): void {
    const f = this.f,
      i = this.i,
      fo = id * F,
      io = id * I + INT_BASE;
    f[fo + CZXID] = x.czxid;
    f[fo + MZXID] = x.mzxid;
    f[fo + PZXID] = x.pzxid;
    f[fo + CTIME] = x.ctime;
    f[fo + MTIME] = x.mtime;
    i[io + VERSION] = x.version;
    i[io + CVERSION] = x.cversion;
    i[io + AVERSION] = x.aversion;
    i[io + ACL_ID] = x.aclId;
    this.setData(id, x.data);
    this.setOwner(id, x.owner);
  }

  /** Removes a leaf: its entry and its link in its parent's list; its id is reused later. */
  remove(path: string, id: number): void {
    if (this.unindexedFrom >= 0) this.indexNow();
    if (this.childCount(id) !== 0) throw new Error(`NodeStore: remove of ${path} with children`);
    this.ids.delete(path, id);
    const l = this.links,
      lo = id * L;
    const parentId = l[lo + PARENT]!,
      next = l[lo + NEXT]!,
      prev = l[lo + PREV]!;
    if (prev >= 0) l[prev * L + NEXT] = next;
    else if (parentId >= 0) l[parentId * L + FIRST] = next;
    if (next >= 0) l[next * L + PREV] = prev;
    // Removing keeps an order; an emptied list starts afresh.
    if (parentId >= 0 && --this.i[parentId * I + INT_BASE + CHILD_COUNT] === 0) this.i[parentId * I + INT_BASE + FLAGS] &= HAS_OWNER;
    this.setDataLatin1(id, null);
    this.approximateDataSize -= path.length;
    this.strings[2 * id] = "";
    this.setOwner(id, 0n);
    this.free.push(id);
  }

  path(id: number): string {
    return this.strings[2 * id] as string;
  }
  /** The data as a latin1 string (see bytes.ts), or null. */
  data(id: number): string | null {
    const v = this.strings[2 * id + 1]!;
    if (typeof v !== "number") return v;
    return latin1Of(this.slab.slabOf(v), DataSlab.start(v), this.slab.length(v));
  }
  /**
   * Copies the data into `out` at `at` (room for dataLength(id) is the caller's); returns its
   * length, or -1 for null data.
   */
  copyData(id: number, out: Uint8Array, at: number): number {
    const v = this.strings[2 * id + 1]!;
    if (v === null) return -1;
    if (typeof v !== "number") {
      latin1Into(v, out, at);
      return v.length;
    }
    const n = this.slab.length(v);
    copyInto(this.slab.slabOf(v), DataSlab.start(v), n, out, at);
    return n;
  }
  /** A fresh copy of the data (pooled: see latin1ToBytes), or null. */
  dataBytes(id: number): Uint8Array | null {
    const v = this.strings[2 * id + 1]!;
    if (typeof v === "number") return copyBytes(this.slab.slabOf(v), DataSlab.start(v), this.slab.length(v));
    return v === null ? null : latin1ToBytes(v);
  }
  /** Bytes of data (0 for null, as ZooKeeper's Stat.dataLength). */
  dataLength(id: number): number {
    const v = this.strings[2 * id + 1]!;
    if (typeof v === "number") return this.slab.length(v);
    return v === null ? 0 : v.length;
  }
  /** Sets the data, copying it. */
  setData(id: number, data: NodeData): void {
    const n = data === null ? 0 : data.length;
    this.approximateDataSize += n - this.dataLength(id);
    this.releaseData(id);
    if (data === null || n === 0) {
      this.strings[2 * id + 1] = data === null ? null : "";
      return;
    }
    const handle = this.slab.add(data, 0, n);
    this.strings[2 * id + 1] = handle >= 0 ? handle : bytesToLatin1(data);
  }
  /** Sets the data from a latin1 string (the quota stats), or null. */
  setDataLatin1(id: number, data: string | null): void {
    this.approximateDataSize += (data?.length ?? 0) - this.dataLength(id);
    this.releaseData(id);
    this.strings[2 * id + 1] = data;
  }

  private releaseData(id: number): void {
    const v = this.strings[2 * id + 1];
    if (typeof v !== "number") return;
    this.strings[2 * id + 1] = null;
    this.slab.free(v);
    if (this.slab.wantsCompaction) this.compactData();
  }

  /** Copies every slab item into fresh slabs, leaving the holes behind (see data-slab.ts). */
  private compactData(): void {
    const old = this.slab;
    const slab = new DataSlab();
    const s = this.strings;
    for (let k = 1; k < s.length; k += 2) {
      const v = s[k];
      if (typeof v !== "number") continue;
      const h = slab.add(old.slabOf(v), DataSlab.start(v), old.length(v));
      s[k] = h >= 0 ? h : latin1Of(old.slabOf(v), DataSlab.start(v), old.length(v));
    }
    this.slab = slab;
  }

  /** Bytes in data slabs, and of those the live ones (for tests and figures). */
  get slabBytes(): { allocated: number; used: number } {
    return { allocated: this.slab.allocatedBytes, used: this.slab.usedBytes };
  }

  num(id: number, field: number): number {
    return this.f[id * F + field]!;
  }
  setNum(id: number, field: number, value: number): void {
    this.f[id * F + field] = value;
  }
  int(id: number, field: number): number {
    return this.i[id * I + INT_BASE + field]!;
  }
  setInt(id: number, field: number, value: number): void {
    this.i[id * I + INT_BASE + field] = value;
  }

  /** The ephemeralOwner; the flag in the record spares plain nodes a read of the owner column. */
  owner(id: number): bigint {
    return (this.i[id * I + INT_BASE + FLAGS]! & HAS_OWNER) === 0 ? 0n : this.owners.get(id)!;
  }

  private setOwner(id: number, owner: bigint): void {
    const io = id * I + INT_BASE + FLAGS;
    if (owner !== 0n) {
      this.i[io] |= HAS_OWNER;
      this.owners.set(id, owner);
    } else if ((this.i[io]! & HAS_OWNER) !== 0) {
      this.i[io] &= ~HAS_OWNER;
      this.owners.delete(id);
    }
  }

  childCount(id: number): number {
    return this.i[id * I + INT_BASE + CHILD_COUNT]!;
  }

  /** The children's names, unsorted. */
  childNames(id: number, budget: ReplyBudget = UNBOUNDED): string[] {
    const names: string[] = [];
    const l = this.links;
    const path = this.strings[2 * id] as string;
    const start = path === "/" ? 1 : path.length + 1;
    for (let c = l[id * L + FIRST]!; c >= 0; c = l[c * L + NEXT]!) {
      const child = this.strings[2 * c] as string;
      budget.take(child.length - start + 1, `the children of ${path}`);
      names.push(child.slice(start));
    }
    return names;
  }

  /**
   * Whether the children, newest first, are in descending name order (as when each was named
   * after the ones before it: a fill, sequential nodes, a load): a serializer wanting them
   * sorted need not compare them. Kept by add (one comparison with the newest sibling).
   */
  childrenDescending(id: number): boolean {
    return (this.i[id * I + INT_BASE + FLAGS]! & CHILDREN_UNORDERED) === 0;
  }

  /** The children's ids, newest first (each add puts its node at the head of its parent's list). */
  childIds(id: number): number[] {
    const ids: number[] = [];
    const l = this.links;
    for (let c = l[id * L + FIRST]!; c >= 0; c = l[c * L + NEXT]!) ids.push(c);
    return ids;
  }

  /**
   * Room for `count` nodes in all (a snapshot's node count, before a load): no growing on the
   * way; `slack` more in the columns only (the path index's table grows by doubling).
   */
  reserve(count: number, slack = 0): void {
    const capacity = Math.min(count + slack, NODE_COUNT_MAX);
    if (capacity > this.capacity) this.grow(capacity);
    this.ids.reserve(Math.min(count, NODE_COUNT_MAX));
  }

  /** Grows the columns by half (or to `capacity`), so the slack stays a third of the live size at most. */
  private grow(capacity = Math.ceil(this.capacity * 1.5)): void {
    this.capacity = capacity;
    const f = new Float64Array(F * this.capacity);
    f.set(this.f);
    this.f = f;
    this.i = new Int32Array(f.buffer);
    const links = new Int32Array(L * this.capacity);
    links.set(this.links);
    this.links = links;
    // In place (the path index holds this array); appending instead copied it at every growth of V8's backing store.
    const strings = this.strings;
    const from = strings.length;
    strings.length = 2 * this.capacity;
    strings.fill(null, from);
  }
}
