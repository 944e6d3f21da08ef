// Snapshots of a tree: a stream of frames (4-byte big-endian length + one CBOR value).
//   header  ["warden-tree", format, startZxid, nodeCount] (format 1: no nodeCount; format 2: the
//           count when the snapshot began, a hint the loader makes room by)
//   nodes   format 2: ["n", ...columns] (snapshot-columns.ts), format 1 (still read):
//           [[path, data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner], ...]
//   trailer ["end", nodeCount, [[sessionId, timeoutMs], ...], sessionSecret?]
// Nodes come depth first with children in sorted order, so equal trees give equal bytes.
// An ACL is written in full the first time and as its index in the stream after that.
// Fuzzy: the generator reads the live tree a frame at a time, so txns may be applied
// between chunks; each node is written as it is when reached. Loading it and replaying
// every txn after startZxid gives the exact tree (see apply.ts).
import { DecodeError, type ACL } from "@warden/protocol";
import { type NodeStore, ACL_ID } from "./store.js";
import { SNAPSHOT_FRAME_BYTES_MAX, SNAPSHOT_FRAME_BYTES_TARGET } from "./limits.js";
import { Encoder } from "cbor-x";
import { CBOR_OPTIONS, cbor } from "./txn-codec.js";
import { DataTree } from "./tree.js";
import { emptyLoadedNode, loadNode, validateNodeRecord, validateHeader, validateTrailer, bad } from "./snapshot-validate.js";
import { NODE_COLUMNS_TAG, NodeColumns, loadNodeColumns } from "./snapshot-columns.js";

const MAGIC = "warden-tree";
/** The format written; LOAD_FORMATS are read. */
const FORMAT = 2;
const LOAD_FORMATS = [1, 2];

/** An uninitialised buffer of the kind cbor-x encodes into: under Node a Buffer (it writes strings with utf8Write). */
const allocate: (bytes: number) => Uint8Array = typeof Buffer !== "undefined" ? (n) => Buffer.allocUnsafeSlow(n) : (n) => new Uint8Array(n);

/** cbor-x's arena API (its README's "useBuffer"), which its type declarations leave out. */
interface ArenaEncoder {
  encode(value: unknown): Uint8Array;
  useBuffer(buffer: Uint8Array): void;
}

/**
 * A snapshot's frames, each encoded in place into one buffer kept for the whole snapshot, after
 * room for its length. A 1M-znode snapshot is about 190 MB of frames. Encoded by the shared
 * encoder and copied out, each frame cost two fresh buffers outside V8's heap, some 400 MB a
 * snapshot, which V8 counts towards its collections: a process writing such snapshots to a file
 * ran a mark-compact about every 100 ms, and none with the arena.
 */
class FrameArena {
  private readonly encoder = new Encoder(CBOR_OPTIONS) as unknown as ArenaEncoder;
  private arena = allocate(2 * SNAPSHOT_FRAME_BYTES_TARGET);

  /** The frame of `value`: a view of the arena, valid until the next call. */
  frame(value: unknown): Uint8Array {
    this.encoder.useBuffer(this.arena.subarray(4));
    const body = this.encoder.encode(value);
    if (body.buffer !== this.arena.buffer || body.byteOffset !== this.arena.byteOffset + 4) {
      // cbor-x outgrew the arena and finished in a buffer of its own: adopt a larger arena.
      const grown = allocate(Math.max(2 * this.arena.length, 4 + body.length));
      grown.set(body, 4);
      this.arena = grown;
    }
    new DataView(this.arena.buffer, this.arena.byteOffset, 4).setUint32(0, body.length);
    return this.arena.subarray(0, 4 + body.length);
  }
}

/** Options of serializeSnapshot. */
export interface SerializeOptions {
  /** Nodes are cut into a new frame past this many bytes (at most SNAPSHOT_FRAME_BYTES_TARGET). */
  frameBytesTarget?: number;
  /**
   * Each chunk is a view of a buffer that pulling the next one writes over, so a snapshot
   * allocates no buffer per frame. For a consumer done with a chunk before it pulls the next
   * (a file writer, a hash); by default each chunk is a copy of its own.
   */
  transient?: boolean;
}

/**
 * Pushes the children of `id` reverse-sorted, so they come off in sorted order. Siblings'
 * paths share the parent's path and a "/", so they sort as their names do; the stored
 * strings are used as they are. A child list is newest first, so children created in
 * name order (a fill, sequential nodes, a load) are reverse-sorted already: the store
 * knows (childrenDescending), and only other lists are sorted.
 */
