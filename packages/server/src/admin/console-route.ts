// /console/ on the admin port: the console's files from memory and config.json, the only
// dynamic answer, which tells the page this server's native ports.
import type { IncomingMessage, ServerResponse } from "node:http";
import { CONSOLE_HEADERS, type ConsoleFile, type ConsoleInfo } from "./console-files.js";

export interface ConsoleSource {
  /** undefined: @warden/console is not built; /console/ says so. */
  files: ReadonlyMap<string, ConsoleFile> | undefined;
  info: () => ConsoleInfo;
}

export const CONSOLE_PREFIX = "/console";

/** Answers a path under /console (the caller checked the method and the prefix). */
export function answerConsole(source: ConsoleSource, path: string, req: IncomingMessage, res: ServerResponse): void {
  const head = req.method === "HEAD";
  const reply = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...CONSOLE_HEADERS, "content-type": type, "cache-control": "no-cache", ...extra });
    res.end(head ? undefined : body);
  };
  if (path === CONSOLE_PREFIX) return reply(301, "text/plain", "moved to /console/\n", { location: `${CONSOLE_PREFIX}/` });
  if (!source.files) return reply(404, "text/plain", "the console is not built: run `npm run build` (it builds packages/console)\n");
  const name = path.slice(CONSOLE_PREFIX.length + 1) || "index.html";
  if (name === "config.json") return reply(200, "application/json", `${JSON.stringify(source.info())}\n`, { "cache-control": "no-store" });
  const file = source.files.get(name);
  if (!file) return reply(404, "text/plain", "not found\n");
  reply(200, file.type, file.body);
}
