import { Perms } from "./codes.js";

/** An identity: scheme ("world", "auth", "digest", "ip", "super") and id. */
export interface Id {
  scheme: string;
  id: string;
}

export interface ACL {
  perms: number;
  id: Id;
}

export const ANYONE_ID_UNSAFE: Id = Object.freeze({ scheme: "world", id: "anyone" });
export const AUTH_IDS: Id = Object.freeze({ scheme: "auth", id: "" });

export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.ALL, id: ANYONE_ID_UNSAFE }]);
export const CREATOR_ALL_ACL: readonly ACL[] = Object.freeze([{ perms: Perms.ALL, id: AUTH_IDS }]);
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.READ, id: ANYONE_ID_UNSAFE }]);

/** "cdrwa" style string of a permission mask, as zkCli prints it. */
export function permsToString(perms: number): string {
  let s = "";
  if (perms & Perms.CREATE) s += "c";
  if (perms & Perms.DELETE) s += "d";
  if (perms & Perms.READ) s += "r";
  if (perms & Perms.WRITE) s += "w";
  if (perms & Perms.ADMIN) s += "a";
  return s;
}

/** Parses "cdrwa" letters into a mask; undefined on an unknown letter. */
export function parsePerms(s: string): number | undefined {
  let perms = 0;
  for (const c of s) {
    const bit = ({ c: Perms.CREATE, d: Perms.DELETE, r: Perms.READ, w: Perms.WRITE, a: Perms.ADMIN } as Record<string, number>)[c];
    if (bit === undefined) return undefined;
    perms |= bit;
  }
  return perms;
}
