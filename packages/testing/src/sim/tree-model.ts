// The checker's own model of ZooKeeper semantics, outside the code under test: it replays
// the committed history request by request (the request each client sent, found by its
// session id and cxid) and demands that every txn the leader prepared decides what the
// model decides at that position: the same error, the same new version, the same
// ephemerals closed, a sequential name greater than every earlier one under its parent.
// With the total order known (the committed log) and the real-time check of clients.ts,
// that is a linearizability check of every write; the register histories it keeps answer
// what a read must see at any position. The reference tree for "each server's tree equals
// the replay of the committed log" is a fresh DataTree fed the committed txns.
import type { Entry } from "@warden/consensus";
import { CreateMode, ErrorCode, isEphemeral, isSequential, parentPath, type WriteOp } from "@warden/protocol";
import { decodeRecord } from "@warden/server/internal";
import { DataTree, treeDigest, type Txn, type TxnOp, type WriteRequest } from "@warden/tree";
import { SimViolation, valueAtOrBefore, type HistorySpec } from "./history.js";

/** What a client asked for; the model decides its outcome at its commit position. */
export type ModelRequest = Exclude<WriteRequest, { type: "deleteContainer" | "setACL" }> | { type: "createSession" };

interface ModelNode {
  data: string;
  version: number;
  owner: bigint;
  children: number;
}

const decoder = new TextDecoder("latin1");
export const text = (data: Uint8Array): string => decoder.decode(data);
/** Tree digests kept by zxid for replay checks. */
const REPLAY_CACHE_MAX = 64;

/** Undo log for all-or-nothing multis. */
type Undo = () => void;

export class TreeModel implements HistorySpec {
  /** Every request a client sent, by "sessionId:cxid" (bounded by the client history's bound). */
  private readonly requests = new Map<string, ModelRequest>();
  private readonly nodes = new Map<string, ModelNode>([["/", { data: "", version: 0, owner: 0n, children: 0 }]]);
  private readonly sessions = new Set<bigint>();
  private readonly sequenceMax = new Map<string, number>();
  private readonly positionByKey = new Map<string, number>();
  /** The outcome the model decided for each committed request: its error (0: ok) and what it made. */
  readonly outcomes = new Map<string, { err: number; path?: string; version?: number }>();
  private readonly registers = new Map<string, { position: number; value: string }[]>();
  private readonly txns: Txn[] = [];
  private readonly txnPositions: number[] = [];
  private reference = new DataTree();
  private referencePosition = -1;
  private readonly digestAt = new Map<number, string>();

  constructor(private readonly isRegister: (path: string) => boolean) {}

  expect(key: string, request: ModelRequest): void {
    this.requests.set(key, request);
  }

  positionOfValue(key: string): number | undefined {
    return this.positionByKey.get(key);
  }

  /** A register's "data@version" after positions 0..position, undefined while it does not exist. */
  valueAt(path: string, position: number): string | undefined {
    return valueAtOrBefore(this.registers.get(path), position);
  }

  record(position: number, e: Entry): void {
    if (e.payload === null) return;
    const { cxid, txn } = decodeRecord(e.payload);
    const key = `${txn.sessionId}:${cxid}`;
    const request = cxid === 0 && txn.body.type === "closeSession" ? { type: "closeSession" as const } : this.requests.get(key);
    if (request === undefined) throw new SimViolation("txn-from-a-request", `committed txn ${key} (${txn.body.type}) matches no request`);
    if (cxid !== 0) {
      if (this.positionByKey.has(key)) throw new SimViolation("write-committed-once", `request ${key} committed twice`);
      this.positionByKey.set(key, position);
    }
    this.txns.push(txn);
    this.txnPositions.push(position);
    const expected = this.decide(request, txn.sessionId, position, txn);
    for (const path of this.touched) this.noteRegister(path, position);
    this.touched.clear();
    const actual = normalize(txn);
    if (expected.norm !== actual) {
      throw new SimViolation(
        "txn-matches-spec",
        `request ${key} ${JSON.stringify(request, (_k, v) => (typeof v === "bigint" ? String(v) : v instanceof Uint8Array ? text(v) : v))} at position ${position}: the leader prepared ${actual}, the model says ${expected.norm}`,
      );
    }
    if (cxid !== 0) this.outcomes.set(key, expected);
  }

