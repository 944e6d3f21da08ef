import { BadArgumentsError, validatePath } from "@warden/protocol";

export interface ServerAddress {
  host: string;
  port: number;
}
export interface ConnectString {
  servers: ServerAddress[];
  /** Absent when the client works at the root. */
  chroot: string | undefined;
  /** The string started with wss:// (true) or ws:// (false); undefined: neither. */
  secure: boolean | undefined;
}

/** The native protocol's default port (Warden's `nativePort`). */
export const NATIVE_PORT_DEFAULT = 2281;
/** Servers one connect string may list. */
export const CONNECT_STRING_SERVERS_MAX = 256;

function parseServer(entry: string, connectString: string): ServerAddress {
  const bad = () => new BadArgumentsError(`invalid server "${entry}" in connect string "${connectString}"`);
  let host = entry;
  let portText: string | undefined;
  if (entry.startsWith("[")) {
    const end = entry.indexOf("]");
    if (end < 0) throw bad();
    host = entry.slice(1, end);
    const rest = entry.slice(end + 1);
    if (rest !== "" && !rest.startsWith(":")) throw bad();
    portText = rest === "" ? undefined : rest.slice(1);
  } else if (entry.includes(":")) {
    const i = entry.lastIndexOf(":");
    host = entry.slice(0, i);
    portText = entry.slice(i + 1);
  }
  const port = portText === undefined ? NATIVE_PORT_DEFAULT : Number(portText);
  if (host === "" || /[\s/]/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) throw bad();
  return { host, port };
}

/** Parses ZooKeeper's "h1:p1,h2:p2/chroot" (IPv6 hosts in brackets; port defaults to 2281), optionally after wss:// or ws://. */
export function parseConnectString(given: string): ConnectString {
  const scheme = /^(wss?):\/\//i.exec(given);
  const connectString = scheme ? given.slice(scheme[0].length) : given;
  const secure = scheme ? scheme[1]!.toLowerCase() === "wss" : undefined;
  const slash = connectString.indexOf("/");
  const hostsPart = slash < 0 ? connectString : connectString.slice(0, slash);
  let chroot: string | undefined = slash < 0 ? undefined : connectString.slice(slash);
  if (chroot === "/") chroot = undefined;
  if (chroot !== undefined) validatePath(chroot);
  const entries = hostsPart
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (entries.length === 0) throw new BadArgumentsError(`no servers in connect string "${connectString}"`);
  if (entries.length > CONNECT_STRING_SERVERS_MAX) {
    throw new BadArgumentsError(`more than ${CONNECT_STRING_SERVERS_MAX} servers in connect string`);
  }
  return { servers: entries.map((e) => parseServer(e, connectString)), chroot, secure };
}

export function serverUrl(server: ServerAddress, secure: boolean): string {
  const host = server.host.includes(":") ? `[${server.host}]` : server.host;
  return `${secure ? "wss" : "ws"}://${host}:${server.port}/`;
}
