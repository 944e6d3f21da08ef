// ACLs as zkCli writes and prints them: `scheme:id:perms`, comma separated
// (`world:anyone:cdrwa`, `digest:user:hash:cdr`, `ip:10.0.0.0/8:r`, `auth::cdrwa`), and
// printed one entry per two lines: `'world,'anyone` then `: cdrwa`.
import { parsePerms, permsToString, type ACL } from "@warden/client";
import { UsageError } from "./tokenize.js";

/** Entries in one ACL argument at most (ZooKeeper bounds the record by jute.maxbuffer only). */
export const ACL_ENTRIES_MAX = 1024;

export function parseAcl(text: string): ACL[] {
  const entries = text.split(",");
  if (entries.length > ACL_ENTRIES_MAX) throw new UsageError(`more than ${ACL_ENTRIES_MAX} ACL entries`);
  return entries.map(parseAclEntry);
}

function parseAclEntry(entry: string): ACL {
  // The id may itself hold colons (a digest's user:hash), so the scheme ends at the first
  // colon and the permissions start after the last one, as ZooKeeper's AclParser reads it.
  const first = entry.indexOf(":");
  const last = entry.lastIndexOf(":");
  if (first <= 0 || first === last) throw new UsageError(`${entry} does not have the form scheme:id:perm`);
  const perms = parsePerms(entry.slice(last + 1));
  if (perms === undefined || perms === 0)
    throw new UsageError(`invalid permissions "${entry.slice(last + 1)}" in ${entry}: use letters of cdrwa`);
  return { id: { scheme: entry.slice(0, first), id: entry.slice(first + 1, last) }, perms };
}

/** zkCli's getAcl output for one entry (the Id record's CSV form, then the permissions). */
export function formatAclEntry(acl: ACL): string {
  return `'${acl.id.scheme},'${acl.id.id}\n: ${permsToString(acl.perms)}\n`;
}
