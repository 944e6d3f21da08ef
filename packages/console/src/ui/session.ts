// The console's one client session and the state every view shares: the connect string, the
// digest credentials (in memory only, for the tab's life), and how errors are shown.
import { createClient, errorCodeName, NoAuthError, WardenError, type Client } from "@warden/client";

export interface ConsoleConfig {
  /** The native connect string the console uses (host:port,...; ws:// or wss:// may lead). */
  connect: string;
  /** Admin base URLs of the ensemble's servers (http(s)://host:port), this page's first. */
  admins: string[];
}

/** What the page was served with (/console/config.json) and asked for in its query. */
export interface ServedConfig {
  serverId: number;
  nativePort: number;
  secureNativePort: number;
}

/** The connect string and admin URLs: ?connect= and ?admin= win, else this server's own. */
export function consoleConfig(
  location: { protocol: string; hostname: string; origin: string; search: string },
  served: ServedConfig,
): ConsoleConfig {
  const q = new URLSearchParams(location.search);
  const secure = location.protocol === "https:";
  const host = location.hostname.includes(":") ? `[${location.hostname}]` : location.hostname;
  const port = secure && served.secureNativePort > 0 ? served.secureNativePort : served.nativePort;
  const own = `${secure && served.secureNativePort > 0 ? "wss" : "ws"}://${host}:${port}`;
  const connect = q.get("connect")?.trim() || own;
  const admins = (q.get("admin") ?? "")
    .split(",")
    .map((s) => s.trim().replace(/\/+$/, ""))
    .filter((s) => /^https?:\/\/[^/]+$/i.test(s));
  if (!admins.includes(location.origin)) admins.unshift(location.origin);
  return { connect, admins: admins.slice(0, 16) };
}

/** One digest credential, as zkCli's addauth digest user:password. */
export interface Credential {
  scheme: "digest";
  auth: string;
}

export function openSession(config: ConsoleConfig): Client {
  return createClient(config.connect, { sessionTimeoutMs: 15_000 });
}

/** An error for people: ZooKeeper's name of its code when it has one ("NO_AUTH"), else its own code, and its message. */
export function errorText(e: unknown): string {
  if (e instanceof WardenError) {
    const name = e.zkCode === undefined ? e.code : errorCodeName(e.zkCode);
    return e.message.startsWith(name) ? e.message : `${name}: ${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** True for an error that means "this session may not read it" (NOAUTH). */
export function isNoAuth(e: unknown): boolean {
  return e instanceof NoAuthError;
}