  /** The model's outcome of `request` at `position`; it applies the request to its state. */
  private decide(
    request: ModelRequest,
    sessionId: bigint,
    position: number,
    txn: Txn,
  ): { norm: string; err: number; path?: string; version?: number } {
    switch (request.type) {
      case "createSession":
        this.sessions.add(sessionId);
        return { norm: "session", err: 0 };
      case "closeSession": {
        const paths = [...this.nodes]
          .filter(([, n]) => n.owner === sessionId)
          .map(([p]) => p)
          .sort();
        for (const p of paths) this.remove(p);
        this.sessions.delete(sessionId);
        return { norm: `close[${paths.join(",")}]`, err: 0 };
      }
      case "multi": {
        const undo: Undo[] = [];
        const parts: string[] = [];
        const ops = txn.body.type === "multi" ? txn.body.ops : [];
        for (let i = 0; i < request.ops.length; i++) {
          const r = this.op(request.ops[i]!, sessionId, position, ops[i], undo);
          if (r.err !== 0) {
            for (const u of undo.reverse()) u();
            return { norm: `multi-err@${i}:${r.err}`, err: r.err };
          }
          parts.push(r.norm);
        }
        return { norm: `multi[${parts.join(",")}]`, err: 0 };
      }
      default: {
        const r = this.op(request, sessionId, position, txn.body as TxnOp, []);
        return r.err !== 0 ? { norm: `err:${r.err}`, err: r.err } : r;
      }
    }
  }

  private op(
    r: WriteOp,
    sessionId: bigint,
    position: number,
    prepared: TxnOp | undefined,
    undo: Undo[],
  ): { norm: string; err: number; path?: string; version?: number } {
    const fail = (err: number) => ({ norm: `err:${err}`, err });
    const node = this.nodes.get(r.path);
    switch (r.type) {
      case "check":
        if (node === undefined) return fail(ErrorCode.NO_NODE);
        if (r.version !== -1 && r.version !== node.version) return fail(ErrorCode.BAD_VERSION);
        return { norm: `check:${r.path}`, err: 0 };
      case "setData": {
        if (node === undefined) return fail(ErrorCode.NO_NODE);
        if (r.version !== -1 && r.version !== node.version) return fail(ErrorCode.BAD_VERSION);
        const before = { ...node };
        node.data = text(r.data ?? new Uint8Array(0));
        node.version++;
        undo.push(() => Object.assign(node, before));
        this.touched.add(r.path);
        return { norm: `set:${r.path}:${node.version}`, err: 0, version: node.version };
      }
      case "delete":
        if (node === undefined) return fail(ErrorCode.NO_NODE);
        if (r.version !== -1 && r.version !== node.version) return fail(ErrorCode.BAD_VERSION);
        if (node.children > 0) return fail(ErrorCode.NOT_EMPTY);
        this.remove(r.path);
        undo.push(() => this.put(r.path, node));
        return { norm: `del:${r.path}`, err: 0 };
      case "create":
        return this.create(r.path, text(r.data ?? new Uint8Array(0)), r.mode, sessionId, position, prepared, undo);
    }
  }

