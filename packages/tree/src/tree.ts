// The data tree: znodes, sessions and the ephemeral index, changed only by apply()
// (apply.ts). Reads here take paths and return Stat records with ZooKeeper's fields.
import {
  answerError,
  NoNodeError,
  OPEN_ACL_UNSAFE,
  READ_ACL_UNSAFE,
  EventType,
  parentPath,
  type ACL,
  type NodeData,
  type Response,
  type Stat,
  type WatchEvent,
} from "@warden/protocol";
import { AclCache } from "./acl-cache.js";
import { apply, type ApplyOutcome } from "./apply.js";
import { read, type ReadContext, type ReadRequest } from "./read.js";
import { OwnerIndex } from "./owner-index.js";
import { finishHash } from "./path-index.js";
import { ACL_ID, AVERSION, CTIME, CVERSION, CZXID, MTIME, MZXID, NodeStore, PZXID, VERSION, type NodeFields } from "./store.js";
import type { Txn } from "./txn.js";
import { WatchRegistry, type FiredWatch, type SetWatchesLists } from "./watches.js";
import { UNBOUNDED, type ReplyBudget } from "./reply-budget.js";
import type { ChangeSink } from "./change-history.js";
import { QuotaIndex } from "./quota-index.js";
import type { LoadedNode } from "./snapshot-validate.js";

/** Every limits and stats node lies below this: a change there may concern a quota. */
const QUOTA_CHILDREN = "/zookeeper/quota/";

const NO_ACL: readonly ACL[] = [];
const CONFIG_NODE = "/zookeeper/config";

export interface SessionInfo {
  timeoutMs: number;
}

export class DataTree {
  /** @internal */ readonly store = new NodeStore();
  /** @internal */ readonly acls = new AclCache();
  private readonly sessionTable = new Map<bigint, SessionInfo>();
  private readonly owned = new OwnerIndex(this.store);
  /** The quotas (limits nodes under /zookeeper/quota) and the stats they keep; see quota-index.ts. */
  readonly quotas = new QuotaIndex(this.store);
  /**
   * This server's watches (not part of the replicated state, not in snapshots). A watched
   * path that names a node keeps the tree's copy of the path, not the request's.
   */
  readonly watches = new WatchRegistry((path) => {
    const id = this.store.idOf(path);
    return id < 0 ? path : this.store.path(id);
  });
  /** Where every change is recorded as it is applied, for replay to returning watches (the server's ChangeHistory). */
  changes: ChangeSink | undefined;
  /** @internal zxid of the last applied txn, as a number (see ZXID_MAX). */
  lastZxid = 0;

  /** A tree holding "/", "/zookeeper", "/zookeeper/quota" and "/zookeeper/config" as ZooKeeper's. */
  constructor(init = true) {
    if (!init) return;
    const zero = {
      czxid: 0,
      mzxid: 0,
      pzxid: 0,
      ctime: 0,
      mtime: 0,
      version: 0,
      cversion: 0,
      aversion: 0,
      owner: 0n,
      data: new Uint8Array(0),
    };
    for (const path of ["/", "/zookeeper", "/zookeeper/quota"]) this.insert(path, { ...zero, aclId: this.acls.acquire(OPEN_ACL_UNSAFE) });
    // ZooKeeper protects the config node (ZOOKEEPER-2014) with setACL(..., -1): aversion -1.
    this.insert("/zookeeper/config", { ...zero, aversion: -1, aclId: this.acls.acquire(READ_ACL_UNSAFE) });
  }

  get lastProcessedZxid(): bigint {
    return BigInt(this.lastZxid);
  }

  /** Number of znodes, "/" included (ZooKeeper's znode_count also counts its "" alias of "/"). */
  get nodeCount(): number {
    return this.store.size;
  }

  /** ZooKeeper's approximateDataSize (mntr's zk_approximate_data_size): every node's path length plus its data's length. */
  get approximateDataSize(): number {
    return this.store.approximateDataSize;
  }

  // ---- reads -------------------------------------------------------------------------

  /** Answers a read request (ACL READ checked, watches registered); throws typed errors. */
  read(request: ReadRequest, ctx: ReadContext): Response {
    return read(this, request, ctx);
  }

