// Path helpers shared by the recipes: joining, parents, sequence numbers.
import { NodeExistsError, CreateMode } from "@warden/client";
import type { Client } from "@warden/client";

export function joinPath(parent: string, child: string): string {
  return parent === "/" ? `/${child}` : `${parent}/${child}`;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The 10-digit sequence number ZooKeeper appends to a sequential node's name. */
export function sequenceOf(name: string): number {
  const m = /(\d{10})$/.exec(name);
  return m ? Number(m[1]) : -1;
}

/** Names sorted by their sequence numbers (names without one are dropped). */
export function sortBySequence(names: readonly string[]): string[] {
  return names.filter((n) => sequenceOf(n) >= 0).sort((a, b) => sequenceOf(a) - sequenceOf(b));
}

/** Creates `path` and its missing parents as persistent (or container) nodes; existing ones are fine. */
export async function ensurePath(client: Client, path: string, mode: CreateMode = CreateMode.PERSISTENT): Promise<void> {
  if (path === "/" || (await client.exists(path)) !== null) return;
  await ensurePath(client, parentOf(path), mode);
  try {
    await client.create(path, undefined, { mode });
  } catch (e) {
    if (!(e instanceof NodeExistsError)) throw e;
  }
}

/** Checks a recipe's base path: absolute, no trailing slash. */
export function checkBasePath(path: string): string {
  if (!path.startsWith("/") || (path.length > 1 && path.endsWith("/")))
    throw new TypeError(`a recipe path must be absolute without a trailing slash: "${path}"`);
  return path;
}