  private create(
    path: string,
    data: string,
    mode: CreateMode,
    sessionId: bigint,
    position: number,
    prepared: TxnOp | undefined,
    undo: Undo[],
  ) {
    const fail = (err: number) => ({ norm: `err:${err}`, err });
    const parent = this.nodes.get(parentPath(path));
    if (isEphemeral(mode) && !this.sessions.has(sessionId)) return fail(ErrorCode.SESSION_EXPIRED);
    if (parent === undefined) return fail(ErrorCode.NO_NODE);
    let name = path;
    if (isSequential(mode)) {
      // The exact suffix is the tree's business (its cversion); the rule users rely on is
      // that a sequential name under a parent is never handed out twice.
      const made = prepared?.type === "create" ? prepared.path : undefined;
      if (made === undefined || !made.startsWith(path) || !/^\d{10}$/.test(made.slice(path.length)))
        return { norm: "a sequential create", err: 0 };
      const n = Number(made.slice(path.length));
      const max = this.sequenceMax.get(parentPath(path)) ?? -1;
      if (n <= max)
        throw new SimViolation(
          "sequential-names-never-repeat",
          `${made} created at position ${position}, after sequence number ${max} under ${parentPath(path)}`,
        );
      this.sequenceMax.set(parentPath(path), n);
      undo.push(() => this.sequenceMax.set(parentPath(path), max));
      name = made;
    }
    if (this.nodes.has(name)) return fail(ErrorCode.NODE_EXISTS);
    if (parent.owner !== 0n) return fail(ErrorCode.NO_CHILDREN_FOR_EPHEMERALS);
    this.put(name, { data, version: 0, owner: isEphemeral(mode) ? sessionId : 0n, children: 0 });
    undo.push(() => this.remove(name));
    this.touched.add(name);
    return { norm: `create:${name}`, err: 0, path: name };
  }

  private put(path: string, n: ModelNode): void {
    this.nodes.set(path, n);
    this.nodes.get(parentPath(path))!.children++;
  }

  private remove(path: string): void {
    this.nodes.delete(path);
    this.nodes.get(parentPath(path))!.children--;
  }

  /** Registers a request changed (noted once it is decided: a failed multi changes nothing). */
  private readonly touched = new Set<string>();

  private noteRegister(path: string, position: number): void {
    if (!this.isRegister(path)) return;
    const n = this.nodes.get(path);
    if (n === undefined) return;
    const list = this.registers.get(path) ?? [];
    const value = `${n.data}@${n.version}`;
    if (list.at(-1)?.value === value) return;
    list.push({ position, value });
    this.registers.set(path, list);
  }

  /** treeDigest of a fresh DataTree fed the committed txns of positions 0..position. */
  replayFingerprint(_entries: readonly Entry[], position: number): string {
    const cached = this.digestAt.get(position);
    if (cached !== undefined) return cached;
    if (position < this.referencePosition) {
      this.reference = new DataTree();
      this.referencePosition = -1;
    }
    let i = lowerBound(this.txnPositions, this.referencePosition + 1);
    for (; i < this.txns.length && this.txnPositions[i]! <= position; i++) this.reference.apply(this.txns[i]!);
    this.referencePosition = position;
    const digest = treeDigest(this.reference);
    if (this.digestAt.size >= REPLAY_CACHE_MAX) this.digestAt.delete(this.digestAt.keys().next().value!);
    this.digestAt.set(position, digest);
    return digest;
  }
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A txn as the decision it records, in the model's notation. */
function normalize(txn: Txn): string {
  const b = txn.body;
  switch (b.type) {
    case "createSession":
      return "session";
    case "sessionSecret":
      return "secret";
    case "closeSession":
      return `close[${b.paths.join(",")}]`;
    case "setACL":
      return `setACL:${b.path}`;
    case "multi": {
      const i = b.ops.findIndex((o) => o.type === "error");
      if (i >= 0) return `multi-err@${i}:${(b.ops[i] as { code: number }).code}`;
      return `multi[${b.ops.map(normalizeOp).join(",")}]`;
    }
    default:
      return normalizeOp(b);
  }
}

function normalizeOp(o: TxnOp): string {
  switch (o.type) {
    case "error":
      return `err:${o.code}`;
    case "create":
      return `create:${o.path}`;
    case "delete":
      return `del:${o.path}`;
    case "setData":
      return `set:${o.path}:${o.version}`;
    case "check":
      return `check:${o.path}`;
  }
}

export { CreateMode };
