// A tree and a Preparer wired as a leader would: prepare, encode and decode the txn
// (so every test also crosses the codec), apply, tell the Preparer.
import { OPEN_ACL_UNSAFE, type Id } from "@warden/protocol";
import { DataTree, Preparer, decodeTxn, encodeTxn, type ApplyOutcome, type Txn, type WriteRequest } from "@warden/tree";

export const OPEN = [...OPEN_ACL_UNSAFE];
export const bytes = (s: string) => new TextEncoder().encode(s);

export class Harness {
  tree = new DataTree();
  prep = new Preparer(this.tree);
  zxid = 0n;
  timeMs = 1_000;
  txns: Txn[] = [];

  private applyTxn(txn: Txn): ApplyOutcome {
    const decoded = decodeTxn(encodeTxn(txn));
    this.txns.push(decoded);
    const out = this.tree.apply(decoded);
    this.prep.applied(decoded.zxid);
    return out;
  }

  session(id: bigint, timeoutMs = 10_000): ApplyOutcome {
    return this.applyTxn(this.prep.prepareCreateSession(id, timeoutMs, ++this.zxid, this.timeMs));
  }

  prepare(request: WriteRequest, sessionId = 1n, identities: Id[] = []): Txn {
    return this.prep.prepare(request, { sessionId, identities, zxid: ++this.zxid, timeMs: this.timeMs });
  }

  write(request: WriteRequest, sessionId = 1n, identities: Id[] = []): ApplyOutcome {
    return this.applyTxn(this.prepare(request, sessionId, identities));
  }

  create(path: string, data = "", mode: 0 | 1 | 2 | 3 | 4 | 5 | 6 = 0, sessionId = 1n, ttl?: number): ApplyOutcome {
    return this.write({ type: "create", path, data: bytes(data), acl: OPEN, mode, ...(ttl === undefined ? {} : { ttl }) }, sessionId);
  }
}
