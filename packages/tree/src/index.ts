export { DataTree, type SessionInfo } from "./tree.js";
export { QuotaIndex, type QuotaRoot } from "./quota-index.js";
export type { QuotaOptions } from "./quota-guard.js";
export { apply, type ApplyOutcome } from "./apply.js";
export { read, type ReadRequest, type ReadContext } from "./read.js";
export { Preparer, type WriteRequest, type PreparerOptions } from "./prepare.js";
export { sequenceSuffix, type DeleteContainerRequest, type PrepareContext } from "./prepare-ops.js";
export type {
  Txn,
  TxnBody,
  TxnOp,
  CreateTxnOp,
  DeleteTxnOp,
  SetDataTxnOp,
  CheckTxnOp,
  ErrorTxnOp,
  SetACLTxnBody,
  CreateSessionTxnBody,
  CloseSessionTxnBody,
  MultiTxnBody,
} from "./txn.js";
export { encodeTxn, decodeTxn } from "./txn-codec.js";
export { ChangeHistory, CHANGE_BYTES_OVERHEAD, type ChangeHistoryBounds, type ChangeSink } from "./change-history.js";
export { WatchRegistry, type FiredWatch, type SetWatchesLists, type NodeZxids } from "./watches.js";
export { checkACL, requireACL, fixupACL, digestId, generateDigest, userNameOf, maskDigests } from "./acl.js";
export { ipMatches, isValidIpAclId, parseIp } from "./ip.js";
export { ownerKind, ttlOwner, ttlOf, isReservedSessionId, type OwnerKind } from "./owner.js";
export { serializeSnapshot, loadSnapshot, loadSnapshotSync, type LoadOptions, type SerializeOptions } from "./snapshot.js";
export { treeDigest } from "./digest.js";
export * from "./limits.js";
export { ReplyBudget } from "./reply-budget.js";
