// Transactions: the result of preparing a write, as plain data. Everything apply() needs is
// in the txn (names resolved, versions computed, errors decided, ephemerals of a closing
// session listed), so that every server applying it reaches the same tree.
import type { ACL, NodeData } from "@warden/protocol";

/** Creates a znode. `ephemeralOwner`: 0n, a session id, or a container/TTL marker. */
export interface CreateTxnOp {
  type: "create";
  path: string;
  data: NodeData;
  acl: ACL[];
  ephemeralOwner: bigint;
  /** The parent's cversion after this create (ZooKeeper's CreateTxn.parentCVersion). */
  parentCVersion: number;
}
export interface DeleteTxnOp {
  type: "delete";
  path: string;
}
export interface SetDataTxnOp {
  type: "setData";
  path: string;
  data: NodeData;
  /** The node's version after the change (not the expected one). */
  version: number;
}
export interface CheckTxnOp {
  type: "check";
  path: string;
  version: number;
}
/** A failed request (or a failed op in a multi): ZooKeeper's ErrorTxn. */
export interface ErrorTxnOp {
  type: "error";
  code: number;
}
/** What a multi may hold. */
export type TxnOp = CreateTxnOp | DeleteTxnOp | SetDataTxnOp | CheckTxnOp | ErrorTxnOp;

export interface SetACLTxnBody {
  type: "setACL";
  path: string;
  acl: ACL[];
  /** The node's aversion after the change. */
  version: number;
}
export interface CreateSessionTxnBody {
  type: "createSession";
  timeoutMs: number;
}
/** Closes the txn's session and deletes exactly these ephemerals (sorted). */
export interface CloseSessionTxnBody {
  type: "closeSession";
  paths: string[];
}
/**
 * The ensemble's session secret, from which every server derives session passwords (HMAC of
 * the session id). The first leader of an ensemble without an ensembleSecretFile draws it at
 * random and commits it before any session, so every server shares it and nobody outside the
 * ensemble can compute a password. The first one committed stays.
 */
export interface SessionSecretTxnBody {
  type: "sessionSecret";
  secret: Uint8Array;
}
export interface MultiTxnBody {
  type: "multi";
  ops: TxnOp[];
}
export type TxnBody = TxnOp | SetACLTxnBody | CreateSessionTxnBody | CloseSessionTxnBody | SessionSecretTxnBody | MultiTxnBody;

export interface Txn {
  zxid: bigint;
  /** The leader's clock when it prepared the txn: ctime, mtime and TTL use it. */
  timeMs: number;
  sessionId: bigint;
  body: TxnBody;
}
