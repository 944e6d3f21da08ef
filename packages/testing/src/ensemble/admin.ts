// What a server says about itself on its admin port (`/commands/srvr`): role, last zxid, epoch.
// Used by the ensemble harness and the tests to find the leader and to wait for agreement.

import { queryServerRole } from "@warden/server";

export { servesWithLeader } from "@warden/server";

export type ServerRole = "leader" | "follower" | "looking" | "observer" | "standalone" | "read-only";

export interface ServerState {
  role: ServerRole;
  zxid: bigint;
  epoch: number;
  /** It takes clients: false while looking, and for a follower or observer not yet synced with its leader. */
  serving: boolean;
}

/** How long a state query waits for a server's admin answer. */
const ADMIN_TIMEOUT_MS = 1000;

/**
 * The server's state, or undefined when it does not answer within a second (dead, paused, cut
 * off): srvr, or zabstate while the server does not serve (@warden/server's queryServerRole).
 */
export async function serverState(host: string, adminPort: number, timeoutMs = ADMIN_TIMEOUT_MS): Promise<ServerState | undefined> {
  const answer = await queryServerRole(host, adminPort, timeoutMs);
  return answer && { ...answer, role: answer.role as ServerRole };
}