  /** Re-registers a reconnecting session's watches; returns the events to deliver now. */
  setWatches(sessionId: bigint, lists: SetWatchesLists): WatchEvent[] {
    return this.watches.setWatches(sessionId, lists, (path) => {
      const id = this.store.idOf(path);
      return id < 0 ? undefined : { mzxid: BigInt(this.store.num(id, MZXID)), pzxid: BigInt(this.store.num(id, PZXID)) };
    });
  }

  /** @internal The node id or -1. */
  idOf(path: string): number {
    return this.store.idOf(path);
  }

  /** @internal */
  require(path: string): number {
    const id = this.store.idOf(path);
    if (id < 0) throw answerError(NoNodeError, path);
    return id;
  }

  /** @internal */
  statOf(id: number): Stat {
    const s = this.store;
    // Most nodes never change after their create: one BigInt then serves all three zxids.
    const c = s.num(id, CZXID),
      m = s.num(id, MZXID),
      p = s.num(id, PZXID);
    const czxid = BigInt(c);
    const mzxid = m === c ? czxid : BigInt(m);
    return {
      czxid,
      mzxid,
      ctime: s.num(id, CTIME),
      mtime: s.num(id, MTIME),
      version: s.int(id, VERSION),
      cversion: s.int(id, CVERSION),
      aversion: s.int(id, AVERSION),
      ephemeralOwner: s.owner(id),
      dataLength: s.dataLength(id),
      numChildren: s.childCount(id),
      pzxid: p === c ? czxid : p === m ? mzxid : BigInt(p),
    };
  }

  /** @internal */
  aclOf(id: number): readonly ACL[] {
    return this.acls.get(this.store.int(id, ACL_ID));
  }

  exists(path: string): Stat | undefined {
    const id = this.store.idOf(path);
    return id < 0 ? undefined : this.statOf(id);
  }

  /** The data (a fresh copy) and Stat; NoNodeError when missing. */
  getData(path: string): { data: NodeData; stat: Stat } {
    return this.dataOf(this.require(path));
  }

  /** @internal Bytes of the node's data (without copying it). */
  dataLengthOf(id: number): number {
    return this.store.dataLength(id);
  }

  /** @internal */
  dataOf(id: number): { data: NodeData; stat: Stat } {
    return { data: this.store.dataBytes(id), stat: this.statOf(id) };
  }

  /** Child names, sorted (ZooKeeper returns them in HashSet order; sorted is one valid order). */
  getChildren(path: string, budget: ReplyBudget = UNBOUNDED): string[] {
    return this.store.childNames(this.require(path), budget).sort();
  }

  getACL(path: string): { acl: ACL[]; stat: Stat } {
    const id = this.require(path);
    return { acl: this.aclOf(id).map((a) => ({ perms: a.perms, id: { ...a.id } })), stat: this.statOf(id) };
  }

