import { ErrorCode, errorCodeName, isErrorCode } from "./codes.js";

/** The stable code of a ZooKeeper error code: "WARDEN_ERR_" and ZooKeeper's name, e.g. -101 -> "WARDEN_ERR_NO_NODE". */
export function wardenCodeOf(zkCode: number): string {
  return isErrorCode(zkCode) ? `WARDEN_ERR_${errorCodeName(zkCode)}` : "WARDEN_ERR_UNKNOWN";
}

/** A Warden error that is not (only) a ZooKeeper error code: its own stable code, and ZooKeeper's when one applies. */
export interface WardenErrorInit {
  /** "WARDEN_ERR_" and upper-case words: stable, for programs. */
  code: string;
  message: string;
  /** ZooKeeper's numeric code for the failure, when one applies (a codec's refusal is MARSHALLING_ERROR). */
  zkCode?: number;
  path?: string;
  cause?: unknown;
}

/**
 * The base of every error Warden's packages throw: `code`, a stable "WARDEN_ERR_*" string for
 * programs; `zkCode`, ZooKeeper's numeric code where one applies (NoNodeError: -101, code
 * "WARDEN_ERR_NO_NODE"; undefined for errors ZooKeeper has no code for, such as a recipe's
 * timeout); the `path` it concerns, when there is one; and a `message` for people.
 *
 * `new WardenError(zkCode, message?, path?)` makes a ZooKeeper error (code derived from
 * zkCode); `new WardenError({ code, message, zkCode?, path?, cause? })` any other.
 */
export class WardenError extends Error {
  readonly code: string;
  readonly zkCode: number | undefined;
  readonly path: string | undefined;

  constructor(zkCode: number, message?: string, path?: string);
  constructor(init: WardenErrorInit);
  constructor(init: number | WardenErrorInit, message?: string, path?: string) {
    if (typeof init === "number") {
      const name = errorCodeName(init);
      super(message ?? (path === undefined ? name : `${name}: ${path}`));
      this.code = wardenCodeOf(init);
      this.zkCode = init;
      this.path = path;
    } else {
      super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
      this.code = init.code;
      this.zkCode = init.zkCode;
      this.path = init.path;
    }
    this.name = new.target.name;
  }
}

/**
 * An error that is an answer (NONODE to an exists, BADVERSION to a set): the server makes
 * and catches thousands of them a second and never shows where they were made, so none
 * captures a stack (half of what an exists on a missing node cost).
 */
export function answerError<E extends WardenError>(C: new (message?: string, path?: string) => E, path?: string, message?: string): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new C(message, path);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const subclass = (zkCode: number, name: string) => {
  const C = class extends WardenError {
    constructor(message?: string, path?: string) {
      super(zkCode, message, path);
    }
  };
  Object.defineProperty(C, "name", { value: name });
  return C;
};

export const SystemError = subclass(ErrorCode.SYSTEM_ERROR, "SystemError");
export const RuntimeInconsistencyError = subclass(ErrorCode.RUNTIME_INCONSISTENCY, "RuntimeInconsistencyError");
export const DataInconsistencyError = subclass(ErrorCode.DATA_INCONSISTENCY, "DataInconsistencyError");
export const ConnectionLossError = subclass(ErrorCode.CONNECTION_LOSS, "ConnectionLossError");
export const MarshallingError = subclass(ErrorCode.MARSHALLING_ERROR, "MarshallingError");
export const UnimplementedError = subclass(ErrorCode.UNIMPLEMENTED, "UnimplementedError");
export const OperationTimeoutError = subclass(ErrorCode.OPERATION_TIMEOUT, "OperationTimeoutError");
export const BadArgumentsError = subclass(ErrorCode.BAD_ARGUMENTS, "BadArgumentsError");
export const UnknownSessionError = subclass(ErrorCode.UNKNOWN_SESSION, "UnknownSessionError");
export const NoNodeError = subclass(ErrorCode.NO_NODE, "NoNodeError");
export const NoAuthError = subclass(ErrorCode.NO_AUTH, "NoAuthError");
export const BadVersionError = subclass(ErrorCode.BAD_VERSION, "BadVersionError");
export const NoChildrenForEphemeralsError = subclass(ErrorCode.NO_CHILDREN_FOR_EPHEMERALS, "NoChildrenForEphemeralsError");
export const NodeExistsError = subclass(ErrorCode.NODE_EXISTS, "NodeExistsError");
export const NotEmptyError = subclass(ErrorCode.NOT_EMPTY, "NotEmptyError");
export const SessionExpiredError = subclass(ErrorCode.SESSION_EXPIRED, "SessionExpiredError");
export const InvalidACLError = subclass(ErrorCode.INVALID_ACL, "InvalidACLError");
export const AuthFailedError = subclass(ErrorCode.AUTH_FAILED, "AuthFailedError");
export const SessionMovedError = subclass(ErrorCode.SESSION_MOVED, "SessionMovedError");
export const NotReadOnlyError = subclass(ErrorCode.NOT_READONLY, "NotReadOnlyError");
export const NoWatcherError = subclass(ErrorCode.NO_WATCHER, "NoWatcherError");
export const RequestTimeoutError = subclass(ErrorCode.REQUEST_TIMEOUT, "RequestTimeoutError");
export const QuotaExceededError = subclass(ErrorCode.QUOTA_EXCEEDED, "QuotaExceededError");
export const ThrottledError = subclass(ErrorCode.THROTTLED, "ThrottledError");
export const APIError = subclass(ErrorCode.API_ERROR, "APIError");
export const NewConfigNoQuorumError = subclass(ErrorCode.NEW_CONFIG_NO_QUORUM, "NewConfigNoQuorumError");
export const ReconfigInProgressError = subclass(ErrorCode.RECONFIG_IN_PROGRESS, "ReconfigInProgressError");
export const ReconfigDisabledError = subclass(ErrorCode.RECONFIG_DISABLED, "ReconfigDisabledError");

