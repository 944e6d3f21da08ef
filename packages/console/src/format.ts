// The console's pure parts: how a node's data, Stat and ACL are shown, and how long child
// lists are cut into pages. No DOM, no client: unit-tested under Node.
import type { ACL, Stat } from "@warden/protocol";

/** A zxid as ZooKeeper's tools print it: 0x and lowercase hex, no padding. */
export function hexZxid(zxid: bigint): string {
  return `0x${(zxid < 0n ? BigInt.asUintN(64, zxid) : zxid).toString(16)}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Milliseconds since the epoch as local time, YYYY-MM-DD HH:MM:SS.mmm (0 shows as "-"). */
export function localTime(ms: number): string {
  if (ms === 0) return "-";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The Stat fields in ZooKeeper's order, zxids and the owner in hex, times in local time. */
export function statRows(stat: Stat): Array<[string, string]> {
  return [
    ["czxid", hexZxid(stat.czxid)],
    ["mzxid", hexZxid(stat.mzxid)],
    ["pzxid", hexZxid(stat.pzxid)],
    ["ctime", localTime(stat.ctime)],
    ["mtime", localTime(stat.mtime)],
    ["version", String(stat.version)],
    ["cversion", String(stat.cversion)],
    ["aversion", String(stat.aversion)],
    ["ephemeralOwner", hexZxid(stat.ephemeralOwner)],
    ["dataLength", String(stat.dataLength)],
    ["numChildren", String(stat.numChildren)],
  ];
}

const PERM_LETTERS: Array<[number, string]> = [
  [4, "c"],
  [8, "d"],
  [1, "r"],
  [2, "w"],
  [16, "a"],
];

/** Permissions as zkCli's letters, in its order: cdrwa. */
export function permsText(perms: number): string {
  return PERM_LETTERS.filter(([bit]) => (perms & bit) !== 0)
    .map(([, l]) => l)
    .join("");
}

export function aclRows(acl: readonly ACL[]): Array<{ id: string; perms: string }> {
  return acl.map((a) => ({ id: `${a.id.scheme}:${a.id.id}`, perms: permsText(a.perms) }));
}

/** UTF-8 text when the bytes are valid UTF-8, else undefined. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Bytes shown in the hex view at most (a node holds up to 1 MiB by default). */
export const HEX_BYTES_MAX = 64 * 1024;

/** A classic hex dump: offset, 16 bytes in hex, the printable ASCII; cut at bytesMax. */
export function hexDump(bytes: Uint8Array, bytesMax = HEX_BYTES_MAX): string {
  const lines: string[] = [];
  const end = Math.min(bytes.length, bytesMax);
  for (let off = 0; off < end; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, end));
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0"));
    const left = hex.slice(0, 8).join(" ");
    const right = hex.slice(8).join(" ");
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${off.toString(16).padStart(8, "0")}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  if (bytes.length > end) lines.push(`... ${bytes.length - end} more bytes not shown`);
  return lines.join("\n");
}

export type JsonView = { ok: true; text: string } | { ok: false; error: string };

/** The data pretty-printed as JSON, or why it is not JSON. */
export function prettyJson(text: string): JsonView {
  try {
    return { ok: true, text: JSON.stringify(JSON.parse(text), null, 2) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Why text cannot be saved as JSON, or undefined when it is valid JSON. */
export function jsonError(text: string): string | undefined {
  const v = prettyJson(text);
  return v.ok ? undefined : v.error;
}

/** Parses a hex editor's text ("7b 22 61", "7b2261", newlines allowed) into bytes. */
export function parseHex(text: string): Uint8Array | string {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0) return "an odd number of hex digits";
  if (!/^[0-9a-fA-F]*$/.test(clean)) return "only hex digits and spaces are allowed";
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Bytes as plain hex pairs separated by spaces, 16 a line (the hex editor's text). */
export function hexPairs(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16)
    lines.push([...bytes.subarray(off, off + 16)].map((b) => b.toString(16).padStart(2, "0")).join(" "));
  return lines.join("\n");
}

/** Children shown per page in the tree. */
export const CHILDREN_PAGE_SIZE = 200;

export interface Page<T> {
  items: T[];
  /** 0-based page shown (clamped into range). */
  index: number;
  count: number;
  /** 1-based positions of the first and last item shown (0, 0 when empty). */
  first: number;
  last: number;
  total: number;
}

/** One page of a list; an out-of-range index shows the nearest page. */
export function page<T>(all: readonly T[], index: number, size = CHILDREN_PAGE_SIZE): Page<T> {
  const count = Math.max(1, Math.ceil(all.length / size));
  const i = Math.min(Math.max(0, Math.floor(index)), count - 1);
  const items = all.slice(i * size, (i + 1) * size);
  return { items, index: i, count, first: items.length ? i * size + 1 : 0, last: i * size + items.length, total: all.length };
}

/** Children sorted as zkCli lists them, filtered by a name prefix. */
export function visibleChildren(children: readonly string[], prefix = ""): string[] {
  return children.filter((c) => c.startsWith(prefix)).sort();
}

export function childPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** Every ancestor of a path from the root down, the path included: /a/b -> [/, /a, /a/b]. */
export function ancestors(path: string): string[] {
  if (path === "/") return ["/"];
  const parts = path.split("/").slice(1);
  return ["/", ...parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`)];
}

/** Splits a search "/a/b/pre" into the parent to list and the name prefix to match. */
export function splitPrefix(search: string): { parent: string; prefix: string } {
  const s = search.startsWith("/") ? search : `/${search}`;
  const i = s.lastIndexOf("/");
  return { parent: i === 0 ? "/" : s.slice(0, i), prefix: s.slice(i + 1) };
}
