// ACL checks as ZooKeeper's ZooKeeperServer.checkACL and PrepRequestProcessor.fixupACL,
// for the schemes world, auth, digest, ip, sasl and x509. Identities are what a session has
// authenticated as: ("digest", "user:hash"), ("ip", "10.1.2.3"), ("sasl", "alice"),
// ("x509", "CN=client,O=Example"), ("super", "").
import { answerError, InvalidACLError, NoAuthError, type ACL, type Id } from "@warden/protocol";
import { ACL_ENTRIES_MAX, ACL_ID_CHARS_MAX } from "./limits.js";
import { ipMatches, isValidIpAclId } from "./ip.js";
import { sha1, toBase64 } from "./sha1.js";

/** Schemes whose identities are proven by authentication (ZooKeeper's isAuthenticated). */
const AUTHENTICATED_SCHEMES = new Set(["digest", "sasl", "x509"]);

function schemeMatches(scheme: string, identity: string, aclId: string): boolean {
  if (scheme === "ip") return ipMatches(identity, aclId);
  // X509AuthenticationProvider.matches: the subject names compare as strings.
  if (scheme === "digest" || scheme === "x509") return identity === aclId;
  // SASLAuthenticationProvider.matches: the same name, or the SASL user named "super" (any sasl ACL).
  if (scheme === "sasl") return identity === aclId || identity === "super";
  return false;
}

/**
 * Whether a session with `identities` has permission `perm` (a Perms bit or bits: any
 * one suffices, as ZooKeeper's getACL asks READ|ADMIN) under `acl`. An empty ACL allows
 * everything; a "super" identity or `superuser` allows everything.
 */
export function checkACL(acl: readonly ACL[], perm: number, identities: readonly Id[], superuser = false): boolean {
  if (superuser || acl.length === 0) return true;
  // Indexed loops: this runs on every read and write, and for-of would allocate iterators.
  for (let i = 0; i < identities.length; i++) if (identities[i]!.scheme === "super") return true;
  for (let j = 0; j < acl.length; j++) {
    const a = acl[j]!;
    if ((a.perms & perm) === 0) continue;
    if (a.id.scheme === "world" && a.id.id === "anyone") return true;
    for (let i = 0; i < identities.length; i++) {
      const id = identities[i]!;
      if (id.scheme === a.id.scheme && schemeMatches(id.scheme, id.id, a.id.id)) return true;
    }
  }
  return false;
}

/** checkACL that throws NoAuthError naming `path`. */
export function requireACL(acl: readonly ACL[], perm: number, identities: readonly Id[], superuser: boolean, path: string): void {
  if (!checkACL(acl, perm, identities, superuser)) throw answerError(NoAuthError, path);
}

/** Java's String.split(":") drops trailing empty strings; digest ids must have exactly two parts. */
function isValidDigestId(id: string): boolean {
  const parts = id.split(":");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts.length === 2;
}

/**
 * SASLAuthenticationProvider.isValid is KerberosName's constructor: a name with "@" must be
 * name[/host]@realm (no further "/" or "@"); any name without "@" is valid.
 */
function isValidSaslId(id: string): boolean {
  return !id.includes("@") || /^[^/@]*(\/[^/@]*)?@[^/@]*$/.test(id);
}

function isValidAclId(id: Id): boolean {
  if (id.scheme === "digest") return isValidDigestId(id.id);
  if (id.scheme === "sasl") return isValidSaslId(id.id);
  if (id.scheme === "ip") return isValidIpAclId(id.id);
  if (id.scheme === "x509") return isDistinguishedName(id.id);
  return false;
}

/**
 * Whether text reads as an RFC 2253 distinguished name (ZooKeeper's x509 isValid parses it as an
 * X500Principal): each attribute, between commas or pluses not escaped, is type=value with a
 * keyword or an OID for its type. The empty name is valid.
 */
