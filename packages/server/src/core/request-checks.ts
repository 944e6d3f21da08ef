// Checks every request gets before it is queued, whatever protocol it came in: its paths
// (ZooKeeper's rules, on every op, reads included), its op count, and the watches it would
// add against the session's bound.
import { isSequential, pathProblem, PATH_CHARS_MAX, type Request } from "@warden/protocol";

/** Why the request's paths are not acceptable, or undefined. */
export function requestPathProblem(request: Request): string | undefined {
  switch (request.type) {
    case "create":
      return at(request.path, pathProblem(request.path, isSequential(request.mode)));
    case "multi":
    case "multiRead":
      for (const op of request.ops) {
        const problem = requestPathProblem(op);
        if (problem !== undefined) return problem;
      }
      return undefined;
    case "setWatches":
      for (const list of watchLists(request)) {
        for (const path of list) {
          const problem = pathProblem(path);
          if (problem !== undefined) return at(path, problem);
        }
      }
      return undefined;
    case "getEphemerals":
      // A prefix of paths, not a path: only its length is bounded.
      return request.prefix.length > PATH_CHARS_MAX ? `prefix longer than ${PATH_CHARS_MAX} characters` : undefined;
    case "getConfig":
    case "reconfig":
    case "ping":
    case "auth":
    case "sasl":
    case "whoAmI":
    case "closeSession":
      return undefined;
    default:
      return at(request.path, pathProblem(request.path));
  }
}

function at(path: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : `${problem} (path "${path.length > 64 ? `${path.slice(0, 64)}...` : path}")`;
}

function watchLists(r: Extract<Request, { type: "setWatches" }>): readonly (readonly string[])[] {
  return [r.dataWatches, r.existWatches, r.childWatches, r.persistentWatches, r.persistentRecursiveWatches];
}

/** The paths this request would start watching. */
export function watchedPaths(request: Request): string[] {
  switch (request.type) {
    case "getData":
    case "exists":
    case "getChildren":
      return request.watch ? [request.path] : [];
    case "getConfig":
      return request.watch ? ["/zookeeper/config"] : [];
    case "multiRead":
      return request.ops.filter((op) => op.watch).map((op) => op.path);
    case "addWatch":
      return [request.path];
    case "setWatches":
      return watchLists(request).flat();
    default:
      return [];
  }
}

/** Ops in one multiRead on either port (the native codec bounds multi and multiRead alike). */
export const MULTI_READ_OPS_MAX = 10_000;
