import { ConnectionLossError, ErrorCode, WardenError, errorFromCode, type MultiResult } from "@warden/protocol";

/** A call on a client after close(): nothing was sent. */
export class ClientClosedError extends ConnectionLossError {
  constructor() {
    super("the client is closed");
    Object.defineProperty(this, "name", { value: "ClientClosedError" });
    // Still a ConnectionLossError (zkCode CONNECTION_LOSS) for instanceof, with its own code:
    // retrying on a closed client is pointless, unlike on a lost connection.
    Object.defineProperty(this, "code", { value: "WARDEN_ERR_CLIENT_CLOSED", enumerable: true });
  }
}

/**
 * A transaction (multi) that the server rejected as a whole: `cause` is the typed error of
 * the failing op (`failedOpIndex`), and `results` holds every op's outcome as ZooKeeper
 * reports it: OK (0) before the failing op, its code, RUNTIME_INCONSISTENCY after it.
 */
export class TransactionError extends WardenError {
  readonly results: readonly MultiResult[];
  readonly failedOpIndex: number;
  override readonly cause: WardenError;

  constructor(results: readonly MultiResult[], failedOpIndex: number, path: string | undefined) {
    const failed = results[failedOpIndex];
    const zkCode = failed?.type === "error" ? failed.err : 0;
    const cause = errorFromCode(zkCode, path);
    super(zkCode, `transaction failed at op ${failedOpIndex}: ${cause.message}`, path);
    this.results = results;
    this.failedOpIndex = failedOpIndex;
    this.cause = cause;
  }
}

/** The op that failed a transaction: the first error other than OK and RUNTIME_INCONSISTENCY. */
export function failedOpIndex(results: readonly MultiResult[]): number {
  const index = results.findIndex((r) => r.type === "error" && r.err !== ErrorCode.OK && r.err !== ErrorCode.RUNTIME_INCONSISTENCY);
  return index >= 0 ? index : results.findIndex((r) => r.type === "error" && r.err !== ErrorCode.OK);
}

/** A persistent watch stream whose reader fell behind by more than its buffer: it ended. */
export class WatchOverflowError extends WardenError {
  constructor(eventsBufferedMax: number, path: string) {
    super({
      code: "WARDEN_ERR_WATCH_OVERFLOW",
      zkCode: ErrorCode.API_ERROR,
      message: `more than ${eventsBufferedMax} unread watch events for ${path}; the stream ended`,
      path,
    });
  }
}
