// Live updates: one persistent recursive watch on the subtree the console shows; each event
// refreshes the open node and the shown children lists, and goes into a short log.
import type { Client, WatchedEvent } from "@warden/client";
import { AddWatchMode, EventType, WatcherType } from "@warden/protocol";
import { localTime, hexZxid } from "../format.js";

export interface LoggedEvent {
  atMs: number;
  type: string;
  path: string;
  zxid: string;
}

/** Events kept in the log. */
export const EVENT_LOG_MAX = 200;

const TYPE_NAMES = new Map<number, string>(Object.entries(EventType).map(([k, v]) => [v, k]));

export function eventEntry(e: WatchedEvent, atMs: number): LoggedEvent {
  return { atMs, type: TYPE_NAMES.get(e.type) ?? String(e.type), path: e.path, zxid: e.zxid >= 0n ? hexZxid(e.zxid) : "-" };
}

export function logLine(e: LoggedEvent): string {
  return `${localTime(e.atMs)}  ${e.type}  ${e.path}  ${e.zxid}`;
}

/** Starts the watch on `root`; returns how to stop it. */
export async function watchSubtree(client: Client, root: string, onEvent: (e: WatchedEvent) => void): Promise<() => Promise<void>> {
  const listener = (e: WatchedEvent) => onEvent(e);
  await client.addWatch(root, AddWatchMode.PERSISTENT_RECURSIVE, listener);
  return async () => {
    await client.removeWatches(root, WatcherType.PersistentRecursive, listener).catch(() => undefined);
  };
}
