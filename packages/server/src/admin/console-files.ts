// The web console's static files (@warden/console's dist/www, built by `npm run build`), read
// once at start into memory and served from that map only: a request names a file of the
// map or gets 404, so no request path ever reaches the file system.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface ConsoleFile {
  type: string;
  body: Buffer;
}

/** What /console/config.json tells the page about the server that serves it. */
export interface ConsoleInfo {
  serverId: number;
  nativePort: number;
  secureNativePort: number;
}

/** Files read at most, and their total size: the console is a page, a bundle and styles. */
const CONSOLE_FILES_MAX = 32;
/** Bytes of the console's files loaded in all. */
const CONSOLE_BYTES_MAX = 16 * 1024 * 1024;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** dist/www of @warden/console, or undefined when the package is absent or not built. */
export function consoleDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve("@warden/console/package.json");
    const dir = join(dirname(pkg), "dist", "www");
    return existsSync(join(dir, "index.html")) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The files of `dir` (flat), by name; throws when they pass the bounds. */
export function loadConsoleFiles(dir: string): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  let total = 0;
  for (const name of readdirSync(dir).sort()) {
    const ext = name.slice(name.lastIndexOf("."));
    const type = TYPES[ext];
    const path = join(dir, name);
    if (type === undefined || !statSync(path).isFile()) continue;
    if (files.size >= CONSOLE_FILES_MAX) throw new Error(`more than ${CONSOLE_FILES_MAX} console files in ${dir}`);
    const body = readFileSync(path);
    total += body.length;
    if (total > CONSOLE_BYTES_MAX) throw new Error(`console files in ${dir} exceed ${CONSOLE_BYTES_MAX} bytes`);
    files.set(name, { type, body });
  }
  return files;
}

/** Headers of every console answer: the page may load only its own files and reach only ws(s) and the admin ports over http(s). */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss: http: https:; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "referrer-policy": "no-referrer",
};
