// The Preparer's quota check (ZooKeeperServer.checkQuota, called by PrepRequestProcessor for
// create and setData): a change that would take a quota's count or bytes past its limit is
// logged, and refused with QUOTA_EXCEEDED when the limit is a hard one and enforceQuota is on.
// The stats it checks are the tree's plus every change prepared and not yet applied plus the
// earlier ops of the same multi (ZooKeeper checks the committed stats only, so concurrent
// creates or one multi could pass a hard limit there).
import { QuotaExceededError } from "@warden/protocol";
import type { QuotaRoot } from "./quota-index.js";
import type { DataTree } from "./tree.js";

export interface QuotaOptions {
  /** Refuse changes past a hard limit (ZooKeeper's zookeeper.enforceQuota; default false). */
  enforce?: boolean;
  /** Told of every change that passes a limit (soft, or hard), in ZooKeeper's words; rate-limit it. */
  exceeded?: (message: string) => void;
}

interface Delta {
  count: number;
  bytes: number;
}

export class QuotaGuard {
  /** This request's changes per quota path, until it is prepared or fails. */
  private readonly txn = new Map<string, Delta>();
  /** Changes of txns prepared and not applied, per quota path, and in zxid order. */
  private readonly pending = new Map<string, Delta>();
  private readonly queue: Array<{ zxid: bigint; deltas: Map<string, Delta> }> = [];
  private readonly enforce: boolean;
  /** Nothing to refuse and nobody to tell: no bookkeeping at all. */
  private readonly active: boolean;

  constructor(
    private readonly tree: DataTree,
    private readonly options: QuotaOptions = {},
  ) {
    this.enforce = options.enforce ?? false;
    this.active = this.enforce || options.exceeded !== undefined;
  }

  /**
   * A change of `countDiff` nodes and `bytesDiff` bytes at `path`, in the request being prepared.
   * Throws QuotaExceededError past a hard limit when enforcing; only growth is checked.
   */
  charge(path: string, countDiff: number, bytesDiff: number): void {
    if (!this.active || this.tree.quotas.size === 0) return;
    const root = this.tree.quotas.rootOf(path);
    if (root === undefined) return;
    if (countDiff > 0 || bytesDiff > 0) this.check(root, countDiff, bytesDiff, path);
    const d = this.txn.get(root.path);
    if (d === undefined) this.txn.set(root.path, { count: countDiff, bytes: bytesDiff });
    else {
      d.count += countDiff;
      d.bytes += bytesDiff;
    }
  }

  /** The request failed (or a multi's op did): forget its changes. */
  abort(): void {
    this.txn.clear();
  }

  /** The request became txn `zxid`: its changes stay counted until it is applied. */
  prepared(zxid: bigint): void {
    if (this.txn.size === 0) return;
    const deltas = new Map(this.txn);
    this.txn.clear();
    for (const [path, d] of deltas) add(this.pending, path, d, 1);
    this.queue.push({ zxid, deltas });
  }

  applied(zxid: bigint): void {
    let head = 0;
    for (; head < this.queue.length && this.queue[head]!.zxid <= zxid; head++) {
      for (const [path, d] of this.queue[head]!.deltas) add(this.pending, path, d, -1);
    }
    if (head > 0) this.queue.splice(0, head);
  }

  reset(): void {
    this.txn.clear();
    this.pending.clear();
    this.queue.length = 0;
  }

  /** ZooKeeper's order: count, then bytes; a hard limit, when set, is the one compared. */
  private check(root: QuotaRoot, countDiff: number, bytesDiff: number, path: string): void {
    const limits = root.limits;
    const pending = this.pending.get(root.path);
    const txn = this.txn.get(root.path);
    if (countDiff > 0 && (limits.count > -1 || limits.countHardLimit > -1)) {
      const count = root.count + (pending?.count ?? 0) + (txn?.count ?? 0) + countDiff;
      const hard = limits.countHardLimit > -1;
      const limit = hard ? limits.countHardLimit : limits.count;
      if (count > limit) this.exceeded(root, `current count=${count}, ${hard ? "hard" : "soft"}CountLimit=${limit}`, hard, path);
    }
    if (bytesDiff > 0 && (limits.bytes > -1 || limits.byteHardLimit > -1)) {
      const bytes = root.bytes + (pending?.bytes ?? 0) + (txn?.bytes ?? 0) + bytesDiff;
      const hard = limits.byteHardLimit > -1;
      const limit = hard ? limits.byteHardLimit : limits.bytes;
      if (bytes > limit) this.exceeded(root, `current bytes=${bytes}, ${hard ? "hard" : "soft"}ByteLimit=${limit}`, hard, path);
    }
  }

  private exceeded(root: QuotaRoot, what: string, hard: boolean, path: string): void {
    const message = `Quota exceeded: ${root.path} [${what}]`;
    this.options.exceeded?.(message);
    if (hard && this.enforce) throw new QuotaExceededError(message, path);
  }
}

function add(map: Map<string, Delta>, path: string, d: Delta, sign: number): void {
  const cur = map.get(path) ?? { count: 0, bytes: 0 };
  cur.count += sign * d.count;
  cur.bytes += sign * d.bytes;
  if (cur.count === 0 && cur.bytes === 0) map.delete(path);
  else map.set(path, cur);
}
