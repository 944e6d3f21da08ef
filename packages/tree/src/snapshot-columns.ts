// Snapshot format 2's node frame: a frame's nodes as columns, so that a load decodes a
// handful of CBOR values per frame (and a string per path) instead of a 12-element array
// per node, and makes no garbage per node but its path:
//   ["n", paths, fixed, dataLengths, data, acls, owners]
//   paths        the nodes' paths, depth first (see snapshot.ts)
//   fixed        FIXED_BYTES per node, little-endian: czxid, mzxid, pzxid, ctime, mtime
//                (float64, integers), version, cversion, aversion, ACL (int32: an index into
//                the stream's ACL lists)
//   dataLengths  an int32 per node: its data's length, -1 for null data
//   data         every node's data, concatenated
//   acls         the ACL lists first used in this frame, each [[perms, scheme, id], ...],
//                appended to the stream's lists in order (format 1 wrote them inline)
//   owners       OWNER_BYTES per node with an ephemeralOwner: its index in the frame
//                (uint32), then the owner (uint64)
import type { ACL } from "@warden/protocol";
import { DATA_BYTES_MAX } from "./limits.js";
import { aclAt, bad, fillNode, loadNode, newAcl, placeNode, type LoadedNode } from "./snapshot-validate.js";
import type { DataTree } from "./tree.js";
import { type NodeStore, AVERSION, CTIME, CVERSION, CZXID, MTIME, MZXID, PZXID, VERSION } from "./store.js";

/** First element of a format-2 node frame. */
export const NODE_COLUMNS_TAG = "n";
/** Bytes of a node's fixed-width fields in the `fixed` column: five float64s, four int32s. */
const FIXED_BYTES = 5 * 8 + 4 * 4;
/** Bytes per entry of the `owners` column: the node's index (uint32) and its owner (uint64). */
const OWNER_BYTES = 12;

/** Collects a frame's nodes into columns, straight from the store: no copy per node. */
export class NodeColumns {
  private paths: string[] = [];
  private fixed: Uint8Array = new Uint8Array(FIXED_BYTES * 256);
  private lengths: Uint8Array = new Uint8Array(4 * 256);
  private f = viewOf(this.fixed);
  private l = viewOf(this.lengths);
  private data: Uint8Array = new Uint8Array(64 * 1024);
  private dataAt = 0;
  private owners: [number, bigint][] = [];
  private newAcls: unknown[] = [];

  get size(): number {
    return this.paths.length;
  }

  /** An ACL list used first by the next node added: written in full in this frame. */
  addAcl(acl: readonly ACL[]): void {
    this.newAcls.push(acl.map((a) => [a.perms, a.id.scheme, a.id.id]));
  }

  /** Adds node `id` of `s`, at `path`, its ACL as the stream's list `aclRef`; returns its data's length. */
  add(s: NodeStore, id: number, path: string, aclRef: number): number {
    const k = this.paths.length;
    if ((k + 1) * FIXED_BYTES > this.fixed.length) {
      this.fixed = grown(this.fixed, (k + 1) * FIXED_BYTES);
      this.lengths = grown(this.lengths, (k + 1) * 4);
      this.f = viewOf(this.fixed);
      this.l = viewOf(this.lengths);
    }
    const size = s.dataLength(id);
    if (this.dataAt + size > this.data.length) this.data = grown(this.data, this.dataAt + size, this.dataAt);
    const length = s.copyData(id, this.data, this.dataAt);
    if (length > 0) this.dataAt += length;
    this.l.setInt32(4 * k, length, true);
    const f = this.f,
      o = k * FIXED_BYTES;
    f.setFloat64(o, s.num(id, CZXID), true);
    f.setFloat64(o + 8, s.num(id, MZXID), true);
    f.setFloat64(o + 16, s.num(id, PZXID), true);
    f.setFloat64(o + 24, s.num(id, CTIME), true);
    f.setFloat64(o + 32, s.num(id, MTIME), true);
    f.setInt32(o + 40, s.int(id, VERSION), true);
    f.setInt32(o + 44, s.int(id, CVERSION), true);
    f.setInt32(o + 48, s.int(id, AVERSION), true);
    f.setInt32(o + 52, aclRef, true);
    const owner = s.owner(id);
    if (owner !== 0n) this.owners.push([k, owner]);
    this.paths.push(path);
    return Math.max(length, 0);
  }

