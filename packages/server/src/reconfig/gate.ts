// Where a client's reconfig request is decided: the state ZooKeeper's leader would consult,
// gathered from this server, handed to planReconfig. A server that does not lead hands the
// request to its leader (`forward`); applying a plan that passes (proposing the new membership
// through the log) is `apply` (integration.ts). Without `apply` (a gate built alone, in tests),
// a plan that passes is refused with RECONFIG_DISABLED and a log line saying why.
import { ErrorCode, type ACL, type Id, type ReconfigRequest, type Response, type Stat } from "@warden/protocol";
import { planReconfig, type ReconfigPlan, type ReconfigState } from "./plan.js";
import type { Membership } from "./membership.js";

export type ReconfigAnswer = { err: 0; response: Response } | { err: number; message: string };

export interface ReconfigGateHooks {
  reconfigEnabled: boolean;
  standaloneEnabled: boolean;
  skipACL: boolean;
  membership: Membership;
  /** The ACL and Stat of /zookeeper/config now. */
  configNode(): { acl: readonly ACL[]; stat: Stat };
  /** The leader and its synced followers, when this server leads; undefined elsewhere. */
  syncedIds(): ReadonlySet<number> | undefined;
  /** The version of the newest membership proposed, when one is in flight (consensus knows). */
  lastSeenVersion?(): bigint;
  nextZxid(): bigint;
  log(line: string): void;
  /**
   * Proposes the plan's membership through the log and answers once it committed (the
   * configuration's text and the node's Stat), or with the error that stopped it. Given by
   * the integration with consensus; absent until then.
   */
  apply?(plan: Extract<ReconfigPlan, { ok: true }>, done: (answer: ReconfigAnswer) => void, proposed?: (version: bigint) => void): void;
  /**
   * A server that does not lead hands the request to its leader, which decides it (as
   * ZooKeeper's leader prepares every reconfig); true when it did (and will call `done`).
   */
  forward?(
    request: ReconfigRequest,
    who: { superuser: boolean; identities: readonly Id[] },
    done: (answer: ReconfigAnswer) => void,
  ): boolean;
}

export class ReconfigGate {
  constructor(private readonly hooks: ReconfigGateHooks) {}

  /**
   * ZooKeeper's reconfig, as its leader prepares it; `done` gets the answer (possibly later).
   * With `proposed` (a request a follower forwarded), a change proposed through the log is
   * answered there at once with its version, and `done` only with a refusal.
   */
  handle(
    request: ReconfigRequest,
    who: { superuser: boolean; identities: readonly Id[] },
    done: (answer: ReconfigAnswer) => void,
    proposed?: (version: bigint) => void,
  ): void {
    const h = this.hooks;
    if (h.reconfigEnabled && h.membership.distributed && h.forward?.(request, who, done)) return;
    const plan = planReconfig(this.state(), request, { superuser: who.superuser, skipACL: h.skipACL, identities: who.identities });
    if (!plan.ok) return done({ err: plan.err, message: plan.message });
    if (h.apply) return h.apply(plan, done, proposed);
    h.log(
      `reconfig to version 0x${plan.next.version.toString(16)} passed ZooKeeper's checks but is refused (RECONFIG_DISABLED): membership change is not in consensus yet`,
    );
    done({ err: ErrorCode.RECONFIG_DISABLED, message: "membership change is not in consensus yet" });
  }

  /** What the decision is made against. */
  state(): ReconfigState {
    const h = this.hooks;
    const current = h.membership.current;
    return {
      enabled: h.reconfigEnabled,
      standalone: !h.membership.distributed,
      standaloneEnabled: h.standaloneEnabled,
      current,
      lastSeenVersion: h.lastSeenVersion?.() ?? current.version,
      // A follower cannot know who is synced with the leader: ZooKeeper decides on the leader,
      // and so will the integration (forwarded like a write). Until then a follower assumes
      // the current voters are, which only matters for a plan it then refuses anyway.
      syncedIds: h.syncedIds() ?? new Set(current.servers.filter((s) => s.type === "participant").map((s) => s.id)),
      configAcl: h.configNode().acl,
      nextZxid: h.nextZxid(),
    };
  }
}

/** The reply of a reconfig that committed: ZooKeeper's GetDataResponse of the new configuration. */
export function reconfigResponse(text: string, stat: Stat): Response {
  return { type: "reconfig", data: new TextEncoder().encode(text), stat };
}
