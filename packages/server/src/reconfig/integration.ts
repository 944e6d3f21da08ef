// The reconfig op carried through consensus. The leader turns a plan that passed ZooKeeper's
// checks into a configuration entry (proposeMembership, from the version the plan was made
// against) whose hostData is the new server.N lines, and answers once it commits; a follower
// forwards the request to the leader, which decides it, and answers once the configuration
// committed here too. Every server, as configurations are proposed and commit: connects to new
// members and drops removed ones, lets their messages in, rewrites /zookeeper/config (when the
// entry is applied, in log order, so every tree holds the same), writes zoo.cfg.dynamic.<version>
// and points zoo.cfg's dynamicConfigFile at it (static-config.ts).
// Every request waiting here is answered exactly once, within answerWithinMs (answers.ts).
import {
  ErrorCode,
  formatServerSpec,
  formatVersionHex,
  parseDynamicConfig,
  type DynamicConfig,
  type Id,
  type QuorumServerSpec,
  type ReconfigRequest,
  type Stat,
} from "@warden/protocol";
import type { Entry, Membership as ConsensusMembership, MembershipResult, MembershipStatus, Replica } from "@warden/consensus";
import type { ServerMessage } from "../core/pipeline/messages.js";
import type { PeerAddress } from "../peer/transport.js";
import { reconfigResponse, type ReconfigAnswer, type ReconfigGate } from "./gate.js";
import { FORWARDED_MAX, OwedAnswer, VersionWaiters } from "./answers.js";
import { writeConfigFiles } from "./static-config.js";
import type { ReconfigPlan } from "./plan.js";
import type { Membership } from "./membership.js";

type Done = (answer: ReconfigAnswer) => void;
type Who = { superuser: boolean; identities: readonly Id[] };

export interface ReconfigIntegrationHooks {
  myId: number;
  replica(): Replica;
  /** Has the replica's new work (a proposed configuration entry) handled now, not at the next tick. */
  kick(): void;
  membership: Membership;
  gate(): ReconfigGate;
  /** The ACL and Stat of /zookeeper/config now. */
  configStat(): Stat;
  sendToPeer(to: number, m: ServerMessage): void;
  /** The peers to connect to (every member of the configurations that count, with its address). */
  setPeers(peers: PeerAddress[]): void;
  /** The ids whose messages are let in; updated in place. */
  ids: number[];
  /** dynamicConfigFile, when the membership came from one: where zoo.cfg.dynamic.<version> goes without configFile. */
  dynamicConfigFile: string | undefined;
  /** zoo.cfg, when the server started from one: <zoo.cfg>.dynamic.<version> is written, and zoo.cfg points at it. */
  configFile?: string;
  /**
   * How long a reconfig may wait here for its answer (the leader's, then the commit) before it
   * fails with CONNECTION_LOSS: a leader that cannot commit loses its quorum within syncLimit.
   */
  answerWithinMs: number;
  log(line: string): void;
}

/** The server.N lines a configuration entry carries (no version: the entry's zxid is its version). */
export function hostDataOf(servers: readonly QuorumServerSpec[]): Uint8Array {
  return new TextEncoder().encode(servers.map((s) => `server.${s.id}=${formatServerSpec(s)}\n`).join(""));
}

/**
 * The configuration a consensus membership stands for: its hostData's lines, versioned with
 * its zxid; `fallback` (the members known so far) for one without lines (the initial one) or
 * whose lines do not name exactly its members.
 */
export function dynamicOf(m: ConsensusMembership, fallback: DynamicConfig): DynamicConfig {
  const members = new Set([...m.voters, ...m.observers]);
  if (m.hostData !== undefined) {
    try {
      const parsed = parseDynamicConfig(new TextDecoder().decode(m.hostData));
      const consistent =
        parsed.servers.length === members.size &&
        parsed.servers.every((s) => members.has(s.id) && (s.type === "participant") === m.voters.includes(s.id));
      if (consistent) return { servers: parsed.servers, version: m.version };
    } catch {
      // Lines only a leader of this code writes; unreadable ones fall back to what is known.
    }
  }
  const known = new Map(fallback.servers.map((s) => [s.id, s]));
  const servers = [...members]
    .sort((a, b) => a - b)
    .flatMap((id) => {
      const s = known.get(id);
      return s ? [{ ...s, type: m.voters.includes(id) ? ("participant" as const) : ("observer" as const) }] : [];
    });
  return { servers, version: m.version };
}

const refusalCode: Record<Exclude<MembershipResult, { ok: true }>["reason"], number> = {
  "in-progress": ErrorCode.RECONFIG_IN_PROGRESS,
  "bad-version": ErrorCode.BAD_VERSION,
  "no-quorum": ErrorCode.NEW_CONFIG_NO_QUORUM,
  "no-voters": ErrorCode.BAD_ARGUMENTS,
  invalid: ErrorCode.BAD_ARGUMENTS,
  // Leadership moved, or is not settled: as a write the leader cannot take.
  "not-leader": ErrorCode.CONNECTION_LOSS,
  "not-ready": ErrorCode.CONNECTION_LOSS,
  busy: ErrorCode.CONNECTION_LOSS,
};

