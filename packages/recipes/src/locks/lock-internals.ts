// The sequential-ephemeral queue every lock here is built on (ZooKeeper's lock recipe,
// Curator's LockInternals): create a protected EPHEMERAL_SEQUENTIAL node, list the queue,
// and either hold or watch exactly one node ahead (no herd). Which node to watch is the
// caller's rule: the predecessor for a mutex, the last writer ahead for a reader.
import { ConnectionLossError, CreateMode, NoNodeError, OperationTimeoutError } from "@warden/client";
import type { Client } from "@warden/client";
import { AcquireTimeoutError } from "../errors.js";
import { createProtected, markerOf } from "../util/protected-create.js";
import { baseName, ensurePath, joinPath, sortBySequence } from "../util/paths.js";
import { waitForChange, type Deadline } from "../util/wait.js";

/** From the queue in order and our node's index in it: hold, or the one node to watch. */
export type QueueRule = (queue: readonly string[], ourIndex: number) => { holds: true } | { holds: false; watch: string };

/** Names in the queue sorted by sequence; a queue holds at most this many before listing fails loudly. */
export const QUEUE_LENGTH_MAX = 100_000;
/** Connection losses in a row one acquisition rides out before giving up with ConnectionLossError. */
const CONNECTION_LOSSES_MAX = 10;

/** The mutex rule: the first `leases` nodes hold; every other node watches its predecessor. */
export function firstHold(leases: number): QueueRule {
  return (queue, i) => (i < leases ? { holds: true } : { holds: false, watch: queue[i - 1]! });
}

/** Joins the queue in `dir` and resolves with our node's path once `rule` says it holds. */
export async function acquireInQueue(
  client: Client,
  dir: string,
  prefix: string,
  rule: QueueRule,
  deadline: Deadline,
  data?: string,
): Promise<string> {
  await ensurePath(client, dir);
  let ours = await createProtected(client, dir, prefix, data, CreateMode.EPHEMERAL_SEQUENTIAL);
  try {
    for (let losses = 0; ; ) {
      try {
        const step = await queueStep(client, dir, ours, rule, deadline);
        if (step === "held") return ours;
        // Our node went with an expired session while we waited: queue again, at the back.
        if (step === "gone") ours = await createProtected(client, dir, prefix, data, CreateMode.EPHEMERAL_SEQUENTIAL);
        losses = 0;
      } catch (e) {
        // A read lost with the connection: the session (and our place in the queue) lives on.
        if (!(e instanceof ConnectionLossError) || ++losses > CONNECTION_LOSSES_MAX) throw e;
        const remainingMs = deadline.atMs === undefined ? undefined : Math.max(1, deadline.atMs - Date.now());
        await client.connected(remainingMs === undefined ? {} : { timeoutMs: remainingMs }).catch((c: unknown) => {
          throw c instanceof OperationTimeoutError ? new AcquireTimeoutError(dir, deadline.timeoutMs ?? 0) : c;
        });
      }
    }
  } catch (e) {
    await deleteQuietly(client, ours);
    await deleteMarked(client, dir, markerOf(baseName(ours)));
    throw e;
  }
}

/** One look at the queue: we hold, our node is gone, or what we watched changed. */
async function queueStep(
  client: Client,
  dir: string,
  ours: string,
  rule: QueueRule,
  deadline: Deadline,
): Promise<"held" | "gone" | "changed"> {
  const queue = sortBySequence(await client.getChildren(dir));
  if (queue.length > QUEUE_LENGTH_MAX) throw new RangeError(`${dir} holds ${queue.length} nodes, more than ${QUEUE_LENGTH_MAX}`);
  const index = queue.indexOf(baseName(ours));
  if (index < 0) return "gone";
  await deleteOrphans(client, dir, queue, index);
  const decision = rule(queue, index);
  if (decision.holds) return "held";
  if ((await waitForChange(client, joinPath(dir, decision.watch), deadline)) === "timeout")
    throw new AcquireTimeoutError(dir, deadline.timeoutMs ?? 0);
  return "changed";
}

/**
 * A create whose reply was lost may still have been applied after we looked for it and
 * created another: such a node carries our marker, and would block the queue for as long
 * as our session lives. Delete it.
 */
async function deleteOrphans(client: Client, dir: string, queue: string[], ourIndex: number): Promise<void> {
  const ours = markerOf(queue[ourIndex]!);
  for (const name of queue) if (name !== queue[ourIndex] && markerOf(name) === ours) await deleteQuietly(client, joinPath(dir, name));
}

/** Best effort: nodes left by our lost creates (see deleteOrphans). */
async function deleteMarked(client: Client, dir: string, marker: string | undefined): Promise<void> {
  if (marker === undefined) return;
  const names = await client.getChildren(dir).catch(() => [] as string[]);
  for (const name of names) if (name.startsWith(marker)) await deleteQuietly(client, joinPath(dir, name));
}

/**
 * Deletes our node; a lost connection is retried until the delete is done or the session is
 * gone (its ephemerals with it), so a released lock never stays held by an orphan.
 */
export async function deleteQuietly(client: Client, path: string): Promise<void> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    try {
      await client.delete(path);
      return;
    } catch (e) {
      if (e instanceof NoNodeError) return;
      if (client.state === "closed") return;
      await client.connected().catch(() => undefined);
    }
  }
}
