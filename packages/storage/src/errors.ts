import { ErrorCode, WardenError } from "@warden/protocol";

/** Stable codes for every way storage can fail; programs switch on `reason`, never on `message`. */
export const StorageErrorReason = {
  /** Another Storage (this process or another) holds the directory's lock. */
  LOCKED: "WARDEN_ERR_STORAGE_LOCKED",
  /** The directory was written by a newer format version than this code understands. */
  FORMAT_NEWER: "WARDEN_ERR_STORAGE_FORMAT_NEWER",
  /** The directory holds data but no readable format record: not ours, or damaged. */
  FORMAT_INVALID: "WARDEN_ERR_STORAGE_FORMAT_INVALID",
  /** A log entry failed its checksum or the log has a gap; `zxid` names the entry. */
  LOG_CORRUPT: "WARDEN_ERR_STORAGE_LOG_CORRUPT",
  /** A value stored with setMeta fails its checksum; `file` names the database. */
  META_CORRUPT: "WARDEN_ERR_STORAGE_META_CORRUPT",
  /** LevelDB itself reported corruption or an I/O failure while reading or opening. */
  DATABASE_FAILED: "WARDEN_ERR_STORAGE_DATABASE_FAILED",
  /** A snapshot file failed a checksum or is truncated; `file` and `zxid` name it. */
  SNAPSHOT_CORRUPT: "WARDEN_ERR_STORAGE_SNAPSHOT_CORRUPT",
  /** No snapshot that verifies can serve as a base, and the log alone cannot rebuild the state. */
  NO_VALID_BASE: "WARDEN_ERR_STORAGE_NO_VALID_BASE",
  /** The log was purged (or replaced by an installed snapshot) before the requested zxid. */
  LOG_PURGED: "WARDEN_ERR_STORAGE_LOG_PURGED",
  /** An appended zxid is not greater than the last one (a caller bug). */
  ZXID_ORDER: "WARDEN_ERR_STORAGE_ZXID_ORDER",
  /** An argument is outside its documented bounds. */
  INVALID_ARGUMENT: "WARDEN_ERR_STORAGE_INVALID_ARGUMENT",
  /** Too many appends are waiting for room in the write queue. */
  QUEUE_FULL: "WARDEN_ERR_STORAGE_QUEUE_FULL",
  /** A synced write failed earlier; durability is unknown, so every later operation fails until reopened. */
  FAILED: "WARDEN_ERR_STORAGE_FAILED",
  /** The storage was closed. */
  CLOSED: "WARDEN_ERR_STORAGE_CLOSED",
  /**
   * Data sits where this layout does not look: a log in the data directory when a separate log
   * directory is given, or snapshots in the log directory (ZooKeeper refuses both at start).
   */
  MISPLACED_DATA: "WARDEN_ERR_STORAGE_MISPLACED_DATA",
  /** A snapshot write was abandoned (truncated below its zxid, or another one is in progress). */
  SNAPSHOT_ABORTED: "WARDEN_ERR_STORAGE_SNAPSHOT_ABORTED",
} as const;
export type StorageErrorReason = (typeof StorageErrorReason)[keyof typeof StorageErrorReason];

export interface StorageErrorDetails {
  /** The file concerned, when there is one (a snapshot file, a LevelDB directory). */
  file?: string;
  /** The zxid concerned: the damaged entry, the snapshot's zxid, the offending append. */
  zxid?: bigint;
  cause?: unknown;
}

/** Every error the storage package throws. `code` (and `reason`, the same) says what failed; `zkCode` is ZooKeeper's class of it (SYSTEM_ERROR etc.). */
export class StorageError extends WardenError {
  readonly reason: StorageErrorReason;
  readonly file: string | undefined;
  readonly zxid: bigint | undefined;

  constructor(reason: StorageErrorReason, message: string, details: StorageErrorDetails = {}) {
    super({ code: reason, zkCode: zkCodeFor(reason), message: `${reason}: ${message}`, cause: details.cause });
    this.reason = reason;
    this.file = details.file;
    this.zxid = details.zxid;
  }
}

function zkCodeFor(reason: StorageErrorReason): number {
  switch (reason) {
    case StorageErrorReason.ZXID_ORDER:
    case StorageErrorReason.INVALID_ARGUMENT:
      return ErrorCode.BAD_ARGUMENTS;
    case StorageErrorReason.LOG_CORRUPT:
    case StorageErrorReason.META_CORRUPT:
    case StorageErrorReason.SNAPSHOT_CORRUPT:
    case StorageErrorReason.NO_VALID_BASE:
      return ErrorCode.DATA_INCONSISTENCY;
    case StorageErrorReason.QUEUE_FULL:
      return ErrorCode.THROTTLED;
    default:
      return ErrorCode.SYSTEM_ERROR;
  }
}

export function isStorageError(error: unknown, reason?: StorageErrorReason): error is StorageError {
  return error instanceof StorageError && (reason === undefined || error.reason === reason);
}
