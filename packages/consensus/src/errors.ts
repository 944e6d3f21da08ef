import { ErrorCode, WardenError } from "@warden/protocol";

/** A configuration the ensemble cannot run with; `code` (and `reason`, the same) is a stable code for programs. */
export class ConsensusConfigError extends WardenError {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super({ code: reason, zkCode: ErrorCode.BAD_ARGUMENTS, message });
    this.reason = reason;
  }
}

/** A broken invariant inside the consensus core: a bug, never an expected condition. */
export class ConsensusInvariantError extends WardenError {
  constructor(message: string) {
    super({
      code: "WARDEN_ERR_CONSENSUS_INVARIANT",
      zkCode: ErrorCode.RUNTIME_INCONSISTENCY,
      message: `consensus invariant violated: ${message}`,
    });
  }
}

/** Assertions stay on in production: a failed one is a bug, reported loudly. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ConsensusInvariantError(message);
}

/**
 * A well-formed message that contradicts what this replica knows for certain of its own epoch:
 * a second leader of the epoch it leads or follows, an acknowledgement of entries it never
 * sent, a rewrite of entries it has committed or verified. No correct peer sends one: either
 * the sender is faulty or the ensemble has a bug. Thrown before the message changes anything,
 * so the receiver's state is intact: a host refuses the message (the server closes that peer's
 * connection, logged and counted) while a simulation fails the run, as for a broken invariant.
 */
export class PeerMessageRefusedError extends WardenError {
  readonly peer: number;
  constructor(peer: number, message: string) {
    super({
      code: "WARDEN_ERR_PEER_MESSAGE_REFUSED",
      zkCode: ErrorCode.RUNTIME_INCONSISTENCY,
      message: `refused a message from peer ${peer}: ${message}`,
    });
    this.peer = peer;
  }
}

/** Refuses a peer's message unless `condition` holds (checked before any state changes). */
export function requireOfPeer(condition: boolean, peer: number, message: string): asserts condition {
  if (!condition) throw new PeerMessageRefusedError(peer, message);
}
