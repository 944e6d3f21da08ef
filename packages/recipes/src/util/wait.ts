// Waiting for a node to change (deleted, most often: the predecessor of a lock node), with
// a deadline and an AbortSignal. The one-shot watch is removed when the wait ends early, so
// waits that time out leave no watch behind.
import { WatcherType } from "@warden/client";
import type { Client, WatchListener } from "@warden/client";

export type WaitOutcome = "changed" | "timeout";

export interface Deadline {
  /** Absolute time (Date.now()) after which waiting stops; undefined waits for ever. */
  atMs: number | undefined;
  /** The timeout it was made from (for messages). */
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
}

export function deadlineOf(options: { timeoutMs?: number; signal?: AbortSignal }): Deadline {
  return {
    atMs: options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  };
}

/** Resolves "changed" once `path` is gone or has changed (at once if it is absent), "timeout" at the deadline. */
export async function waitForChange(client: Client, path: string, deadline: Deadline): Promise<WaitOutcome> {
  deadline.signal?.throwIfAborted();
  let fire!: () => void;
  const fired = new Promise<void>((r) => (fire = r));
  const listener: WatchListener = () => fire();
  if ((await client.exists(path, { watch: listener })) === null) return "changed";
  const outcome = await raceDeadline(fired, deadline);
  // Not awaited: the local registration goes at once; the server's may wait for a connection.
  if (outcome !== "changed") void client.removeWatches(path, WatcherType.Data, listener).catch(() => undefined);
  if (outcome === "aborted") deadline.signal!.throwIfAborted();
  return outcome === "aborted" ? "timeout" : outcome;
}

/** Waits for `promise`, the deadline or the abort, whichever comes first. */
export function raceDeadline(promise: Promise<void>, deadline: Deadline): Promise<WaitOutcome | "aborted"> {
  return new Promise((resolve) => {
    const remainingMs = deadline.atMs === undefined ? undefined : Math.max(0, deadline.atMs - Date.now());
    const timer = remainingMs === undefined ? undefined : setTimeout(() => done("timeout"), remainingMs);
    const onAbort = () => done("aborted");
    deadline.signal?.addEventListener("abort", onAbort, { once: true });
    const done = (o: WaitOutcome | "aborted") => {
      if (timer !== undefined) clearTimeout(timer);
      deadline.signal?.removeEventListener("abort", onAbort);
      resolve(o);
    };
    promise.then(
      () => done("changed"),
      () => done("changed"),
    );
  });
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
