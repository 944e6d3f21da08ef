// Sessions as the admin ports tell them: which server each session is connected to (from
// every server's /commands/connections) and its ephemeral nodes (from one server's
// /commands/dump, the tree being the same everywhere). Session ids are 64-bit: they are read
// from the answer's text as digits, never through a JSON number (which keeps 53 bits).

export interface SessionRow {
  /** 0x and hex, as ZooKeeper prints session ids. */
  session: string;
  /** Admin URLs of the servers it is connected to (one, or none when only its ephemerals are known). */
  servers: string[];
  remotes: string[];
  ephemerals: string[];
}

/** Sessions listed at most. */
export const SESSIONS_MAX = 500;
/** Ephemeral paths listed per session at most. */
const EPHEMERALS_SHOWN_MAX = 50;

/** JSON text with every "session_id": digits turned into a string, so 64-bit ids stay exact. */
export function parseAdminJson(text: string): unknown {
  return JSON.parse(text.replace(/("session_id"\s*:\s*)(-?\d+)/g, '$1"$2"'));
}

const hex = (id: string) => {
  try {
    return `0x${BigInt.asUintN(64, BigInt(id)).toString(16)}`;
  } catch {
    return id;
  }
};

export function sessionRows(connections: ReadonlyArray<{ admin: string; answer: unknown }>, dump: unknown): SessionRow[] {
  const rows = new Map<string, SessionRow>();
  const row = (id: string) => {
    const key = hex(id);
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { session: key, servers: [], remotes: [], ephemerals: [] }));
    return r;
  };
  for (const { admin, answer } of connections) {
    const list = (answer as { connections?: unknown })?.connections;
    if (!Array.isArray(list)) continue;
    for (const c of list.slice(0, SESSIONS_MAX)) {
      const id = (c as { session_id?: unknown }).session_id;
      if (typeof id !== "string" || id === "0") continue;
      const r = row(id);
      if (!r.servers.includes(admin)) r.servers.push(admin);
      const remote = (c as { remote_socket_address?: unknown }).remote_socket_address;
      if (typeof remote === "string") r.remotes.push(remote);
    }
  }
  const eph = (dump as { session_id_to_ephemeral_paths?: unknown })?.session_id_to_ephemeral_paths;
  if (eph && typeof eph === "object") {
    for (const [id, paths] of Object.entries(eph as Record<string, unknown>).slice(0, SESSIONS_MAX)) {
      if (Array.isArray(paths))
        row(id).ephemerals = paths
          .filter((p): p is string => typeof p === "string")
          .sort()
          .slice(0, EPHEMERALS_SHOWN_MAX);
    }
  }
  return [...rows.values()].sort((a, b) => (a.session < b.session ? -1 : 1)).slice(0, SESSIONS_MAX);
}
