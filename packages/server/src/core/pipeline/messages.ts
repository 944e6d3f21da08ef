// What servers send each other beside consensus, and the forwarded request every write,
// new session and revalidation becomes on its way to the leader.
import type { Id, ReconfigRequest } from "@warden/protocol";
import type { WriteRequest } from "@warden/tree";

/**
 * What a server sends its leader for a session, in the session's order: a write, a new session,
 * or a revalidation (the session's client reattached here: this server is now its owner).
 */
export type ForwardedRequest = WriteRequest | { type: "createSession"; timeoutMs: number } | { type: "revalidate" };

/** Messages between servers beside consensus: forwarded requests, their failures, and session touches. */
export type ServerMessage =
  | { type: "forward"; origin: number; sessionId: bigint; cxid: number; request: ForwardedRequest; identities: Id[]; superuser: boolean }
  | { type: "forward-failed"; sessionId: bigint; cxid: number; err: number }
  | { type: "touch"; sessions: bigint[] }
  // A reconfig a follower received, decided by the leader (ZooKeeper's leader prepares it); the
  // leader answers with the error, or 0 and the version of the configuration once it committed.
  | { type: "reconfig"; origin: number; requestId: number; request: ReconfigRequest; identities: Id[]; superuser: boolean }
  | { type: "reconfig-result"; requestId: number; err: number; version: bigint; message: string };

export type Forward = Extract<ServerMessage, { type: "forward" }>;

/** The cxids of the requests a server makes for a session rather than its client. */
export const CREATE_SESSION_CXID = -10;
export const REVALIDATE_CXID = -11;

/** The leader's own housekeeping write (a session's expiry, a container's removal). */
export function housekeeping(myId: number, sessionId: bigint, request: ForwardedRequest): Forward {
  return { type: "forward", origin: myId, sessionId, cxid: 0, request, identities: [], superuser: true };
}
