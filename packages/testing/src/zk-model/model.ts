// The tests' one reference model of ZooKeeper's data tree: obviously correct rather than
// fast, written from ZooKeeper's rules and independent of packages/tree (which it checks).
// Every write is one txn at a new zxid, failed ones too (ZooKeeper's ErrorTxn). What it knows:
// - create: SessionExpired for an ephemeral of a session not open, NoNode without the
//   parent, NodeExists, NoChildrenForEphemerals under a session's ephemeral (containers and
//   TTL nodes may have children); a sequential name is the parent's cversion before the
//   create, as %010d (negative after the int32 wraps); containers and TTL nodes get
//   ZooKeeper's ephemeralOwner markers.
// - the parent's cversion grows with each child created (never on a delete); its pzxid moves
//   with each child created or deleted; version with each setData, aversion with each setACL.
// - delete: NoNode, BadVersion, NotEmpty; setData and check: NoNode, BadVersion.
// - multi: all or nothing; on a failure the ops before it report OK, the failed one its code
//   and the rest RuntimeInconsistency, and nothing changes.
// - closeSession deletes the session's ephemerals in one txn.
// Watches are in watches.ts; they consume the events each txn reports.
import {
  CONTAINER_EPHEMERAL_OWNER,
  CreateMode,
  ErrorCode,
  EventType,
  TTL_EPHEMERAL_OWNER_MASK,
  isEphemeral,
  isSequential,
  parentPath,
  WardenError,
  type ACL,
  type MultiResult,
  type NodeData,
  type Stat,
  type WriteOp,
} from "@warden/protocol";

export interface ModelNode {
  data: NodeData;
  acl: ACL[];
  stat: Stat;
  /** Child names (not paths). */
  children: Set<string>;
}

/** A write the model refuses, with ZooKeeper's error code. */
export class ModelError extends WardenError {
  constructor(readonly err: number) {
    super(err, `ZooKeeper error ${err}`);
  }
}

export type ModelEvent = readonly [EventType, string];

export interface ZkModelOptions {
  /** ctime and mtime of what a txn creates or changes. Default: always 0. */
  now?: () => number;
  /** Called after each txn that changed something, with the events it fires and its zxid. */
  onEvents?: (events: readonly ModelEvent[], zxid: bigint) => void;
}

/** The largest version and cversion (ZooKeeper's int32). */
const INT32_MAX = 0x7fffffff;
const name = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** ZooKeeper's String.format("%010d", n): ten digits, or a minus and nine. */
export function sequenceName(n: number): string {
  return n < 0 ? `-${String(-n).padStart(9, "0")}` : String(n).padStart(10, "0");
}

/** What an ephemeralOwner says (ZooKeeper's EphemeralType). */
export function ownerKindOf(owner: bigint): "none" | "session" | "container" | "ttl" {
  if (owner === 0n) return "none";
  if (owner === CONTAINER_EPHEMERAL_OWNER) return "container";
  // 0xFF, then ZooKeeper's 16 extended-type bits (0: TTL), then a TTL below 2^40 ms.
  if (owner >> 40n === TTL_EPHEMERAL_OWNER_MASK >> 40n) return "ttl";
  return "session";
}

export class ZkModel {
  readonly nodes = new Map<string, ModelNode>();
  readonly sessions = new Set<bigint>();
  zxid = 0n;
  readonly #now: () => number;
  readonly #onEvents: ZkModelOptions["onEvents"];
  /** The txn being applied: how to take it back, and what it fires. */
  #undo: (() => void)[] = [];
  #events: ModelEvent[] = [];

