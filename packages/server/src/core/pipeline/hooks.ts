// What the node needs from the server around it: consensus, peers, connections, the clock.
import type { ACL, WatchEvent } from "@warden/protocol";
import type { PreparerOptions } from "@warden/tree";
import type { ServerMessage } from "./messages.js";

export interface NodeHooks {
  myId: number;
  sendToPeer(to: number, message: ServerMessage): void;
  propose(payload: Uint8Array): { ok: true; zxid: bigint } | { ok: false };
  nextZxid(): bigint;
  nowMs(): number;
  /** A session's connection must end (closed, expired, or moved). */
  endSession(sessionId: bigint, reason: "sessionClosed" | "sessionExpired"): void;
  /** A fired watch; `acl` is the znode's, READ is checked against the session (CVE-2024-23944). */
  deliverEvent(sessionId: bigint, event: WatchEvent, acl: readonly ACL[]): void;
  /** A new session's createSession committed: open it on its connection. */
  sessionCreated(sessionId: bigint, timeoutMs: number): void;
  log(line: string): void;
  /** The leader's Preparer's options (enforceQuota, where passed quota limits are told). */
  readonly preparer?: PreparerOptions;
  /** Whether consensus would accept a proposal now (leader, established, below its in-flight bound). */
  canPropose(): boolean;
  /** The zxid up to which committed entries have been handed to applyCommitted. */
  appliedZxid(): bigint;
  /** Leader: a proposal of this server committed after `ms`. */
  proposalCommitted?(ms: number): void;
  /** The largest log record a txn may become (storage's entryBytesMax). */
  readonly recordBytesMax?: number;
  /**
   * Present in an ensemble without ensembleSecretFile: a leader whose tree has no session
   * secret draws one with it and commits it before any other write (see SessionSecretTxnBody).
   */
  drawSessionSecret?(): Uint8Array;
}