export class ReconfigIntegration {
  /** Answers waiting for a configuration version to be in force here. */
  private readonly waiting: VersionWaiters;
  /** Requests this server forwarded to the leader, by request id. */
  private readonly forwarded = new Map<number, { leader: number; owed: OwedAnswer }>();
  private nextRequestId = 1;
  /** The configurations known (committed, pending): for addresses. */
  private known: DynamicConfig;
  /** The version (in consensus) of the configuration last applied here: what /zookeeper/config shows. */
  private appliedVersion: bigint;

  constructor(private readonly h: ReconfigIntegrationHooks) {
    this.known = h.membership.current;
    this.appliedVersion = h.replica().membership().committed.version;
    this.waiting = new VersionWaiters(this.appliedVersion);
  }

  /** `done`, answered once, and with CONNECTION_LOSS if nothing else answered it within answerWithinMs. */
  private owe(done: Done): OwedAnswer {
    return new OwedAnswer(done, this.h.answerWithinMs, (owed) => {
      for (const [id, f] of this.forwarded) if (f.owed === owed) this.forwarded.delete(id);
      this.waiting.remove(owed);
    });
  }

  /**
   * Where the gate sends a request: a follower forwards it to the leader before any check that
   * needs the leader's knowledge (who is synced, what is in flight). Returns false when this
   * server decides it (it leads, or reconfig is off here and the gate answers that).
   */
  forward(request: ReconfigRequest, who: Who, done: Done): boolean {
    const status = this.h.replica().status();
    if (status.role === "leader") return false;
    const leader = status.leaderId;
    if (leader === null || leader === this.h.myId) {
      done({ err: ErrorCode.CONNECTION_LOSS, message: "no leader to decide the reconfig" });
      return true;
    }
    if (this.forwarded.size >= FORWARDED_MAX) {
      done({ err: ErrorCode.CONNECTION_LOSS, message: "too many reconfigs waiting for the leader" });
      return true;
    }
    const requestId = this.nextRequestId++;
    this.forwarded.set(requestId, { leader, owed: this.owe(done) });
    this.h.sendToPeer(leader, {
      type: "reconfig",
      origin: this.h.myId,
      requestId,
      request,
      identities: [...who.identities],
      superuser: who.superuser,
    });
    return true;
  }

  /**
   * The leader's part: propose the plan's membership; answer once it committed, or, for a
   * request a follower forwarded (`proposed`), at once with the version proposed: the follower
   * waits for that version itself. Answering a follower only at the commit loses the answer when
   * the change removes this leader: the followers drop their connection to it as they apply it.
   */
  apply(plan: Extract<ReconfigPlan, { ok: true }>, done: Done, proposed?: (version: bigint) => void): void {
    // The plan was made against /zookeeper/config's configuration: one committed and not yet
    // applied here is a change in progress too.
    const now = this.h.replica().membership();
    if (now.pending !== null || now.committed.version !== this.appliedVersion)
      return done({ err: ErrorCode.RECONFIG_IN_PROGRESS, message: "a reconfiguration is in progress" });
    const fromVersion = now.committed.version;
    const voters = plan.next.servers.filter((s) => s.type === "participant").map((s) => s.id);
    const observers = plan.next.servers.filter((s) => s.type === "observer").map((s) => s.id);
    const r = this.h.replica().proposeMembership({ voters, observers, hostData: hostDataOf(plan.next.servers) }, fromVersion);
    if (!r.ok) {
      this.h.log(`reconfig to ${voters.length} voters and ${observers.length} observers refused by consensus: ${r.reason}`);
      return done({ err: refusalCode[r.reason], message: `reconfig refused: ${r.reason}` });
    }
    this.h.kick();
    this.h.log(
      `reconfig proposed as version 0x${formatVersionHex(r.zxid)}: voters ${voters.join(",")}${observers.length ? `, observers ${observers.join(",")}` : ""}`,
    );
    if (proposed) return proposed(r.zxid);
    this.whenInForce(r.zxid, this.owe(done), this.h.myId);
  }

  /** The version of the newest configuration proposed and not known committed (the committed one when none). */
  lastSeenVersion(): bigint {
    return this.h.replica().membership().pending?.version ?? this.h.membership.current.version;
  }

