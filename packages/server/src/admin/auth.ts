// Credentials on the admin port (admin.authRequired): a digest user's name and password, as
// HTTP Basic (what curl -u and browsers send) or as ZooKeeper 3.9's admin header
// "Authorization: digest user:password" (Commands.handleAuthentication: scheme, a space, the
// provider's auth bytes). They prove the digest identity user:base64(sha1(user:password)), as
// addAuth digest does; it must be one of the allowed ids (superDigest, admin.authDigests).
import { createHash, timingSafeEqual } from "node:crypto";
import { generateDigest } from "@warden/tree";

/** Longest Authorization header read; a longer one fails unread. */
const AUTHORIZATION_CHARS_MAX = 1024;

/** "user:password" from an Authorization header, or undefined when it carries none we read. */
export function credentialsOf(header: string | undefined): string | undefined {
  if (header === undefined || header.length > AUTHORIZATION_CHARS_MAX) return undefined;
  const space = header.indexOf(" ");
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const rest = header.slice(space + 1).trim();
  if (scheme === "digest") return rest;
  if (scheme !== "basic" || !/^[A-Za-z0-9+/]+={0,2}$/.test(rest)) return undefined;
  return Buffer.from(rest, "base64").toString("utf8");
}

const sha256 = (s: string) => createHash("sha256").update(s).digest();

/** The digest id the header proves when it is one of `allowed`, else undefined. Compared in constant time. */
export function authenticatedDigest(header: string | undefined, allowed: ReadonlySet<string>): string | undefined {
  const credentials = credentialsOf(header);
  if (credentials === undefined || !credentials.includes(":")) return undefined;
  const proven = sha256(generateDigest(credentials));
  let match: string | undefined;
  for (const id of allowed) if (timingSafeEqual(proven, sha256(id))) match = id;
  return match;
}