  constructor(options: ZkModelOptions = {}) {
    this.#now = options.now ?? (() => 0);
    this.#onEvents = options.onEvents;
    // The root's Stat is all zeros, as ZooKeeper's.
    this.nodes.set("/", this.#node(new Uint8Array(0), [], 0n, 0));
  }

  /** The node at path; ModelError NO_NODE when there is none. */
  get(path: string): ModelNode {
    const n = this.nodes.get(path);
    if (n === undefined) throw new ModelError(ErrorCode.NO_NODE);
    return n;
  }

  childPaths(path: string): string[] {
    return [...this.get(path).children].sort().map((c) => (path === "/" ? `/${c}` : `${path}/${c}`));
  }

  ephemerals(sessionId: bigint): string[] {
    return [...this.nodes].filter(([, n]) => n.stat.ephemeralOwner === sessionId).map(([p]) => p);
  }

  openSession(sessionId: bigint): void {
    this.sessions.add(sessionId);
    this.zxid++;
  }

  /** Ends a session and deletes its ephemerals, in one txn; returns their paths, sorted. */
  closeSession(sessionId: bigint): string[] {
    const paths = this.ephemerals(sessionId).sort();
    this.#txn(() => {
      this.sessions.delete(sessionId);
      for (const p of paths) this.#delete({ type: "delete", path: p, version: -1 });
    });
    return paths;
  }

  /** One write as a txn; ModelError (and nothing changed) on failure. */
  write(op: WriteOp, sessionId: bigint): MultiResult {
    const [result] = this.multi([op], sessionId);
    if (result!.type === "error") throw new ModelError(result.err);
    return result!;
  }

  /** ZooKeeper's multi: every op applies, or none and each reports its code. */
  multi(ops: readonly WriteOp[], sessionId: bigint): MultiResult[] {
    const results: MultiResult[] = [];
    const failed = this.#txn(() => {
      for (const op of ops) results.push(this.#apply(op, sessionId));
    });
    if (failed === undefined) return results;
    const at = results.length;
    return ops.map((_, i) => ({ type: "error", err: i < at ? ErrorCode.OK : i === at ? failed : ErrorCode.RUNTIME_INCONSISTENCY }));
  }

  setACL(path: string, acl: ACL[], version: number): Stat {
    let stat: Stat | undefined;
    const failed = this.#txn(() => {
      const n = this.get(path);
      if (version !== -1 && version !== n.stat.aversion) throw new ModelError(ErrorCode.BAD_VERSION);
      this.#change(n, { acl, stat: { ...n.stat, aversion: n.stat.aversion + 1 } });
      stat = { ...n.stat };
    });
    if (failed !== undefined) throw new ModelError(failed);
    return stat!;
  }

  /** Runs one txn at a new zxid; on a ModelError undoes it and returns the code. */
  #txn(apply: () => void): number | undefined {
    this.zxid++;
    this.#undo = [];
    this.#events = [];
    try {
      apply();
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      for (const u of this.#undo.reverse()) u();
      return e.err;
    }
    const events = this.#events;
    if (events.length > 0) this.#onEvents?.(events, this.zxid);
    return undefined;
  }

  #apply(op: WriteOp, sessionId: bigint): MultiResult {
    switch (op.type) {
      case "create":
        return this.#create(op, sessionId);
      case "delete":
        this.#delete(op);
        return { type: "delete" };
      case "setData": {
        const n = this.#versioned(op.path, op.version);
        this.#change(n, {
          data: op.data,
          stat: { ...n.stat, version: n.stat.version + 1, mzxid: this.zxid, mtime: this.#now(), dataLength: op.data?.length ?? 0 },
        });
        this.#events.push([EventType.NodeDataChanged, op.path]);
        return { type: "setData", stat: { ...n.stat } };
      }
      case "check":
        this.#versioned(op.path, op.version);
        return { type: "check" };
    }
  }

  #create(op: Extract<WriteOp, { type: "create" }>, sessionId: bigint): MultiResult {
    if (isEphemeral(op.mode) && !this.sessions.has(sessionId)) throw new ModelError(ErrorCode.SESSION_EXPIRED);
    const parentName = parentPath(op.path.endsWith("/") ? `${op.path}x` : op.path);
    const parent = this.get(parentName);
    const path = isSequential(op.mode) ? op.path + sequenceName(parent.stat.cversion) : op.path;
    if (this.nodes.has(path)) throw new ModelError(ErrorCode.NODE_EXISTS);
    if (ownerKindOf(parent.stat.ephemeralOwner) === "session") throw new ModelError(ErrorCode.NO_CHILDREN_FOR_EPHEMERALS);
    const node = this.#node(op.data, op.acl, this.#ownerOf(op, sessionId));
    this.nodes.set(path, node);
    this.#undo.push(() => this.nodes.delete(path));
    const cversion = parent.stat.cversion === INT32_MAX ? -INT32_MAX - 1 : parent.stat.cversion + 1;
    this.#childrenChanged(parent, path, "add", cversion);
    this.#events.push([EventType.NodeCreated, path], [EventType.NodeChildrenChanged, parentName]);
    return { type: "create", path, stat: { ...node.stat } };
  }

  #ownerOf(op: Extract<WriteOp, { type: "create" }>, sessionId: bigint): bigint {
    if (op.mode === CreateMode.CONTAINER) return CONTAINER_EPHEMERAL_OWNER;
    if (op.mode === CreateMode.PERSISTENT_WITH_TTL || op.mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL)
      return TTL_EPHEMERAL_OWNER_MASK | BigInt(op.ttl ?? 0);
    return isEphemeral(op.mode) ? sessionId : 0n;
  }

  #delete(op: Extract<WriteOp, { type: "delete" }>): void {
    const parent = this.get(parentPath(op.path));
    const n = this.#versioned(op.path, op.version);
    if (n.children.size > 0) throw new ModelError(ErrorCode.NOT_EMPTY);
    this.nodes.delete(op.path);
    this.#undo.push(() => this.nodes.set(op.path, n));
    this.#childrenChanged(parent, op.path, "remove", parent.stat.cversion);
    this.#events.push([EventType.NodeDeleted, op.path], [EventType.NodeChildrenChanged, parentPath(op.path)]);
  }

  #versioned(path: string, version: number): ModelNode {
    const n = this.get(path);
    if (version !== -1 && version !== n.stat.version) throw new ModelError(ErrorCode.BAD_VERSION);
    return n;
  }

  #childrenChanged(parent: ModelNode, path: string, how: "add" | "remove", cversion: number): void {
    const children = new Set(parent.children);
    if (how === "add") children.add(name(path));
    else children.delete(name(path));
    this.#change(parent, { children, stat: { ...parent.stat, cversion, pzxid: this.zxid, numChildren: children.size } });
  }

  /** Replaces fields of a node, with the undo. */
  #change(n: ModelNode, fields: Partial<ModelNode>): void {
    const before = { ...n };
    Object.assign(n, fields);
    this.#undo.push(() => Object.assign(n, before));
  }

  #node(data: NodeData, acl: ACL[], owner: bigint, now = this.#now()): ModelNode {
    const z = this.zxid;
    return {
      data,
      acl,
      children: new Set(),
      stat: {
        czxid: z,
        mzxid: z,
        pzxid: z,
        ctime: now,
        mtime: now,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeralOwner: owner,
        dataLength: data?.length ?? 0,
        numChildren: 0,
      },
    };
  }
}
