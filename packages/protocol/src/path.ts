import { BadArgumentsError } from "./errors.js";

/** Longest path accepted anywhere (ZooKeeper bounds it only by jute.maxbuffer; we are stricter). */
export const PATH_CHARS_MAX = 4096;

function invalidChar(c: number): boolean {
  return c === 0 || (c > 0x00 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff0 && c <= 0xffff);
}

/**
 * Why `path` is not a valid znode path under ZooKeeper's rules (PathUtils.validatePath),
 * or undefined when it is valid. `sequential`: a create with a sequential mode, whose
 * path may end in "/" because a counter will be appended.
 */
export function pathProblem(path: unknown, sequential = false): string | undefined {
  if (typeof path !== "string") return "path must be a string";
  const p = sequential ? `${path}1` : path;
  if (p.length === 0) return "path length must be > 0";
  if (p.length > PATH_CHARS_MAX) return `path longer than ${PATH_CHARS_MAX} characters`;
  if (p.charCodeAt(0) !== 0x2f) return "path must start with / character";
  if (p.length === 1) return undefined;
  if (p.charCodeAt(p.length - 1) === 0x2f) return "path must not end with / character";
  for (let start = 1; ; ) {
    const slash = p.indexOf("/", start);
    const end = slash < 0 ? p.length : slash;
    const problem = segmentProblem(p, start, end);
    if (problem !== undefined || slash < 0) return problem;
    start = slash + 1;
  }
}

/**
 * pathProblem for a path whose part before `nameStart` (its last "/" and what comes before)
 * is known to be valid: the name after it alone is checked, and the length. A snapshot's load
 * knows this of every node, whose parent (a valid path) it found.
 */
export function nameProblem(path: string, nameStart: number): string | undefined {
  if (path.length > PATH_CHARS_MAX) return `path longer than ${PATH_CHARS_MAX} characters`;
  return segmentProblem(path, nameStart, path.length);
}

/** Why p's characters from `start` to `end` (a node name: no "/" in it) are not a valid name, or undefined. */
function segmentProblem(p: string, start: number, end: number): string | undefined {
  for (let i = start; i < end; i++) {
    const c = p.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) continue; // printable ASCII: every name of most trees
    if (invalidChar(c)) return `invalid character @${i}`;
  }
  const length = end - start;
  if (length === 0) return `empty node name specified @${end}`;
  if (length <= 2 && p.charCodeAt(start) === 0x2e && (length === 1 || p.charCodeAt(start + 1) === 0x2e)) {
    return `relative paths not allowed @${start}`;
  }
  return undefined;
}

/** Throws BadArgumentsError naming the path when it is not valid. */
export function validatePath(path: string, sequential = false): void {
  const problem = pathProblem(path, sequential);
  if (problem !== undefined) throw new BadArgumentsError(`Invalid path string "${path}": ${problem}`, path);
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function joinPath(parent: string, child: string): string {
  return parent === "/" ? `/${child}` : `${parent}/${child}`;
}

/** Prepends a chroot ("/app") to a client path; "/" maps to the chroot itself. */
export function prependChroot(chroot: string | undefined, path: string): string {
  if (!chroot) return path;
  return path === "/" ? chroot : chroot + path;
}

/** Strips a chroot from a server path; paths outside it are returned unchanged. */
export function stripChroot(chroot: string | undefined, path: string): string {
  if (!chroot) return path;
  if (path === chroot) return "/";
  return path.startsWith(`${chroot}/`) ? path.slice(chroot.length) : path;
}
