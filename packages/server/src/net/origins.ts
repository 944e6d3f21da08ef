// Which web pages may open the native (WebSocket) port. A browser sends the page's origin on
// every WebSocket upgrade and lets any page open any ws:// URL, so without this check any site
// a user visits from a trusted network could open a session there, one that passes ip ACLs.
// Programs (our Node client, the CLI, other non-browser clients) send no Origin and are not
// concerned. A connection from an allowed page gets no ip identity: a page's code is the
// page author's, not the network's.
import { networkInterfaces, hostname } from "node:os";

/** nativeAllowedOrigins: "*" (any page), or the origins allowed, normalized (see normalizeOrigin). */
export type AllowedOrigins = ReadonlySet<string> | "*";

/** The verdict on one upgrade: no Origin (a program), an allowed page, or a refused page. */
export type OriginVerdict = { kind: "none" } | { kind: "allowed"; origin: string } | { kind: "refused"; origin: string };

/** Longest Origin header judged; a longer one is refused unread. */
const ORIGIN_CHARS_MAX = 512;

/**
 * An origin in the form browsers send it (scheme://host[:port], lowercase, default port left
 * out), or undefined when `text` is not a plain http(s) origin (a path, credentials, "null").
 */
export function normalizeOrigin(text: string): string | undefined {
  if (text.length > ORIGIN_CHARS_MAX || !/^https?:\/\/[^/?#@\s]+$/i.test(text)) return undefined;
  try {
    const url = new URL(text);
    return url.origin === "null" ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

/** The schemes a browser reaches the admin port with: http, https (admin.forceHttps), or both (admin.portUnification). */
export type AdminSchemes = readonly ("http" | "https")[];

/**
 * The admin port's own origins, SCHEME://HOST:adminPort, for every scheme it serves and every HOST a browser on an operator's
 * machine could have used to load a page from that port: the admin address when it is a specific
 * one, else this machine's addresses, localhost and its host name. Only IP literals and names of
 * this machine: a page on another host's port 8080 is not the admin console.
 */
export function adminOrigins(adminPort: number, adminAddress: string | undefined, schemes: AdminSchemes = ["http"]): string[] {
  const hosts = new Set<string>();
  if (adminAddress !== undefined && adminAddress !== "0.0.0.0" && adminAddress !== "::") {
    hosts.add(adminAddress);
    // A loopback address is reached as localhost too (this machine's pages only).
    if (/^127\./.test(adminAddress) || adminAddress === "::1") hosts.add("localhost");
  } else {
    hosts.add("localhost").add(hostname());
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (!i.address.includes("%")) hosts.add(i.address);
  }
  const out: string[] = [];
  for (const scheme of schemes) {
    for (const h of hosts) {
      const o = normalizeOrigin(`${scheme}://${h.includes(":") ? `[${h}]` : h}:${adminPort}`);
      if (o !== undefined) out.push(o);
    }
  }
  return out;
}

/** Judges the Origin header of an upgrade (ws's older clients send Sec-WebSocket-Origin). */
export function judgeOrigin(allowed: AllowedOrigins, header: string | string[] | undefined): OriginVerdict {
  if (header === undefined) return { kind: "none" };
  const text = Array.isArray(header) ? header.join(",") : header;
  const shown = text.slice(0, 200);
  if (allowed === "*") return { kind: "allowed", origin: shown };
  const origin = normalizeOrigin(text);
  return origin !== undefined && allowed.has(origin) ? { kind: "allowed", origin } : { kind: "refused", origin: shown };
}

/** The pages allowed on the native port by the configuration (nativeAllowedOrigins, nativeAllowAdminOrigin). */
export function nativeOrigins(
  config: { nativeAllowedOrigins: AllowedOrigins; nativeAllowAdminOrigin: boolean; adminPort: number; adminAddress: string | undefined },
  adminSchemes: AdminSchemes = ["http"],
): AllowedOrigins {
  if (config.nativeAllowedOrigins === "*") return "*";
  if (!config.nativeAllowAdminOrigin || config.adminPort === 0) return config.nativeAllowedOrigins;
  return new Set([...config.nativeAllowedOrigins, ...adminOrigins(config.adminPort, config.adminAddress, adminSchemes)]);
}
