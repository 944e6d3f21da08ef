// What a client sends about its watches: the setWatches requests that re-register them on a
// new connection of the same session, and the server watcher types a removal empties.
import { WatcherType, type Request } from "@warden/protocol";
import type { WatchKind, WatchRegistry } from "./watches.js";

/** Paths (in characters) one setWatches request carries at most; more go in the next one. */
const SET_WATCHES_CHARS_MAX = 128 * 1024;

type SetWatches = Extract<Request, { type: "setWatches" }>;

/**
 * setWatches requests for every watch, persistent and recursive ones first. Only the first
 * request resumes (the server replays what its persistent and recursive watches missed):
 * the replays of two requests could each fire a listener whose watches they share (a
 * recursive watch and one below it) for the same change. `unresumed` are the persistent
 * watches that did not fit in it (past SET_WATCHES_CHARS_MAX of paths): the caller tells
 * their listeners EventsLost.
 */
export function setWatchesRequests(
  watches: WatchRegistry,
  serverPath: (path: string) => string,
  listItemsMax: number,
  relativeZxid: bigint,
  resumeAfterZxid: bigint,
): { requests: Request[]; unresumed: Set<string> } {
  const lists = {
    persistentWatches: "persistent",
    persistentRecursiveWatches: "persistentRecursive",
    dataWatches: "data",
    existWatches: "exist",
    childWatches: "child",
  } as const;
  const requests: Request[] = [];
  const empty = (): SetWatches => ({
    type: "setWatches",
    relativeZxid,
    dataWatches: [],
    existWatches: [],
    childWatches: [],
    persistentWatches: [],
    persistentRecursiveWatches: [],
  });
  let current: SetWatches = { ...empty(), resumeAfterZxid };
  let chars = 0;
  let count = 0;
  const unresumed: string[] = [];
  for (const [field, kind] of Object.entries(lists) as [keyof typeof lists, WatchKind][]) {
    for (const path of watches.paths(kind)) {
      const sent = serverPath(path);
      if (chars + sent.length > SET_WATCHES_CHARS_MAX || count >= listItemsMax) {
        requests.push(current);
        current = empty();
        chars = count = 0;
      }
      if (requests.length > 0 && (kind === "persistent" || kind === "persistentRecursive")) unresumed.push(path);
      current[field].push(sent);
      chars += sent.length;
      count++;
    }
  }
  requests.push(current);
  return { requests, unresumed: new Set(unresumed) };
}

/** The server's watcher types whose registrations go when the client holds no watch of these kinds any more. */
export function serverWatcherTypes(emptied: readonly WatchKind[]): WatcherType[] {
  const types = new Set<WatcherType>();
  for (const kind of emptied) {
    if (kind === "data" || kind === "exist") types.add(WatcherType.Data);
    else if (kind === "child") types.add(WatcherType.Children);
    else if (kind === "persistent") types.add(WatcherType.Persistent);
    else types.add(WatcherType.PersistentRecursive);
  }
  return [...types];
}
