// Tab completion for the interactive shell: command names for the first word, and znode
// paths for a word starting with "/" (the server is asked for the children of the part typed).
import type { Client } from "@warden/client";
import { baseName, joinPath, parentPath } from "@warden/client";

/** How long completion waits for the server before offering nothing. */
export const COMPLETION_TIMEOUT_MS = 2000;
/** Candidates offered at most (a node with a million children stays usable). */
export const COMPLETIONS_MAX = 1000;

export interface CompletionSource {
  readonly commandNames: readonly string[];
  /** The connected client, or undefined (then paths are not completed). */
  client(): Client | undefined;
}

export async function complete(source: CompletionSource, line: string): Promise<[string[], string]> {
  const start = line.search(/\S+$/);
  const word = start < 0 ? "" : line.slice(start);
  const isFirstWord = line.slice(0, start < 0 ? line.length : start).trim() === "";
  if (isFirstWord) return [source.commandNames.filter((n) => n.startsWith(word)).sort(), word];
  if (!word.startsWith("/")) return [[], word];
  return [await completePath(source.client(), word), word];
}

async function completePath(client: Client | undefined, word: string): Promise<string[]> {
  if (client === undefined || client.state !== "connected") return [];
  const dir = word.endsWith("/") ? word.slice(0, -1) || "/" : parentPath(word);
  const prefix = word.endsWith("/") ? "" : baseName(word);
  try {
    const children = await client.getChildren(dir, { timeoutMs: COMPLETION_TIMEOUT_MS });
    return children
      .filter((c) => c.startsWith(prefix))
      .sort()
      .slice(0, COMPLETIONS_MAX)
      .map((c) => joinPath(dir, c));
  } catch {
    return [];
  }
}
