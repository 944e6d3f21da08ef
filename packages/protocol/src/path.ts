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
  let segmentStart = 1;
  for (let i = 1; i <= p.length; i++) {
    const c = i < p.length ? p.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const len = i - segmentStart;
      if (len === 0) return `empty node name specified @${i}`;
      if (len <= 2 && (p.slice(segmentStart, i) === "." || p.slice(segmentStart, i) === "..")) {
        return `relative paths not allowed @${segmentStart}`;
      }
      segmentStart = i + 1;
    } else if (invalidChar(c)) {
      return `invalid character @${i}`;
    }
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