const byCode = new Map<number, new (message?: string, path?: string) => WardenError>([
  [ErrorCode.SYSTEM_ERROR, SystemError],
  [ErrorCode.RUNTIME_INCONSISTENCY, RuntimeInconsistencyError],
  [ErrorCode.DATA_INCONSISTENCY, DataInconsistencyError],
  [ErrorCode.CONNECTION_LOSS, ConnectionLossError],
  [ErrorCode.MARSHALLING_ERROR, MarshallingError],
  [ErrorCode.UNIMPLEMENTED, UnimplementedError],
  [ErrorCode.OPERATION_TIMEOUT, OperationTimeoutError],
  [ErrorCode.BAD_ARGUMENTS, BadArgumentsError],
  [ErrorCode.UNKNOWN_SESSION, UnknownSessionError],
  [ErrorCode.NO_NODE, NoNodeError],
  [ErrorCode.NO_AUTH, NoAuthError],
  [ErrorCode.BAD_VERSION, BadVersionError],
  [ErrorCode.NO_CHILDREN_FOR_EPHEMERALS, NoChildrenForEphemeralsError],
  [ErrorCode.NODE_EXISTS, NodeExistsError],
  [ErrorCode.NOT_EMPTY, NotEmptyError],
  [ErrorCode.SESSION_EXPIRED, SessionExpiredError],
  [ErrorCode.INVALID_ACL, InvalidACLError],
  [ErrorCode.AUTH_FAILED, AuthFailedError],
  [ErrorCode.SESSION_MOVED, SessionMovedError],
  [ErrorCode.NOT_READONLY, NotReadOnlyError],
  [ErrorCode.NO_WATCHER, NoWatcherError],
  [ErrorCode.REQUEST_TIMEOUT, RequestTimeoutError],
  [ErrorCode.QUOTA_EXCEEDED, QuotaExceededError],
  [ErrorCode.THROTTLED, ThrottledError],
  [ErrorCode.API_ERROR, APIError],
  [ErrorCode.NEW_CONFIG_NO_QUORUM, NewConfigNoQuorumError],
  [ErrorCode.RECONFIG_IN_PROGRESS, ReconfigInProgressError],
  [ErrorCode.RECONFIG_DISABLED, ReconfigDisabledError],
]);

/** The typed error for a ZooKeeper error code (a plain WardenError for codes without a class). */
export function errorFromCode(zkCode: number, path?: string, message?: string): WardenError {
  const C = byCode.get(zkCode);
  return C ? new C(message, path) : new WardenError(zkCode, message, path);
}

/** A codec's refusal: zkCode MARSHALLING_ERROR, `code` (and `reason`) what was wrong, e.g. "WARDEN_ERR_FRAME_TOO_LARGE". */
export abstract class CodecError extends WardenError {
  /** The same as `code` (the name it had first; kept for the programs that use it). */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super({ code: reason, message, zkCode: ErrorCode.MARSHALLING_ERROR });
    this.reason = reason;
  }
}

/**
 * A malformed message on the wire or on disk: `reason` says what was wrong
 * (e.g. "WARDEN_ERR_FRAME_TOO_LARGE"). Never thrown from deep inside a codec untyped.
 */
export class DecodeError extends CodecError {}

/**
 * An outgoing message that breaks an encoder's bound (reason "WARDEN_ERR_FRAME_TOO_LARGE"):
 * nothing was sent, and nothing beyond the bound was allocated for it.
 */
export class EncodeError extends CodecError {}