  /** Descendants of `path`, itself excluded (ZooKeeper's getAllChildrenNumber). */
  getAllChildrenNumber(path: string): number {
    let count = 0;
    const stack = [this.require(path)];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (this.store.childCount(id) === 0) continue;
      const children = this.store.childIds(id);
      count += children.length;
      for (const c of children) stack.push(c);
    }
    return count;
  }

  /** The session's ephemerals starting with `prefix` (a string prefix, as ZooKeeper's), sorted. */
  getEphemerals(sessionId: bigint, prefix = "/", budget: ReplyBudget = UNBOUNDED): string[] {
    return this.owned.ephemeralsUnder(sessionId, prefix, budget);
  }

  /** @internal What the session's ephemeral paths cost in its closeSession txn. */
  ephemeralBytesOf(sessionId: bigint): number {
    return this.owned.ephemeralBytesOf(sessionId);
  }

  /** @internal The session's ephemeral paths as stored (do not mutate). */
  ephemeralsOf(sessionId: bigint): ReadonlySet<string> {
    return this.owned.ephemeralsOf(sessionId);
  }

  /** The ensemble's session secret once committed (see SessionSecretTxnBody); undefined before. */
  sessionSecret: Uint8Array | undefined = undefined;

  get sessions(): ReadonlyMap<bigint, SessionInfo> {
    return this.sessionTable;
  }

  /**
   * Empty containers that once had a child (cversion > 0) and childless TTL nodes whose
   * mtime + ttl is before `nowMs` (ZooKeeper's ContainerManager.getCandidates), at most `limit`.
   * The leader turns each into a "deleteContainer" request for the Preparer.
   */
  expiredNodes(nowMs: number, limit: number): string[] {
    return this.owned.expired(nowMs, limit);
  }

  /**
   * Replaces /zookeeper/config's data outside the log, as ZooKeeper's initConfigInZKDatabase
   * does on each server (DataTree.setData with version -1 and the configuration's version as
   * mzxid); returns the data watches it fires. Not recorded in the change history: it is this
   * server's view of its membership, not a committed transaction (a reconfig that commits
   * changes the node through apply() like any setData).
   */
  replaceConfigData(data: Uint8Array, mzxid: bigint, timeMs: number): FiredWatch[] {
    const id = this.require(CONFIG_NODE);
    const events: FiredWatch[] = [];
    const changes = this.changes;
    this.changes = undefined;
    try {
      this.setNodeData(id, CONFIG_NODE, data, -1, Number(BigInt.asUintN(53, mzxid)), timeMs, events);
    } finally {
      this.changes = changes;
    }
    return events;
  }

  // ---- changes (apply.ts is the only caller) ------------------------------------------

  /** Applies a committed txn: the only way the tree changes. See apply.ts (and `reply` there). */
  apply(txn: Txn, reply = true): ApplyOutcome {
    return apply(this, txn, reply);
  }

  /** Adds a node and indexes its owner; returns its id, or -1 (adding nothing) when `path` is present. */
  private insert(path: string, fields: NodeFields, pid = path === "/" ? -1 : this.store.idOf(parentPath(path)), hash?: number): number {
    const id = this.store.add(path, pid, fields, hash);
    if (id >= 0) this.owned.update(path, fields.owner, true);
    return id;
  }

  /**
   * @internal Creates `path` under the node `pid` (its parent, which must exist). A node already there can only be met
   * when replaying txns over a fuzzy snapshot; it is then reset to this create's state
   * (its children are replayed by their own txns), which keeps replay exact.
   */
  createNode(
    pid: number,
    path: string,
    data: NodeData,
    acl: readonly ACL[],
    owner: bigint,
    parentCVersion: number,
    zxid: number,
    timeMs: number,
    events: FiredWatch[],
  ): number {
    const s = this.store;
    // ZooKeeper's rule: only a newer cversion moves cversion and pzxid (replay never reverts them).
    if (parentCVersion > s.int(pid, CVERSION)) {
      s.setInt(pid, CVERSION, parentCVersion);
      s.setNum(pid, PZXID, zxid);
    }
    const aclId = this.acls.acquire(acl);
    const fields = {
      data,
      aclId,
      czxid: zxid,
      mzxid: zxid,
      pzxid: zxid,
      ctime: timeMs,
      mtime: timeMs,
      version: 0,
      cversion: 0,
      aversion: 0,
      owner,
    };
    let id = s.idOf(path);
    const replaced = id >= 0;
    const oldBytes = replaced ? s.dataLength(id) : 0;
    if (replaced) {
      this.acls.release(s.int(id, ACL_ID));
      this.owned.update(path, s.owner(id), false);
      s.write(id, fields);
      this.owned.update(path, owner, true);
    } else {
      id = this.insert(path, fields, pid);
    }
    if (this.quotas.size > 0 || path.startsWith(QUOTA_CHILDREN)) this.quotas.created(path, id, s.dataLength(id), replaced, oldBytes);
    // The cache's shared list, not the request's own: the change history keeps it.
    this.changed(path, EventType.NodeCreated, zxid, this.acls.get(aclId), pid, events);
    return id;
  }

  /**
   * @internal Deletes `path`. The parent's pzxid moves even when the node is already gone
   * (as ZooKeeper's deleteNode). A node with children is only met in fuzzy replay: its
   * subtree goes too, every node in it having been created after this txn in history.
   */
  deleteNode(path: string, zxid: number, events: FiredWatch[]): boolean {
    const s = this.store;
    const pid = path === "/" ? -1 : s.idOf(parentPath(path));
    if (pid >= 0 && zxid > s.num(pid, PZXID)) s.setNum(pid, PZXID, zxid);
    const id = s.idOf(path);
    if (id < 0 || pid < 0) return false;
    const doomed = [id];
    for (let i = 0; i < doomed.length; i++) if (s.childCount(doomed[i]!) > 0) doomed.push(...s.childIds(doomed[i]!));
    for (let i = doomed.length - 1; i >= 0; i--) this.removeLeaf(s.path(doomed[i]!), zxid, events);
    return true;
  }

  private removeLeaf(path: string, zxid: number, events: FiredWatch[]): void {
    const s = this.store;
    const id = s.idOf(path);
    const parent = parentPath(path);
    const pid = s.idOf(parent);
    const acl = this.aclOf(id);
    const bytes = s.dataLength(id);
    this.owned.update(path, s.owner(id), false);
    s.remove(path, id);
    if (this.quotas.size > 0 || path.startsWith(QUOTA_CHILDREN)) this.quotas.deleted(path, bytes);
    this.changed(path, EventType.NodeDeleted, zxid, acl, pid, events);
    this.acls.release(s.int(id, ACL_ID));
  }

  /** @internal */
  setNodeData(id: number, path: string, data: NodeData, version: number, zxid: number, timeMs: number, events: FiredWatch[]): void {
    const s = this.store;
    const oldBytes = s.dataLength(id);
    s.setData(id, data);
    if (this.quotas.size > 0 || path.startsWith(QUOTA_CHILDREN)) this.quotas.dataChanged(path, id, oldBytes, s.dataLength(id));
    s.setNum(id, MTIME, timeMs);
    s.setNum(id, MZXID, zxid);
    s.setInt(id, VERSION, version);
    this.changed(path, EventType.NodeDataChanged, zxid, this.aclOf(id), -1, events);
  }

  /** One change of a node: recorded for replay, and the watches it fires now. `pid` -1: no parent ACL is needed. */
  private changed(path: string, type: EventType, zxid: number, acl: readonly ACL[], pid: number, events: FiredWatch[]): void {
    if (this.changes === undefined && this.watches.isEmpty) return;
    const parentAcl = pid < 0 ? NO_ACL : this.aclOf(pid);
    this.changes?.record(path, type, zxid, acl, parentAcl);
    if (!this.watches.isEmpty) events.push(...this.watches.trigger(path, type, BigInt(zxid), acl, parentAcl));
  }

  /** @internal */
  setNodeACL(id: number, acl: readonly ACL[], aversion: number): void {
    const s = this.store;
    const aclId = this.acls.acquire(acl);
    this.acls.release(s.int(id, ACL_ID));
    s.setInt(id, ACL_ID, aclId);
    s.setInt(id, AVERSION, aversion);
  }

  /** @internal */
  putSession(sessionId: bigint, info: SessionInfo | undefined): void {
    if (info === undefined) {
      // The ephemerals went with the closeSession txn's deletes, which keep the index.
      this.sessionTable.delete(sessionId);
    } else {
      this.sessionTable.set(sessionId, { timeoutMs: info.timeoutMs });
    }
  }

  /** @internal After a snapshot is loaded: the quotas from its limits nodes, their stats counted afresh (as ZooKeeper's setupQuota). */
  loadQuotas(): void {
    this.quotas.rebuild(this.store.idOf("/zookeeper/quota"));
  }

  /** @internal For snapshot loading: adds a checked node record (its parent present); returns its id, or -1 when its path is present. */
  load(node: LoadedNode): number {
    node.aclId = this.acls.acquire(node.acl);
    const id = this.insert(node.path, node, node.parentId, finishHash(node.hashState));
    if (id < 0) this.acls.release(node.aclId);
    return id;
  }

  /**
   * @internal For snapshot loading: room for `count` nodes and `slack` more in the columns (snapshot.ts, loadSlack), so that they grow once,
   * and the path index built in one pass (indexLoaded) rather than a random probe per node.
   */
  beginLoad(count: number, slack: number): void {
    this.store.reserve(count, slack);
    this.store.deferIndex();
  }

  /** @internal For snapshot loading: indexes the nodes loaded so far; returns a path loaded twice, or undefined. */
  indexLoaded(): string | undefined {
    return this.store.indexDeferred();
  }
}