  /** A reconfig or its result from a peer. */
  onMessage(from: number, m: Extract<ServerMessage, { type: "reconfig" | "reconfig-result" }>): void {
    if (m.type === "reconfig") {
      const answer = (a: ReconfigAnswer) =>
        this.h.sendToPeer(from, {
          type: "reconfig-result",
          requestId: m.requestId,
          err: a.err,
          version: a.err === 0 ? this.h.membership.current.version : 0n,
          message: a.err === 0 ? "" : (a as { message: string }).message.slice(0, 1024),
        });
      const proposed = (version: bigint) =>
        this.h.sendToPeer(from, { type: "reconfig-result", requestId: m.requestId, err: 0, version, message: "" });
      if (this.h.replica().status().role !== "leader")
        return answer({ err: ErrorCode.CONNECTION_LOSS, message: "this server no longer leads" });
      return this.h.gate().handle(m.request, { superuser: m.superuser, identities: m.identities }, answer, proposed);
    }
    const f = this.forwarded.get(m.requestId);
    if (f === undefined || f.leader !== from) return;
    this.forwarded.delete(m.requestId);
    if (m.err !== 0) return f.owed.answer({ err: m.err, message: m.message });
    this.whenInForce(m.version, f.owed, f.leader);
  }

  /** Answers `owed` once the configuration of `version` (proposed by `leader`) is in force here. */
  private whenInForce(version: bigint, owed: OwedAnswer, leader: number): void {
    this.waiting.add(version, owed, leader, this.h.replica().membership(), this.answerCommitted);
  }

  private readonly answerCommitted = (owed: OwedAnswer): void =>
    owed.answer({ err: 0, response: reconfigResponse(this.h.membership.text, this.h.configStat()) });

  /**
   * A committed configuration entry is applied (in log order, between the transactions around
   * it): /zookeeper/config takes it, its waiting answers go out, the dynamic file is written.
   */
  applied(entry: Entry): void {
    this.adopt(entry.membership!);
  }

  /** A snapshot from the leader was installed: its configuration is the one in force here now. */
  installed(m: ConsensusMembership): void {
    this.adopt(m);
  }

  private adopt(m: ConsensusMembership): void {
    const next = dynamicOf(m, this.known);
    const changed = m.version !== this.appliedVersion;
    this.appliedVersion = m.version;
    this.h.membership.replace(next);
    if (changed) {
      this.h.log(
        `configuration 0x${formatVersionHex(m.version)} in force: voters ${m.voters.join(",")}${m.observers.length ? `, observers ${m.observers.join(",")}` : ""}`,
      );
      this.writeDynamicFile(next);
    }
    this.waiting.appliedVersion(m.version, this.answerCommitted);
  }

  /** Ready.membership: the configurations that count changed. Connect to their members. */
  changed(status: MembershipStatus): void {
    const committed = dynamicOf(status.committed, this.known);
    const pending = status.pending ? dynamicOf(status.pending, committed) : undefined;
    const byId = new Map<number, QuorumServerSpec>();
    for (const s of [...this.known.servers, ...committed.servers, ...(pending?.servers ?? [])]) byId.set(s.id, s);
    const members = new Set([
      ...status.committed.voters,
      ...status.committed.observers,
      ...(status.pending ? [...status.pending.voters, ...status.pending.observers] : []),
      this.h.myId,
    ]);
    this.known = {
      servers: [...byId.values()].filter((s) => members.has(s.id)).sort((a, b) => a.id - b.id),
      version: (pending ?? committed).version,
    };
    this.h.ids.splice(0, this.h.ids.length, ...[...members].sort((a, b) => a - b));
    this.h.setPeers(this.known.servers.map((s) => ({ id: s.id, host: s.host, port: s.quorumPort })));
    // A proposal truncated by a new leader leaves the pending configuration here.
    this.waiting.settle(status, this.h.replica().status().leaderId);
  }

  /** This server stopped leading or lost its leader: what waited on it will not be answered by it. */
  leadershipChanged(): void {
    const role = this.h.replica().status();
    for (const [id, f] of [...this.forwarded]) {
      // Only once another leader is known: a removed leader answers, then hands over, and its
      // answer may arrive after its timeout-now started the election.
      if (role.leaderId === null || role.leaderId === f.leader) continue;
      this.forwarded.delete(id);
      f.owed.fail("the leader changed before the reconfig was answered");
    }
    // A proposal still in this log may yet commit under the new leader; one that is not (and
    // not known committed) will not: the client learns the outcome from /zookeeper/config.
    this.waiting.settle(this.h.replica().membership(), role.leaderId);
  }

  /** ZooKeeper's QuorumPeer.setQuorumVerifier(qv, writeToDisk): the dynamic file, and zoo.cfg pointing at it. */
  private writeDynamicFile(next: DynamicConfig): void {
    try {
      const file = writeConfigFiles(next, { configFile: this.h.configFile, dynamicConfigFile: this.h.dynamicConfigFile }, this.h.myId);
      if (file !== undefined) this.h.log(`configuration 0x${formatVersionHex(next.version)} written to ${file}`);
    } catch (e) {
      this.h.log(`could not write the configuration 0x${formatVersionHex(next.version)} to disk: ${(e as Error).message}`);
    }
  }
}
