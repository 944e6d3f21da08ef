// Curator's "protected" create of a sequential node: the name carries a random marker, so
// when the reply is lost (ConnectionLossError) the node can be found again instead of
// being created twice, or left behind as an orphan that blocks every other contender.
import { ConnectionLossError, type CreateMode } from "@warden/client";
import type { Client, Data } from "@warden/client";
import { joinPath } from "./paths.js";

/** Attempts a protected create makes across connection losses before it throws. */
const CREATE_ATTEMPTS_MAX = 10;
const PROTECTED_PREFIX = "_c_";

export function protectedMarker(): string {
  return `${PROTECTED_PREFIX}${globalThis.crypto.randomUUID()}-`;
}

/** Creates `${parent}/${marker}${prefix}NNNNNNNNNN`, at most once, and returns its path. */
export async function createProtected(
  client: Client,
  parent: string,
  prefix: string,
  data: Data | undefined,
  mode: CreateMode,
): Promise<string> {
  const marker = protectedMarker();
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.create(joinPath(parent, `${marker}${prefix}`), data, { mode });
    } catch (e) {
      if (!(e instanceof ConnectionLossError) || attempt >= CREATE_ATTEMPTS_MAX) throw e;
      const found = await findByMarker(client, parent, marker);
      if (found !== undefined) return found;
    }
  }
}

/** The marker a protected node's name starts with (undefined for other names). */
export function markerOf(name: string): string | undefined {
  return /^_c_[0-9a-f-]{36}-/.exec(name)?.[0];
}

async function findByMarker(client: Client, parent: string, marker: string): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.connected();
      // The server we reconnected to may not have applied our create yet: catch it up first.
      await client.sync(parent);
      const name = (await client.getChildren(parent)).find((n) => n.startsWith(marker));
      return name === undefined ? undefined : joinPath(parent, name);
    } catch (e) {
      if (!(e instanceof ConnectionLossError) || attempt >= CREATE_ATTEMPTS_MAX) throw e;
    }
  }
}
