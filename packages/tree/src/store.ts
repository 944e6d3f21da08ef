// The znodes, stored by column: a node is an integer id; its numbers live in typed
// arrays (no per-node object, no boxed doubles), its data in a one-byte string, its
// children's names in a Set owned by the node. zxids and times are numbers here; the
// Stat record (bigint zxids) is built only at the edges. See README.md for the figures.
import { NODE_COUNT_MAX } from "./limits.js";

const F = 5; // doubles per node: czxid, mzxid, pzxid, ctime, mtime
const I = 4; // int32s per node: version, cversion, aversion, aclId
export const CZXID = 0,
  MZXID = 1,
  PZXID = 2,
  CTIME = 3,
  MTIME = 4;
export const VERSION = 0,
  CVERSION = 1,
  AVERSION = 2,
  ACL_ID = 3;

export interface NodeFields {
  data: string;
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
  private readonly ids = new Map<string, number>();
  f = new Float64Array(F * 1024);
  i = new Int32Array(I * 1024);
  readonly data: string[] = [];
  readonly owner: bigint[] = [];
  readonly children: (Set<string> | undefined)[] = [];
  private readonly free: number[] = [];
  private capacity = 1024;

  get size(): number {
    return this.ids.size;
  }

  /** The id of the node at `path`, or -1. */
  idOf(path: string): number {
    return this.ids.get(path) ?? -1;
  }

  /** Adds a node (its parent must exist unless it is "/"); returns its id. */
  add(path: string, fields: NodeFields): number {
    if (this.ids.size >= NODE_COUNT_MAX) throw new RangeError(`tree holds ${NODE_COUNT_MAX} znodes already`);
    const id = this.free.length > 0 ? this.free.pop()! : this.data.length;
    if (id >= this.capacity) this.grow();
    this.ids.set(path, id);
    this.data[id] = fields.data;
    this.owner[id] = fields.owner;
    this.children[id] = undefined;
    this.write(id, fields);
    return id;
  }

  write(id: number, x: NodeFields): void {
    const f = this.f,
      i = this.i,
      fo = id * F,
      io = id * I;
    f[fo + CZXID] = x.czxid;
    f[fo + MZXID] = x.mzxid;
    f[fo + PZXID] = x.pzxid;
    f[fo + CTIME] = x.ctime;
    f[fo + MTIME] = x.mtime;
    i[io + VERSION] = x.version;
    i[io + CVERSION] = x.cversion;
    i[io + AVERSION] = x.aversion;
    i[io + ACL_ID] = x.aclId;
    this.data[id] = x.data;
    this.owner[id] = x.owner;
  }

  /** Removes the node's entry (not its parent's child name); its id is reused later. */
  remove(path: string, id: number): void {
    this.ids.delete(path);
    this.data[id] = "";
    this.owner[id] = 0n;
    this.children[id] = undefined;
    this.free.push(id);
  }

  num(id: number, field: number): number {
    return this.f[id * F + field]!;
  }
  setNum(id: number, field: number, value: number): void {
    this.f[id * F + field] = value;
  }
  int(id: number, field: number): number {
    return this.i[id * I + field]!;
  }
  setInt(id: number, field: number, value: number): void {
    this.i[id * I + field] = value;
  }

  childCount(id: number): number {
    return this.children[id]?.size ?? 0;
  }

  addChild(id: number, name: string): void {
    let set = this.children[id];
    if (set === undefined) this.children[id] = set = new Set();
    set.add(name);
  }

  removeChild(id: number, name: string): void {
    const set = this.children[id];
    if (set === undefined) return;
    set.delete(name);
    // Leaves are the common case: a childless node keeps no Set.
    if (set.size === 0) this.children[id] = undefined;
  }

  /** Grows the columns by half, so the slack stays a third of the live size at most. */
  private grow(): void {
    this.capacity = Math.ceil(this.capacity * 1.5);
    const f = new Float64Array(F * this.capacity);
    f.set(this.f);
    this.f = f;
    const i = new Int32Array(I * this.capacity);
    i.set(this.i);
    this.i = i;
  }

  paths(): IterableIterator<string> {
    return this.ids.keys();
  }
}
