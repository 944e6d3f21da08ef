// The one way a server stops itself. Nothing a client, a packet or a peer sends leads here:
// every listener contains its own faults (net/connection-base.ts, peer/transport.ts,
// admin/http.ts). What does lead here:
// - "storage": the log or a snapshot could not be written or read (a disk that fails must not
//   be acknowledged around, or an acknowledged write could be lost);
// - "invariant": an assertion of the consensus core or of the replicated state failed (the
//   tree is a deterministic state machine: a txn that cannot be applied means this server's
//   state is no longer the ensemble's);
// - "uncaught": an exception escaped every boundary (`warden server` routes Node's
//   uncaughtException and unhandledRejection here): a bug of ours, so the state is suspect.
// The process logs why, with the stack, and exits with code 3; the ensemble carries on
// without it, and a restart recovers from the durable log.

export type FatalKind = "storage" | "invariant" | "uncaught";

/** Exit code of a server that stopped itself. */
export const FATAL_EXIT_CODE = 3;

export function stopServerProcess(log: (line: string) => void, kind: FatalKind, error: unknown): never {
  log(`FATAL (${kind}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(FATAL_EXIT_CODE);
}
