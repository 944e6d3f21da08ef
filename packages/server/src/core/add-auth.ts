// addAuth (ZooKeeper's auth packet): the identity a session's credentials prove, as
// ZooKeeper's authentication providers decide it.
import { ErrorCode, type Id } from "@warden/protocol";
import { generateDigest } from "@warden/tree";
import type { ServerConfig } from "../config/index.js";
import type { ClientConnection } from "../net/connection.js";
import { IDENTITIES_PER_SESSION_MAX, type Answer, type LocalSession } from "./local-session.js";

/** addAuth: adds the identity the credentials prove (see identityOf); anything else fails and ends the connection. */
export function addAuth(
  s: LocalSession,
  xid: number,
  scheme: string,
  auth: Uint8Array | null,
  connection: Pick<ClientConnection, "origin" | "remoteIp" | "tlsIdentities">,
  config: Pick<ServerConfig, "superDigest">,
): Answer {
  const failed: Answer = { xid, zxid: 0n, err: ErrorCode.AUTH_FAILED, response: undefined, thenClose: "authFailed" };
  const identity = identityOf(connection, scheme, auth);
  if (identity === undefined) return failed;
  if (!s.identities.some((i) => i.scheme === identity.scheme && i.id === identity.id)) {
    // Each identity rides along in every ACL of scheme "auth" the session writes: bounded.
    if (s.identities.length >= IDENTITIES_PER_SESSION_MAX) return failed;
    s.identities.push(identity);
  }
  if (identity.scheme === "digest" && config.superDigest === identity.id) s.superuser = true;
  return { xid, zxid: 0n, err: 0, response: { type: "auth" } };
}

/**
 * The identity credentials prove, as ZooKeeper's providers: digest "user:password" proves
 * user:base64(sha1(user:password)) (generateDigest; text without a colon is its own user);
 * ip ignores its bytes (null too) and proves the connection's address
 * (IPAuthenticationProvider.handleAuthentication), except for a web page's connection; x509
 * ignores them too and proves the connection's verified client certificate, failing without one.
 */
function identityOf(
  connection: Pick<ClientConnection, "origin" | "remoteIp" | "tlsIdentities">,
  scheme: string,
  auth: Uint8Array | null,
): Id | undefined {
  // A web page cannot claim its network address either (see ClientConnection.origin).
  if (scheme === "ip") return connection.origin === undefined ? { scheme: "ip", id: connection.remoteIp } : undefined;
  if (scheme === "x509") return connection.tlsIdentities.find((id) => id.scheme === "x509");
  if (scheme !== "digest" || auth === null) return undefined;
  return { scheme: "digest", id: generateDigest(new TextDecoder().decode(auth)) };
}