function pushChildren(s: NodeStore, id: number, stack: string[], ids: number[]): void {
  const children = s.childIds(id);
  if (!s.childrenDescending(id)) children.sort((a, b) => (s.path(a) < s.path(b) ? 1 : -1));
  for (const c of children) {
    stack.push(s.path(c));
    ids.push(c);
  }
}

/** Streams the tree as bounded chunks (one frame each). See the file comment for fuzziness. */
export function* serializeSnapshot(tree: DataTree, options: SerializeOptions = {}): Generator<Uint8Array> {
  const frameBytesTarget = Math.min(options.frameBytesTarget ?? SNAPSHOT_FRAME_BYTES_TARGET, SNAPSHOT_FRAME_BYTES_TARGET);
  const arena = new FrameArena();
  const frame = options.transient ? (value: unknown) => arena.frame(value) : (value: unknown) => new Uint8Array(arena.frame(value));
  yield frame([MAGIC, FORMAT, tree.lastProcessedZxid, tree.nodeCount]);
  const aclIndex = new Map<number, number>(); // tree ACL id -> stream index
  const aclSeen: (readonly ACL[])[] = [];
  // Paths to visit, and the id each had when pushed: when the id still holds that path (the
  // same string, compared by reference) no lookup is needed; else the path is looked up, as
  // txns applied between frames may have deleted it or reused its id.
  const stack: string[] = ["/"];
  const ids: number[] = [tree.idOf("/")];
  const s = tree.store;
  const columns = new NodeColumns();
  let batchBytes = 0;
  let count = 0;
  while (stack.length > 0) {
    const path = stack.pop()!;
    let id = ids.pop()!;
    if (s.path(id) !== path) id = tree.idOf(path);
    if (id < 0) continue; // deleted since its parent was written
    const aclId = s.int(id, ACL_ID);
    let aclRef = aclIndex.get(aclId);
    // A released and reused tree ACL id must not alias an earlier list.
    if (aclRef === undefined || aclSeen[aclRef] !== tree.acls.get(aclId)) {
      aclRef = aclSeen.length;
      aclIndex.set(aclId, aclRef);
      aclSeen.push(tree.acls.get(aclId));
      columns.addAcl(tree.acls.get(aclId));
    }
    batchBytes += path.length + columns.add(s, id, path, aclRef) + 64;
    count++;
    if (s.childCount(id) > 0) pushChildren(s, id, stack, ids);
    if (batchBytes >= frameBytesTarget) {
      yield frame(columns.take());
      batchBytes = 0;
    }
  }
  if (columns.size > 0) yield frame(columns.take());
  const sessions = [...tree.sessions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, s]) => [id, s.timeoutMs]);
  yield frame(tree.sessionSecret ? ["end", count, sessions, tree.sessionSecret] : ["end", count, sessions]);
}

/** Splits a byte stream, cut anywhere, into frames; lengths are checked before buffering. */
class FrameSplitter {
  private buf: Uint8Array = new Uint8Array(0);

  *feed(chunk: unknown): Generator<unknown> {
    if (!(chunk instanceof Uint8Array)) throw new DecodeError("WARDEN_ERR_BAD_SNAPSHOT", "snapshot chunk is not bytes");
    this.buf = this.buf.length === 0 ? chunk : concat(this.buf, chunk);
    while (this.buf.length >= 4) {
      const length = new DataView(this.buf.buffer, this.buf.byteOffset, 4).getUint32(0);
      if (length > SNAPSHOT_FRAME_BYTES_MAX) throw new DecodeError("WARDEN_ERR_FRAME_TOO_LARGE", `snapshot frame of ${length} bytes`);
      if (this.buf.length < 4 + length) break;
      const value = decodeFrame(this.buf.subarray(4, 4 + length));
      this.buf = this.buf.subarray(4 + length);
      yield value;
    }
  }

