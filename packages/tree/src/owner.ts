// What a znode's ephemeralOwner says it is (ZooKeeper's EphemeralType): 0 for a plain
// node, a session id for an ephemeral, 0x8000000000000000 for a container, and
// 0xFF00_0000_0000_0000 | ttl for a TTL node.
import { CONTAINER_EPHEMERAL_OWNER, TTL_EPHEMERAL_OWNER_MASK, TTL_MS_MAX } from "@warden/protocol";

export type OwnerKind = "none" | "session" | "container" | "ttl";

/** Bits 40..63 of a TTL owner: the 0xFF marker byte and ZooKeeper's 16 "extended feature" bits (0 = TTL). */
const TTL_HIGH_BITS = TTL_EPHEMERAL_OWNER_MASK >> 40n;

export function ownerKind(owner: bigint): OwnerKind {
  if (owner === 0n) return "none";
  if (owner === CONTAINER_EPHEMERAL_OWNER) return "container";
  if (owner >> 40n === TTL_HIGH_BITS) return "ttl";
  return "session";
}

export function ttlOwner(ttlMs: number): bigint {
  return TTL_EPHEMERAL_OWNER_MASK | BigInt(ttlMs);
}

export function ttlOf(owner: bigint): number {
  return Number(owner & TTL_MS_MAX);
}

/** Whether a session id could be mistaken for a container or TTL marker (such ids must not be issued). */
export function isReservedSessionId(sessionId: bigint): boolean {
  return sessionId === 0n || ownerKind(sessionId) !== "session" || (sessionId & TTL_EPHEMERAL_OWNER_MASK) === TTL_EPHEMERAL_OWNER_MASK;
}
