import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Answers of the admin port; each command returns a JSON-serializable value. */
export interface AdminSource {
  ready(): boolean;
  metrics(): string;
  commands: Readonly<Record<string, () => unknown>>;
}

const jsonReplacer = (_k: string, v: unknown) => (typeof v === "bigint" ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v);

/**
 * The admin HTTP server: GET /health (200 ready / 503 not), GET /metrics (Prometheus text),
 * GET /commands (the list) and GET /commands/<name> (JSON), as ZooKeeper's AdminServer.
 */
export async function startAdminServer(source: AdminSource, port: number, host?: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://admin");
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "text/plain", "GET only\n");
    const parts = url.pathname.split("/").filter(Boolean);
    if (url.pathname === "/health") {
      const ready = source.ready();
      return send(ready ? 200 : 503, "application/json", JSON.stringify({ ready }) + "\n");
    }
    if (url.pathname === "/metrics") return send(200, "text/plain; version=0.0.4", source.metrics());
    if (parts[0] === "commands" && parts.length === 1) {
      return send(200, "application/json", JSON.stringify({ commands: Object.keys(source.commands).sort() }) + "\n");
    }
    if (parts[0] === "commands" && parts.length === 2) {
      const cmd = source.commands[parts[1]!];
      if (!cmd) return send(404, "application/json", JSON.stringify({ error: `unknown command ${parts[1]}` }) + "\n");
      try {
        return send(200, "application/json", JSON.stringify({ command: parts[1], ...(cmd() as object) }, jsonReplacer, 2) + "\n");
      } catch (e) {
        return send(500, "application/json", JSON.stringify({ error: (e as Error).message }) + "\n");
      }
    }
    send(404, "text/plain", "not found: try /health, /metrics, /commands\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