  end(): void {
    if (this.buf.length > 0) throw new DecodeError("WARDEN_ERR_BAD_SNAPSHOT", "snapshot ends inside a frame");
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function decodeFrame(bytes: Uint8Array): unknown {
  try {
    return cbor.decode(bytes);
  } catch (e) {
    throw new DecodeError("WARDEN_ERR_BAD_SNAPSHOT", `bad snapshot frame: ${(e as Error).message}`);
  }
}

/** Builds a tree from a snapshot's frames, checking each (header, node lists, trailer, nothing after). */
/** What the caller of a load knows of what follows it. */
export interface LoadOptions {
  /**
   * The last zxid of the log to be replayed on the loaded tree (a restart's), if known: room is
   * reserved for a node per entry after the snapshot's, so that the replay never grows the columns.
   */
  readonly replayTo?: bigint;
}

class TreeLoader {
  constructor(private readonly options: LoadOptions = {}) {}
  private readonly tree = new DataTree(false);
  private readonly acls: ACL[][] = [];
  private readonly node = emptyLoadedNode();
  private state: "header" | "nodes" | "done" = "header";
  private format = FORMAT;
  private count = 0;

  take(value: unknown): void {
    if (this.state === "done") throw new DecodeError("WARDEN_ERR_BAD_SNAPSHOT", "data after the snapshot's end");
    if (this.state === "header") {
      const header = validateHeader(value, MAGIC, LOAD_FORMATS);
      this.tree.lastZxid = header.zxid;
      this.format = header.format;
      const count = header.nodeCountHint;
      this.tree.beginLoad(count, loadSlack(count, replayEntries(BigInt(header.zxid), this.options.replayTo)));
      this.state = "nodes";
    } else if (Array.isArray(value) && value[0] === "end") {
      const trailer = validateTrailer(value, this.count);
      const twice = this.tree.indexLoaded();
      if (twice !== undefined) bad(`duplicate node ${twice}`);
      for (const [id, timeoutMs] of trailer.sessions) this.tree.putSession(id, { timeoutMs });
      this.tree.sessionSecret = trailer.sessionSecret;
      this.tree.loadQuotas();
      this.state = "done";
    } else if (this.format === 2) {
      if (!Array.isArray(value) || value[0] !== NODE_COLUMNS_TAG) bad("node frame is not a list of columns");
      this.count = loadNodeColumns(value, this.acls, this.tree, this.node, this.count);
    } else {
      if (!Array.isArray(value)) throw new DecodeError("WARDEN_ERR_BAD_SNAPSHOT", "node frame is not a list");
      for (const record of value) {
        const n = this.node;
        validateNodeRecord(record, this.acls, this.tree, this.count === 0, n);
        loadNode(this.tree, n);
        this.count++;
      }
    }
  }

  finish(splitter: FrameSplitter): DataTree {
    splitter.end();
    if (this.state !== "done") throw new DecodeError("WARDEN_ERR_BAD_SNAPSHOT", "snapshot is truncated");
    return this.tree;
  }
}

/**
 * Loads a snapshot into a new tree whose lastProcessedZxid is the snapshot's start zxid;
 * replay txns after it. Throws DecodeError on anything malformed, truncated or inconsistent.
 */
export async function loadSnapshot(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: LoadOptions): Promise<DataTree> {
  const splitter = new FrameSplitter();
  const loader = new TreeLoader(options);
  for await (const chunk of chunks) for (const value of splitter.feed(chunk)) loader.take(value);
  return loader.finish(splitter);
}

/**
 * Room in the columns beyond a snapshot's count of `count` nodes. The count is the tree's when
 * the snapshot began: a fuzzy snapshot written under writes holds the nodes created meanwhile
 * too, and a restart's log replay adds more (at most one a create: room for every entry to be
 * replayed, up to as many again as the snapshot holds, so that a long tail of sets does not
 * reserve memory it never uses). An eighth more at least spares copying all the columns half
 * way (a growth: 110-150 ms at 1M znodes).
 */
function loadSlack(count: number, replayEntries: number): number {
  return Math.max(count >> 3, Math.min(replayEntries, count));
}

/** Entries from `zxid` to `replayTo` when both are of one epoch (zxids count up within one), else 0. */
function replayEntries(zxid: bigint, replayTo: bigint | undefined): number {
  if (replayTo === undefined || replayTo <= zxid || replayTo >> 32n !== zxid >> 32n) return 0;
  return Number(replayTo - zxid);
}

/** loadSnapshot for bytes already in memory (a snapshot received from a leader), in one go. */
export function loadSnapshotSync(chunks: Iterable<Uint8Array>, options?: LoadOptions): DataTree {
  const splitter = new FrameSplitter();
  const loader = new TreeLoader(options);
  for (const chunk of chunks) for (const value of splitter.feed(chunk)) loader.take(value);
  return loader.finish(splitter);
}
