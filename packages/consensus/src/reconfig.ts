// proposeMembership: a configuration change, proposed by the leader as a log entry. The rules
// that make it safe (joint quorums until it commits) live in membership.ts and core.ts.
import type { Zxid } from "@warden/protocol";
import { makeZxid } from "@warden/protocol";
import type { Core } from "./core.js";
import { HOST_DATA_BYTES_MAX, hasQuorum, membersProblem } from "./membership.js";
import type { MembershipChange, MembershipResult } from "./types.js";

/** The largest zxid counter in one epoch; a leader past it refuses a reconfiguration. */
const COUNTER_MAX = 0xffffffff;

export function proposeMembership(c: Core, next: MembershipChange, fromVersion?: Zxid): MembershipResult {
  if (c.role !== "leader") return { ok: false, reason: "not-leader", leaderId: c.leaderId };
  if (!c.established) return { ok: false, reason: "not-ready", leaderId: c.id };
  if (c.log.countAfter(c.commitZxid) >= c.cfg.inflightProposalsMax || c.nextCounter > COUNTER_MAX)
    return { ok: false, reason: "busy", leaderId: c.id };
  const last = c.members.last;
  // ZooKeeper's ReconfigInProgress: one change at a time, so that at most two configurations count.
  if (last.version > c.commitZxid) return { ok: false, reason: "in-progress", leaderId: c.id };
  if (fromVersion !== undefined && fromVersion !== last.version) return { ok: false, reason: "bad-version", leaderId: c.id };
  const voters = [...next.voters];
  const observers = [...(next.observers ?? [])];
  const problem = membersProblem(voters, observers);
  if (problem !== null) return { ok: false, reason: problem as "no-voters" | "invalid", leaderId: c.id };
  if (next.hostData !== undefined && next.hostData.length > HOST_DATA_BYTES_MAX) return { ok: false, reason: "invalid", leaderId: c.id };
  // ZooKeeper's NewConfigNoQuorum: the new voters must include a quorum that follows us now,
  // or the change could never commit.
  const synced = (id: number) =>
    id === c.id || (c.progress.get(id)?.state === "replicate" && c.progress.get(id)!.matchZxid >= c.barrierZxid);
  if (!hasQuorum(voters, synced)) return { ok: false, reason: "no-quorum", leaderId: c.id };
  const zxid = makeZxid(c.epoch, c.nextCounter++);
  const membership =
    next.hostData === undefined
      ? { version: zxid, voters, observers }
      : { version: zxid, voters, observers, hostData: Uint8Array.from(next.hostData) };
  c.appendLocal({ zxid, payload: null, membership });
  return { ok: true, zxid };
}
