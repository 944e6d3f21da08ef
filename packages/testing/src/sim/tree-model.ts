// The checker's own model of ZooKeeper semantics, outside the code under test: it replays
// the committed history request by request (the request each client sent, found by its
// session id and cxid) through the tests' reference model of ZooKeeper's tree (ZkModel) and
// demands that every txn the leader prepared decides what the model decides at that
// position: the same error, the same new version, the same ephemerals closed, the same
// sequential name (the parent's cversion), never one handed out before under its parent.
// With the total order known (the committed log) and the real-time check of clients.ts,
// that is a linearizability check of every write; the register histories it keeps answer
// what a read must see at any position. The reference tree for "each server's tree equals
// the replay of the committed log" is a fresh DataTree fed the committed txns.
import type { Entry } from "@warden/consensus";
import { CreateMode, isSequential, parentPath, type MultiResult, type WriteOp } from "@warden/protocol";
import { decodeRecord } from "@warden/server/internal";
import { DataTree, treeDigest, type Txn, type TxnOp, type WriteRequest } from "@warden/tree";
import { ModelError, ZkModel } from "../zk-model/model.js";
import { SimViolation, valueAtOrBefore, type HistorySpec } from "./history.js";

/** What a client asked for; the model decides its outcome at its commit position. */
export type ModelRequest = Exclude<WriteRequest, { type: "deleteContainer" | "setACL" }> | { type: "createSession" };

const decoder = new TextDecoder("latin1");
export const text = (data: Uint8Array): string => decoder.decode(data);
/** Tree digests kept by zxid for replay checks. */
const REPLAY_CACHE_MAX = 64;
const EMPTY = new Uint8Array(0);

/** What the model decided for a request: its notation (compared with the txn's), error, and what it made. */
interface Outcome {
  norm: string;
  err: number;
  path?: string;
  version?: number;
}

export class TreeModel implements HistorySpec {
  /** Every request a client sent, by "sessionId:cxid" (bounded by the client history's bound). */
  private readonly requests = new Map<string, ModelRequest>();
  private readonly tree = new ZkModel();
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
  private decide(request: ModelRequest, sessionId: bigint, position: number, txn: Txn): Outcome {
    switch (request.type) {
      case "createSession":
        this.tree.openSession(sessionId);
        return { norm: "session", err: 0 };
      case "closeSession":
        return { norm: `close[${this.tree.closeSession(sessionId).join(",")}]`, err: 0 };
      case "multi": {
        const results = this.tree.multi(request.ops, sessionId);
        const failed = results.findIndex((r) => r.type === "error" && r.err !== 0);
        if (failed >= 0)
          return { norm: `multi-err@${failed}:${(results[failed] as { err: number }).err}`, err: (results[failed] as { err: number }).err };
        const prepared = txn.body.type === "multi" ? txn.body.ops : [];
        const parts = request.ops.map((op, i) => this.applied(op, results[i]!, prepared[i], position).norm);
        return { norm: `multi[${parts.join(",")}]`, err: 0 };
      }
      default: {
        let result: MultiResult;
        try {
          result = this.tree.write(request, sessionId);
        } catch (e) {
          if (!(e instanceof ModelError)) throw e;
          return { norm: `err:${e.err}`, err: e.err };
        }
        return this.applied(request, result, txn.body as TxnOp, position);
      }
    }
  }

  /** An op the model applied: its notation, the registers it touched, and the server's sequential name checked. */
  private applied(op: WriteOp, result: MultiResult, prepared: TxnOp | undefined, position: number): Outcome {
    switch (result.type) {
      case "create":
        if (op.type === "create" && isSequential(op.mode) && prepared?.type === "create")
          this.checkSequence(op.path, prepared.path, position);
        this.touched.add(result.path);
        return { norm: `create:${result.path}`, err: 0, path: result.path };
      case "setData":
        this.touched.add(op.path);
        return { norm: `set:${op.path}:${result.stat.version}`, err: 0, version: result.stat.version };
      case "delete":
        return { norm: `del:${op.path}`, err: 0 };
      case "check":
        return { norm: `check:${op.path}`, err: 0 };
      case "error":
        throw new Error(`an applied op cannot have failed (${result.err})`);
    }
  }

  /** A sequential name the server made is never one it handed out before under that parent. */
  private checkSequence(requested: string, made: string, position: number): void {
    const suffix = made.slice(requested.length);
    if (!made.startsWith(requested) || !/^-?\d{9,10}$/.test(suffix)) return; // the name's mismatch shows as txn-matches-spec
    const parent = parentPath(requested);
    const n = Number(suffix);
    const max = this.sequenceMax.get(parent) ?? Number.NEGATIVE_INFINITY;
    if (n <= max)
      throw new SimViolation(
        "sequential-names-never-repeat",
        `${made} created at position ${position}, after sequence number ${max} under ${parent}`,
      );
    this.sequenceMax.set(parent, n);
  }

  /** Registers a request changed (noted once it is decided: a failed multi changes nothing). */
  private readonly touched = new Set<string>();

  private noteRegister(path: string, position: number): void {
    if (!this.isRegister(path)) return;
    const n = this.tree.nodes.get(path);
    if (n === undefined) return;
    const list = this.registers.get(path) ?? [];
    const value = `${text(n.data ?? EMPTY)}@${n.stat.version}`;
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
