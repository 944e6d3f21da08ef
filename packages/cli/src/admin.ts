/**
 * `warden admin <command> [host:port]`: GETs /commands/<command> (or /health, /metrics) from a
 * server's admin port. `credentials` ("user:password", for a server with admin.authRequired)
 * are sent as HTTP Basic; the CLI takes them from WARDEN_ADMIN_AUTH or --user.
 */
export async function adminCommand(command: string, server = "127.0.0.1:8080", out: (s: string) => void = (s) => process.stdout.write(s), credentials?: string): Promise<number> {
  const path = command === "health" || command === "metrics" ? `/${command}` : `/commands/${encodeURIComponent(command)}`;
  const url = `http://${server}${path}`;
  const headers: Record<string, string> = credentials ? { authorization: `Basic ${Buffer.from(credentials).toString("base64")}` } : {};
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000), headers });
  } catch (e) {
    out(`cannot reach ${url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}\n`);
    return 2;
  }
  out(await res.text());
  return res.ok ? 0 : 1;
}
