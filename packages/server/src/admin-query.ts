// What a server says about itself on its admin port, as the tools outside it read it (`warden
// ensemble status`, the test harness): its role, last zxid and epoch. `srvr` answers while the
// server serves; while it does not (looking, or syncing with its leader) it answers ZooKeeper's
// not-serving error, as ZooKeeper's does, and `zabstate`, which needs no running server, tells.

export interface ServerRoleAnswer {
  /** srvr's server_state: leader, follower, observer, standalone, read-only, or looking. */
  role: string;
  zxid: bigint;
  epoch: number;
  /** srvr answered: the server serves (false: it is looking, or syncing with its leader). */
  serving: boolean;
}

/**
 * Serves with a leader: the leader (or a standalone server), or a follower or observer synced
 * with its leader; not one looking, syncing, or serving read-only clients without a leader.
 */
export function servesWithLeader(answer: ServerRoleAnswer | undefined): boolean {
  return answer?.serving === true && answer.role !== "looking" && answer.role !== "read-only";
}

type Json = Record<string, unknown>;

async function command(host: string, adminPort: number, name: string, timeoutMs: number): Promise<Json> {
  const h = host.includes(":") ? `[${host}]` : host;
  const res = await fetch(`http://${h}:${adminPort}/commands/${name}`, { signal: AbortSignal.timeout(timeoutMs) });
  return (await res.json()) as Json;
}

/** The server's role, or undefined when it does not answer within `timeoutMs` (dead, paused, cut off). */
export async function queryServerRole(host: string, adminPort: number, timeoutMs = 1000): Promise<ServerRoleAnswer | undefined> {
  try {
    const srvr = await command(host, adminPort, "srvr", timeoutMs);
    const state = (srvr.server_stats as Json | undefined)?.server_state;
    if (typeof state === "string" && typeof srvr.zxid === "string") {
      return { role: state, zxid: BigInt(srvr.zxid), epoch: typeof srvr.epoch === "number" ? srvr.epoch : 0, serving: true };
    }
    if (typeof srvr.error !== "string") return undefined;
    const z = await command(host, adminPort, "zabstate", timeoutMs);
    if (typeof z.server_state !== "string" || typeof z.last_zxid !== "string") return undefined;
    return { role: z.server_state, zxid: BigInt(z.last_zxid), epoch: typeof z.epoch === "number" ? z.epoch : 0, serving: false };
  } catch {
    return undefined;
  }
}
