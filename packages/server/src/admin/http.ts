import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describeError, type ListenerReporter } from "../net/connection.js";
import { adminJson } from "./admin-json.js";
import { authenticatedDigest } from "./auth.js";

/** Answers of the admin port; each command returns its JSON fields (bigints are written as numbers). */
export interface AdminSource {
  ready(): boolean;
  metrics(): string;
  commands: Readonly<Record<string, () => Record<string, unknown>>>;
}

/** Bounds of the admin port: it is for operators and scrapers, a handful of connections at a time. */
export const ADMIN_CONNECTIONS_MAX = 64;
const ADMIN_HEADERS_TIMEOUT_MS = 10_000;
const ADMIN_REQUEST_TIMEOUT_MS = 30_000;
const ADMIN_HEADERS_MAX = 64;
const ADMIN_URL_CHARS_MAX = 2048;

/** ZooKeeper's admin.commandURL and admin.idleTimeout. */
export interface AdminSettings {
  commandUrl: string;
  idleTimeoutMs: number;
  /** admin.authRequired: every request but /health needs credentials proving one of these digest ids. */
  authDigests?: ReadonlySet<string> | undefined;
  /** A request refused for its credentials (counted by the caller). */
  authFailed?: () => void;
}
const ADMIN_DEFAULTS: AdminSettings = { commandUrl: "/commands", idleTimeoutMs: 30_000 };

/**
 * The admin HTTP server: GET /health (200 ready / 503 not), GET /metrics (Prometheus text),
 * GET /commands (the list) and GET /commands/<name> (JSON), as ZooKeeper's AdminServer.
 * A containment boundary like every listener: a request that cannot be parsed gets 400, a
 * fault while answering one gets 500 (or its connection cut), logged and counted.
 */
export async function startAdminServer(
  source: AdminSource,
  port: number,
  host: string | undefined,
  reporter: ListenerReporter,
  settings: AdminSettings = ADMIN_DEFAULTS,
): Promise<{ server: Server; port: number }> {
  const commands = new Map(Object.entries(source.commands));
  const commandUrl = "/" + settings.commandUrl.replace(/^\/+|\/+$/g, "");
  // Timeouts are checked every connectionsCheckingInterval (Node's default: 30 s).
  const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    try {
      if (settings.authDigests !== undefined && !authorized(req, settings.authDigests)) {
        settings.authFailed?.();
        res.writeHead(401, { "content-type": "application/json", "cache-control": "no-store", "www-authenticate": 'Basic realm="warden admin", charset="UTF-8"' });
        res.end(JSON.stringify({ error: "credentials of an admin digest user are required (admin.authRequired)" }) + "\n");
        return;
      }
      answer(source, commands, commandUrl, req, res);
    } catch (e) {
      reporter.log(`admin: ${req.method} ${String(req.url).slice(0, 200)} failed: ${describeError(e)}`);
      reporter.closed("admin", "internal_error");
      if (res.headersSent) res.destroy();
      else send(res, 500, "application/json", JSON.stringify({ error: "internal error" }) + "\n");
    }
  });
  server.maxConnections = ADMIN_CONNECTIONS_MAX;
  server.headersTimeout = ADMIN_HEADERS_TIMEOUT_MS;
  server.requestTimeout = ADMIN_REQUEST_TIMEOUT_MS;
  server.maxHeadersCount = ADMIN_HEADERS_MAX;
  // A connection idle (nothing read or written) this long is closed, as Jetty's idle timeout.
  server.on("connection", (socket) => socket.setTimeout(settings.idleTimeoutMs, () => socket.destroy()));
  // A malformed request (bad request line, headers too large, a timeout) ends that connection only.
  server.on("clientError", (_e, socket) => {
    reporter.closed("admin", "bad_frame");
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** /health is a probe for orchestrators (no credentials); everything else needs them when required. */
function authorized(req: IncomingMessage, digests: ReadonlySet<string>): boolean {
  if (pathOf(req.url) === "/health") return true;
  return authenticatedDigest(req.headers.authorization, digests) !== undefined;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

/** The path of a request target, or undefined when it is not an origin-form path ("/a/b?q"). */
function pathOf(target: string | undefined): string | undefined {
  if (target === undefined || target.length > ADMIN_URL_CHARS_MAX || !target.startsWith("/")) return undefined;
  const q = target.search(/[?#]/);
  return q < 0 ? target : target.slice(0, q);
}

function answer(source: AdminSource, commands: ReadonlyMap<string, () => Record<string, unknown>>, commandUrl: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "GET only\n");
  const path = pathOf(req.url);
  if (path === undefined) return send(res, 400, "text/plain", "bad request target\n");
  if (path === "/health") {
    const ready = source.ready();
    return send(res, ready ? 200 : 503, "application/json", JSON.stringify({ ready }) + "\n");
  }
  if (path === "/metrics") return send(res, 200, "text/plain; version=0.0.4", source.metrics());
  if (path === commandUrl || path === `${commandUrl}/`) {
    return send(res, 200, "application/json", JSON.stringify({ commands: [...commands.keys()].sort() }) + "\n");
  }
  if (path.startsWith(`${commandUrl}/`)) {
    const name = path.slice(commandUrl.length + 1);
    // A Map, not an object: "constructor" or "toString" are not commands.
    const cmd = commands.get(name);
    if (!cmd) return send(res, 404, "application/json", JSON.stringify({ error: `unknown command ${name.slice(0, 64)}` }) + "\n");
    let value: Record<string, unknown>;
    try {
      value = cmd();
    } catch (e) {
      return send(res, 500, "application/json", adminJson({ command: name, error: (e as Error).message }) + "\n");
    }
    return send(res, 200, "application/json", adminJson(value) + "\n");
  }
  send(res, 404, "text/plain", `not found: try /health, /metrics, ${commandUrl}\n`);
}
