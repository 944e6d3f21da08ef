// The shared data records of zookeeper.jute: Stat, Id, ACL, ClientInfo; and the headers.
import type { ACL, Id } from "../acl.js";
import { ErrorCode } from "../codes.js";
import { NullFieldRefusal, refuse } from "./refusal.js";
import type { Stat } from "../stat.js";
import type { JuteReader } from "./reader.js";
import type { JuteWriter } from "./writer.js";

/** Stat: 5 longs... field for field as org.apache.zookeeper.data.Stat (68 bytes). */
export const STAT_BYTES = 68;
/** ACL: int perms, then Id (two strings): at least 12 bytes. */
export const ACL_BYTES_MIN = 12;
/** MultiHeader: int type, boolean done, int err. */
export const MULTI_HEADER_BYTES = 9;

export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.long("stat.czxid"),
    mzxid: r.long("stat.mzxid"),
    ctime: r.longNumber("stat.ctime"),
    mtime: r.longNumber("stat.mtime"),
    version: r.int("stat.version"),
    cversion: r.int("stat.cversion"),
    aversion: r.int("stat.aversion"),
    ephemeralOwner: r.long("stat.ephemeralOwner"),
    dataLength: r.int("stat.dataLength"),
    numChildren: r.int("stat.numChildren"),
    pzxid: r.long("stat.pzxid"),
  };
}

export function writeStat(w: JuteWriter, s: Stat): void {
  w.long(s.czxid).long(s.mzxid).longNumber(s.ctime).longNumber(s.mtime);
  w.int(s.version).int(s.cversion).int(s.aversion).long(s.ephemeralOwner);
  w.int(s.dataLength).int(s.numChildren).long(s.pzxid);
}

export function readId(r: JuteReader): Id {
  return { scheme: r.string("id.scheme"), id: r.string("id.id") };
}

export function writeId(w: JuteWriter, id: Id): void {
  w.string(id.scheme).string(id.id);
}

export function readACL(r: JuteReader): ACL[] {
  return r.vector("acl", ACL_BYTES_MIN, (e) => ({ perms: e.int("acl.perms"), id: readId(e) }));
}

/** An ACL entry as a request carries it: either string of its Id may be null (length -1). */
interface RequestACLEntry {
  perms: number;
  scheme: string | null;
  id: string | null;
}

/** Schemes whose provider's isValid dereferences the id (ZooKeeper 3.8's digest and ip). */
const ID_PARSING_SCHEMES = new Set(["digest", "ip"]);

/**
 * The ACL of a create or setACL, with ZooKeeper's meaning of null strings (PrepRequestProcessor
 * .fixupACL, captured from 3.8). Accepted: ("auth", null), whose id fixupACL never reads (the
 * entry becomes the session's authenticated identities), read as ("auth", ""). Answered with
 * INVALID_ACL by the tree: a null scheme, or a null id of a scheme without a provider (read
 * as ""). Answered MARSHALLING_ERROR here (ZooKeeper dereferences the null): a null id of
 * world, digest or ip, and a null string met while removeDuplicates compares an entry with an
 * earlier one of the same perms (jute's equals calls scheme.equals, then id.equals).
 */
export function readRequestACL(r: JuteReader): ACL[] {
  const entries = r.vector(
    "acl",
    ACL_BYTES_MIN,
    (e): RequestACLEntry => ({ perms: e.int("acl.perms"), scheme: e.stringOrNull("id.scheme"), id: e.stringOrNull("id.id") }),
  );
  const npe = (what: string) => new NullFieldRefusal(refuse(ErrorCode.MARSHALLING_ERROR, `ACL entry with a null ${what}`));
  entries.forEach((a, i) => {
    for (let j = 0; j < i; j++) {
      const b = entries[j]!;
      if (a.perms !== b.perms) continue;
      if (a.scheme === null) throw npe("scheme");
      if (a.scheme === b.scheme && a.id === null) throw npe("id");
    }
  });
  return entries.map((a) => {
    if (a.id === null && a.scheme !== null && (a.scheme === "world" || ID_PARSING_SCHEMES.has(a.scheme))) throw npe("id");
    return { perms: a.perms, id: { scheme: a.scheme ?? "", id: a.id ?? "" } };
  });
}

export function writeACL(w: JuteWriter, acl: readonly ACL[]): void {
  w.vector(acl, (e, a) => {
    e.int(a.perms);
    writeId(e, a.id);
  });
}

/** WhoAmIResponse's ClientInfo (authScheme, user) maps onto Id (scheme, id). */
export function readClientInfos(r: JuteReader): Id[] {
  return r.vector("clientInfo", 8, (e) => ({ scheme: e.string("clientInfo.authScheme"), id: e.string("clientInfo.user") }));
}

export interface RequestHeader {
  xid: number;
  opCode: number;
}

export interface ReplyHeader {
  xid: number;
  zxid: bigint;
  err: number;
}

export interface MultiHeader {
  type: number;
  done: boolean;
  err: number;
}

export function readMultiHeader(r: JuteReader): MultiHeader {
  return { type: r.int("multiHeader.type"), done: r.bool("multiHeader.done"), err: r.int("multiHeader.err") };
}

export function writeMultiHeader(w: JuteWriter, h: MultiHeader): void {
  w.int(h.type).bool(h.done).int(h.err);
}

/** The MultiHeader that ends a multi's ops and its results: (-1, done, -1). */
export const MULTI_END: Readonly<MultiHeader> = Object.freeze({ type: -1, done: true, err: -1 });