  /**
   * The frame's value, and the columns emptied for the next frame. Its byte columns are views
   * of buffers the next add writes over: encode the value before adding again.
   */
  take(): unknown[] {
    const n = this.paths.length;
    const owners = new Uint8Array(this.owners.length * OWNER_BYTES);
    const w = viewOf(owners);
    this.owners.forEach(([index, owner], k) => {
      w.setUint32(k * OWNER_BYTES, index, true);
      w.setBigUint64(k * OWNER_BYTES + 4, owner, true);
    });
    const value = [
      NODE_COLUMNS_TAG,
      this.paths,
      this.fixed.subarray(0, n * FIXED_BYTES),
      this.lengths.subarray(0, n * 4),
      this.data.subarray(0, this.dataAt),
      this.newAcls,
      owners,
    ];
    this.paths = [];
    this.dataAt = 0;
    this.owners = [];
    this.newAcls = [];
    return value;
  }
}

/** A buffer of at least `need` bytes (doubling), holding the first `keep` bytes of `b`. */
function grown(b: Uint8Array, need: number, keep = b.length): Uint8Array {
  const out = new Uint8Array(Math.max(need, 2 * b.length));
  out.set(b.subarray(0, keep));
  return out;
}

const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/**
 * Checks a node frame of format 2 and loads its nodes into `tree`, `out` holding the node
 * read last (the parent lookup starts from it). Returns how many nodes were loaded.
 */
export function loadNodeColumns(v: unknown[], acls: ACL[][], tree: DataTree, out: LoadedNode, loaded: number): number {
  if (v.length !== 7) bad("node columns");
  const [, paths, fixed, lengths, data, newAcls, owners] = v;
  if (!Array.isArray(paths) || paths.length === 0) bad("node paths");
  const n = paths.length;
  if (!(fixed instanceof Uint8Array) || fixed.length !== n * FIXED_BYTES) bad("node fields");
  if (!(lengths instanceof Uint8Array) || lengths.length !== n * 4) bad("node data lengths");
  if (!(data instanceof Uint8Array)) bad("node data");
  if (!(owners instanceof Uint8Array) || owners.length % OWNER_BYTES !== 0 || owners.length / OWNER_BYTES > n) bad("node owners");
  if (!Array.isArray(newAcls) || newAcls.length > n) bad("ACL lists");
  for (const acl of newAcls) newAcl(acl, acls);
  const f = viewOf(fixed),
    l = viewOf(lengths),
    w = viewOf(owners);
  let at = 0;
  let ownerAt = 0;
  let nextOwner = owners.length > 0 ? w.getUint32(0, true) : -1;
  for (let i = 0; i < n; i++) {
    const path: unknown = paths[i];
    if (typeof path !== "string") bad("node path");
    const length = l.getInt32(4 * i, true);
    if (length < -1 || length > DATA_BYTES_MAX || at + Math.max(length, 0) > data.length) bad("node data");
    const bytes = length < 0 ? null : data.subarray(at, at + length);
    at += Math.max(length, 0);
    let owner = 0n;
    if (i === nextOwner) {
      owner = w.getBigUint64(ownerAt + 4, true);
      ownerAt += OWNER_BYTES;
      const next = ownerAt < owners.length ? w.getUint32(ownerAt, true) : -1;
      if (next !== -1 && next <= i) bad("node owners out of order");
      nextOwner = next;
    }
    const o = i * FIXED_BYTES;
    const parentId = placeNode(path, tree, loaded === 0, out);
    const acl = aclAt(f.getInt32(o + 52, true), acls);
    fillNode(
      out,
      path,
      parentId,
      acl,
      bytes,
      f.getFloat64(o, true),
      f.getFloat64(o + 8, true),
      f.getFloat64(o + 16, true),
      f.getFloat64(o + 24, true),
      f.getFloat64(o + 32, true),
      f.getInt32(o + 40, true),
      f.getInt32(o + 44, true),
      f.getInt32(o + 48, true),
      owner,
    );
    loadNode(tree, out);
    loaded++;
  }
  if (at !== data.length) bad("node data longer than its lengths");
  if (ownerAt !== owners.length) bad("node owners past the frame's nodes");
  return loaded;
}
