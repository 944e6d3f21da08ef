import { ErrorCode, WardenError } from "@warden/protocol";

/** A configuration the ensemble cannot run with; `reason` is a stable code for programs. */
export class ConsensusConfigError extends WardenError {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(ErrorCode.BAD_ARGUMENTS, message);
    this.reason = reason;
  }
}

/** A broken invariant inside the consensus core: a bug, never an expected condition. */
export class ConsensusInvariantError extends WardenError {
  constructor(message: string) {
    super(ErrorCode.RUNTIME_INCONSISTENCY, `consensus invariant violated: ${message}`);
  }
}

/** Assertions stay on in production: a failed one is a bug, reported loudly. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ConsensusInvariantError(message);
}
