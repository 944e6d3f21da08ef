// Membership as data in the log. A configuration entry (Entry.membership) names the voters and
// observers; its version is its own zxid. A server adopts a configuration when the entry is
// appended to its log (Raft's rule): from then on, until it knows the entry committed, every
// quorum it counts (commit, votes, pre-votes, check quorum) must be a quorum of the previous
// configuration AND of the new one (joint consensus; ZooKeeper's reconfig commit rule). Once it
// knows the entry committed, the new configuration alone counts. A truncated entry is dropped
// with the tail that held it, and the configuration before it governs again. See the README.
import type { Zxid } from "@warden/protocol";
import { ZXID_ZERO } from "@warden/protocol";
import { assert } from "./errors.js";
import type { Entry, Membership } from "./types.js";

/** Members of one configuration, at most (ZooKeeper's server ids are 1..255). */
export const MEMBERS_MAX = 255;
/** Bytes of a membership's hostData, at most (255 server.N lines of ZooKeeper's format fit; a stored configuration stays under the storage's 64 KiB meta values). */
export const HOST_DATA_BYTES_MAX = 32 * 1024;
/** An upper bound of a membership's encoded size (ids, host data and field names). */
export const MEMBERSHIP_BYTES_MAX = 64 + MEMBERS_MAX * 10 + HOST_DATA_BYTES_MAX;

export function membershipBytes(m: Membership): number {
  return 64 + (m.voters.length + m.observers.length) * 10 + (m.hostData?.length ?? 0);
}

export function quorumOf(voters: readonly number[]): number {
  return Math.floor(voters.length / 2) + 1;
}

/** Whether `has` holds for a quorum of `voters`. */
export function hasQuorum(voters: readonly number[], has: (id: number) => boolean): boolean {
  let n = 0;
  for (const v of voters) if (has(v)) n++;
  return n >= quorumOf(voters);
}

/** Whether `refused` holds for so many voters that a quorum can no longer be reached. */
export function quorumLost(voters: readonly number[], refused: (id: number) => boolean): boolean {
  let n = 0;
  for (const v of voters) if (refused(v)) n++;
  return voters.length - n < quorumOf(voters);
}

/** Why a set of members cannot be a configuration (null: it can). */
export function membersProblem(voters: readonly number[], observers: readonly number[]): string | null {
  const all = [...voters, ...observers];
  if (voters.length === 0) return "no-voters";
  if (all.length > MEMBERS_MAX) return "invalid";
  if (all.some((m) => !Number.isInteger(m) || m < 1 || m > 0xffffffff)) return "invalid";
  if (new Set(all).size !== all.length) return "invalid";
  return null;
}

/**
 * The configurations a replica knows: the one in force at its log's base (its snapshot's, or the
 * initial one), and the configuration entries of its in-memory log, in zxid order.
 */
export class MembershipLog {
  private base: Membership;
  private readonly entries: Membership[] = [];

  constructor(base: Membership, log: readonly Entry[]) {
    this.base = base;
    for (const e of log) if (e.membership !== undefined) this.appended(e);
  }

  /** The newest configuration: the one this server has adopted. */
  get last(): Membership {
    return this.entries.at(-1) ?? this.base;
  }

  /** The configuration before the newest (the base when the log holds none). */
  get previous(): Membership {
    return this.entries.length >= 2 ? this.entries[this.entries.length - 2]! : this.base;
  }

  /** The configuration in force at zxid z (>= the log base): the newest entry at or below it. */
  at(z: Zxid): Membership {
    let found = this.base;
    for (const m of this.entries) if (m.version <= z) found = m;
    return found;
  }

  /**
   * The configurations whose quorums count, given what this server knows committed: the newest
   * alone once committed, else the previous and the newest (joint). `adoptOnCommit` is the planted
   * bug: the newest counts only once committed, the previous alone until then.
   */
  rule(commitZxid: Zxid, adoptOnCommit = false): Membership[] {
    const last = this.last;
    if (last.version <= commitZxid) return [last];
    if (adoptOnCommit) return [this.at(commitZxid)];
    return [this.previous, last];
  }

  appended(e: Entry): void {
    const m = e.membership;
    assert(m !== undefined && m.version === e.zxid, "a configuration entry's version is its zxid");
    assert(m.version > this.last.version, "configurations in zxid order");
    this.entries.push(m);
  }

  truncatedAfter(z: Zxid): void {
    while (this.entries.length > 0 && this.entries.at(-1)!.version > z) this.entries.pop();
  }

  /** The log forgot entries <= z: the configuration in force at z becomes the base. */
  compactedThrough(z: Zxid): void {
    this.base = this.at(z);
    while (this.entries.length > 0 && this.entries[0]!.version <= z) this.entries.shift();
  }

  /** A snapshot replaced the log: its configuration is the base. */
  reset(base: Membership): void {
    this.base = base;
    this.entries.length = 0;
  }
}

export function initialMembership(voters: readonly number[], observers: readonly number[]): Membership {
  return { version: ZXID_ZERO, voters: [...voters], observers: [...observers] };
}
