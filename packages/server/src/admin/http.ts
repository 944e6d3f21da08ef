import type { IncomingMessage, ServerResponse } from "node:http";
import { describeError, type ListenerReporter } from "../net/connection.js";
import { peerIdentities } from "../net/tls-listener.js";
import { adminJson } from "./admin-json.js";
import { authenticatedDigest } from "./auth.js";
import { listenAdmin, type AdminListener, type AdminTls } from "./listener.js";
import { answerConsole, CONSOLE_PREFIX, type ConsoleSource } from "./console-route.js";
import { judgeOrigin, type AllowedOrigins } from "../net/origins.js";

export { ADMIN_CONNECTIONS_MAX } from "./listener.js";

/** Answers of the admin port; each command returns its JSON fields (bigints are written as numbers). */
export interface AdminSource {
  ready(): boolean;
  metrics(): string;
  commands: Readonly<Record<string, () => Record<string, unknown>>>;
}

/** Characters of an admin request's target; a longer one is refused. */
const ADMIN_URL_CHARS_MAX = 2048;

/** ZooKeeper's admin.commandURL and admin.idleTimeout. */
export interface AdminSettings {
  commandUrl: string;
  idleTimeoutMs: number;
  /** admin.authRequired: every request but /health needs credentials proving one of these digest ids. */
  authDigests?: ReadonlySet<string> | undefined;
  /** ...or, on HTTPS, a verified client certificate whose x509 identity is one of these. */
  authX509?: ReadonlySet<string> | undefined;
  /** HTTPS (admin.forceHttps, admin.portUnification); undefined: plain HTTP. */
  tls?: AdminTls | undefined;
  /** A request refused for its credentials (counted by the caller). */
  authFailed?: () => void;
  /** The web console under /console/; undefined: not served. */
  console?: ConsoleSource | undefined;
  /**
   * Pages that may read /health and /commands from another origin (CORS): the pages allowed on
   * the native port (a console served by another server's admin port reads this one's commands).
   */
  corsOrigins?: AllowedOrigins | undefined;
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
): Promise<AdminListener> {
  const commands = new Map(Object.entries(source.commands));
  const commandUrl = `/${settings.commandUrl.replace(/^\/+|\/+$/g, "")}`;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (settings.authDigests !== undefined && !authorized(req, settings.authDigests, settings.authX509, settings.tls)) {
        settings.authFailed?.();
        res.writeHead(401, {
          "content-type": "application/json",
          "cache-control": "no-store",
          "www-authenticate": 'Basic realm="warden admin", charset="UTF-8"',
        });
        const x509 = settings.tls && settings.authX509 && settings.authX509.size > 0 ? " or an allowed client certificate" : "";
        res.end(`${JSON.stringify({ error: `credentials of an admin digest user${x509} are required (admin.authRequired)` })}\n`);
        return;
      }
      answer(source, commands, commandUrl, settings, req, res);
    } catch (e) {
      reporter.log(`admin: ${req.method} ${String(req.url).slice(0, 200)} failed: ${describeError(e)}`);
      reporter.closed("admin", "internal_error");
      if (res.headersSent) res.destroy();
      else send(res, 500, "application/json", `${JSON.stringify({ error: "internal error" })}\n`);
    }
  };
  return listenAdmin(handler, port, host, reporter, settings.idleTimeoutMs, settings.tls);
}

/** /health is a probe for orchestrators (no credentials); everything else needs them when required. */
function authorized(
  req: IncomingMessage,
  digests: ReadonlySet<string>,
  x509: ReadonlySet<string> | undefined,
  tls: AdminTls | undefined,
): boolean {
  if (pathOf(req.url) === "/health") return true;
  return certified(req, x509, tls) || authenticatedDigest(req.headers.authorization, digests) !== undefined;
}

/**
 * A client certificate that verified at the handshake, whose x509 identity is allowed (or is
 * X509AuthenticationProvider.superUser's), as ZooKeeper 3.9's admin "Authorization: x509"
 * takes the identity from the connection's certificate, not from the header.
 */
function certified(req: IncomingMessage, x509: ReadonlySet<string> | undefined, tls: AdminTls | undefined): boolean {
  if (!tls || !x509 || x509.size === 0 || !("encrypted" in req.socket)) return false;
  return peerIdentities(req.socket, tls.listener).some((id) => (id.scheme === "x509" || id.scheme === "super") && x509.has(id.id));
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

/** CORS for a page the native port allows: it may read the answer (GET only, no credentials). */
function allowReading(req: IncomingMessage, res: ServerResponse, origins: AllowedOrigins | undefined): void {
  res.setHeader("vary", "origin");
  if (origins === undefined || req.headers.origin === undefined) return;
  const verdict = judgeOrigin(origins, req.headers.origin);
  if (verdict.kind === "allowed") res.setHeader("access-control-allow-origin", origins === "*" ? "*" : verdict.origin);
}

function answer(
  source: AdminSource,
  commands: ReadonlyMap<string, () => Record<string, unknown>>,
  commandUrl: string,
  settings: AdminSettings,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "GET only\n");
  const path = pathOf(req.url);
  if (path === undefined) return send(res, 400, "text/plain", "bad request target\n");
  if (settings.console && (path === CONSOLE_PREFIX || path.startsWith(`${CONSOLE_PREFIX}/`)))
    return answerConsole(settings.console, path, req, res);
  allowReading(req, res, settings.corsOrigins);
  if (path === "/health") {
    const ready = source.ready();
    return send(res, ready ? 200 : 503, "application/json", `${JSON.stringify({ ready })}\n`);
  }
  if (path === "/metrics") return send(res, 200, "text/plain; version=0.0.4", source.metrics());

  if (path === commandUrl || path === `${commandUrl}/`) {
    return send(res, 200, "application/json", `${JSON.stringify({ commands: [...commands.keys()].sort() })}\n`);
  }
  if (path.startsWith(`${commandUrl}/`)) {
    const name = path.slice(commandUrl.length + 1);
    // A Map, not an object: "constructor" or "toString" are not commands.
    const cmd = commands.get(name);
    if (!cmd) return send(res, 404, "application/json", `${JSON.stringify({ error: `unknown command ${name.slice(0, 64)}` })}\n`);
    let value: Record<string, unknown>;
    try {
      value = cmd();
    } catch (e) {
      return send(res, 500, "application/json", `${adminJson({ command: name, error: (e as Error).message })}\n`);
    }
    return send(res, 200, "application/json", `${adminJson(value)}\n`);
  }
  send(res, 404, "text/plain", `not found: try /health, /metrics, ${commandUrl}\n`);
}
