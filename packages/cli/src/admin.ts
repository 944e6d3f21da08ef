import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

/** How to reach an HTTPS admin port (admin.forceHttps, admin.portUnification). */
export interface AdminTlsOptions {
  /** Use HTTPS (implied by any other option here, or by an https:// server). */
  https?: boolean;
  /** PEM file of the authorities the server's certificate must chain to (default: Node's roots). */
  ca?: string;
  /** PEM files of the client certificate and its key (admin.needClientAuth, admin.authX509). */
  cert?: string;
  key?: string;
  /** Do not verify the server's certificate (testing only: anyone in the middle can read the answers). */
  insecure?: boolean;
}

/** How long an admin command waits for the server's answer. */
const ADMIN_TIMEOUT_MS = 10_000;
/** An answer longer than this is cut off (a dump of a large server is a few MiB). */
const ANSWER_BYTES_MAX = 64 * 1024 * 1024;

/**
 * `warden admin <command> [host:port]`: GETs /commands/<command> (or /health, /metrics) from a
 * server's admin port. `credentials` ("user:password", for a server with admin.authRequired)
 * are sent as HTTP Basic; the CLI takes them from WARDEN_ADMIN_AUTH or --user. `tls` reaches
 * an HTTPS admin port, with a client certificate when the server asks for one.
 */
export async function adminCommand(
  command: string,
  server = "127.0.0.1:8080",
  out: (s: string) => void = (s) => process.stdout.write(s),
  credentials?: string,
  tls: AdminTlsOptions = {},
): Promise<number> {
  const path = command === "health" || command === "metrics" ? `/${command}` : `/commands/${encodeURIComponent(command)}`;
  const secure =
    tls.https === true || tls.ca !== undefined || tls.cert !== undefined || tls.insecure === true || server.startsWith("https://");
  const hostPort = server.replace(/^https?:\/\//, "").replace(/\/+$/, "");
  const url = `${secure ? "https" : "http"}://${hostPort}${path}`;
  const headers: Record<string, string> = credentials ? { authorization: `Basic ${Buffer.from(credentials).toString("base64")}` } : {};
  let answer: { status: number; body: string };
  try {
    answer = await get(url, headers, secure ? tlsOptions(tls) : undefined);
  } catch (e) {
    out(`cannot reach ${url}: ${(e as Error).message}\n`);
    return 2;
  }
  out(answer.body);
  return answer.status >= 200 && answer.status < 300 ? 0 : 1;
}

function tlsOptions(tls: AdminTlsOptions): Record<string, unknown> {
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new Error("--cert and --key go together");
  return {
    ...(tls.ca !== undefined ? { ca: readFileSync(tls.ca) } : {}),
    ...(tls.cert !== undefined ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key!) } : {}),
    rejectUnauthorized: tls.insecure !== true,
  };
}

function get(
  url: string,
  headers: Record<string, string>,
  tls: Record<string, unknown> | undefined,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
        if (bytes > ANSWER_BYTES_MAX) return void req.destroy(new Error(`the answer is larger than ${ANSWER_BYTES_MAX} bytes`));
        chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    };
    const options = { headers, timeout: ADMIN_TIMEOUT_MS, ...(tls ?? {}) };
    const req = tls ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    req.on("timeout", () => req.destroy(new Error(`no answer within ${ADMIN_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end();
  });
}