function isDistinguishedName(text: string): boolean {
  if (text === "") return true;
  return text.split(/(?<!\\)[,+]/).every((part) => /^\s*([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)\s*=/.test(part));
}

function wellFormed(a: unknown): a is ACL {
  const acl = a as ACL | null;
  return (
    typeof acl === "object" &&
    acl !== null &&
    Number.isInteger(acl.perms) &&
    acl.perms >= -0x80000000 &&
    acl.perms <= 0x7fffffff &&
    typeof acl.id === "object" &&
    acl.id !== null &&
    typeof acl.id.scheme === "string" &&
    typeof acl.id.id === "string" &&
    acl.id.scheme.length <= ACL_ID_CHARS_MAX &&
    acl.id.id.length <= ACL_ID_CHARS_MAX
  );
}

function removeDuplicates(acl: readonly ACL[]): ACL[] {
  const seen = new Set<string>();
  const out: ACL[] = [];
  for (const a of acl) {
    const key = `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(a);
    }
  }
  return out;
}

/**
 * The ACL to store for a create or setACL (ZooKeeper's fixupACL): duplicates removed,
 * "auth" entries expanded to the session's authenticated identities, every other entry
 * checked valid for its scheme. Throws InvalidACLError naming `path`.
 */
export function fixupACL(path: string, identities: readonly Id[], acl: readonly ACL[]): ACL[] {
  if (!Array.isArray(acl) || acl.length > ACL_ENTRIES_MAX) throw answerError(InvalidACLError, path);
  // The common ACL, one world:anyone entry, without the general path's allocations.
  if (acl.length === 1 && wellFormed(acl[0]) && acl[0].id.scheme === "world" && acl[0].id.id === "anyone") {
    return [{ perms: acl[0].perms, id: { scheme: "world", id: "anyone" } }];
  }
  if (!acl.every(wellFormed)) throw answerError(InvalidACLError, path);
  const unique = removeDuplicates(acl);
  if (unique.length === 0) throw answerError(InvalidACLError, path);
  const out: ACL[] = [];
  for (const a of unique) {
    if (a.id.scheme === "world" && a.id.id === "anyone") {
      out.push({ perms: a.perms, id: { scheme: "world", id: "anyone" } });
    } else if (a.id.scheme === "auth") {
      const authenticated = identities.filter((id) => AUTHENTICATED_SCHEMES.has(id.scheme));
      if (authenticated.length === 0) throw answerError(InvalidACLError, path);
      for (const id of authenticated) out.push({ perms: a.perms, id: { scheme: id.scheme, id: id.id } });
    } else if (isValidAclId(a.id)) {
      out.push({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } });
    } else {
      throw answerError(InvalidACLError, path);
    }
  }
  if (out.length > ACL_ENTRIES_MAX) throw answerError(InvalidACLError, path);
  return out;
}

/** ZooKeeper's digest identity: "user:" + base64(sha1("user:password")). */
export function digestId(user: string, password: string): string {
  return generateDigest(`${user}:${password}`);
}

/**
 * DigestAuthenticationProvider.generateDigest: the text up to its first colon (all of it when
 * there is none), ":", base64(sha1(the whole text)).
 */
export function generateDigest(idPassword: string): string {
  const colon = idPassword.indexOf(":");
  const user = colon < 0 ? idPassword : idPassword.slice(0, colon);
  return `${user}:${toBase64(sha1(new TextEncoder().encode(idPassword)))}`;
}

/** The user whoAmI names for an identity (AuthenticationProvider.getUserName): a digest's user, else the id. */
export function userNameOf(id: Id): string {
  return id.scheme === "digest" ? id.id.split(":")[0]! : id.id;
}

/**
 * The ACL as a getACL caller without ADMIN may see it: digest hashes replaced by "x",
 * as ZooKeeper's FinalRequestProcessor does.
 */
export function maskDigests(acl: readonly ACL[]): ACL[] {
  return acl.map((a) => (a.id.scheme === "digest" ? { perms: a.perms, id: { scheme: "digest", id: a.id.id.replace(/:.*/g, ":x") } } : a));
}
