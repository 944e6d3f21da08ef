// Membership changes under faults: the established leader is asked, now and then, for one of the
// changes an operator makes (grow 3 -> 5, shrink 5 -> 3, replace a member, remove the leader,
// voter <-> observer), and a checker follows the committed configurations: every committed entry
// must be durable on a quorum of the configuration in force at it, and a configuration entry on
// a quorum of the one before it too (so no two disjoint majorities can ever both commit).
import type { Entry, Membership } from "@warden/consensus";
import { formatMembership } from "@warden/consensus/internal";
import type { Zxid } from "@warden/protocol";
import { formatZxid } from "@warden/protocol";
import { SimViolation } from "./history.js";
import type { SimNode } from "./node.js";
import type { Prng } from "./prng.js";

export interface ReconfigHost {
  readonly nodes: readonly SimNode[];
  note(text: string): void;
}

interface Change {
  readonly name: string;
  readonly voters: number[];
  readonly observers: number[];
}

export class SimReconfig {
  /** Committed configurations in zxid order, the initial one first (version 0). */
  private readonly configs: Membership[];
  proposed = 0;
  committed = 0;
  /** Committed changes by kind (grow, shrink, replace, remove-leader, voter-to-observer). */
  readonly committedKinds: Record<string, number> = {};
  private readonly kindOf = new Map<Zxid, string>();
  readonly refused = new Map<string, number>();

  constructor(
    private readonly host: ReconfigHost,
    private readonly prng: Prng,
    initial: Membership,
  ) {
    this.configs = [initial];
  }

  /** The committed configuration in force now (the newest). */
  get current(): Membership {
    return this.configs.at(-1)!;
  }

  /** Servers of the newest committed configuration: those that must converge after healing. */
  members(): number[] {
    return [...this.current.voters, ...this.current.observers];
  }

  /** One change, drawn among those that make sense now, proposed to the established leader. */
  step(): void {
    const leader = this.host.nodes.find((n) => n.replica?.role === "leader" && n.replica.status().established);
    if (leader === undefined) return;
    const m = leader.replica!.membership();
    const base = m.pending ?? m.committed;
    const change = this.draw(base, leader.id);
    if (change === null) return;
    const r = leader.replica!.proposeMembership(
      { voters: change.voters, observers: change.observers },
      this.prng.chance(0.9) ? base.version : 0n,
    );
    if (r.ok) {
      this.proposed++;
      this.kindOf.set(r.zxid, change.name);
      this.host.note(
        `reconfig ${change.name} at ${formatZxid(r.zxid)} by ${leader.id}: voters ${change.voters.join(",")} observers ${change.observers.join(",")}`,
      );
      leader.drain();
    } else {
      this.refused.set(r.reason, (this.refused.get(r.reason) ?? 0) + 1);
      this.host.note(`reconfig ${change.name} by ${leader.id} refused: ${r.reason}`);
    }
  }

  private draw(m: Membership, leaderId: number): Change | null {
    const all = this.host.nodes.map((n) => n.id);
    const outside = all.filter((id) => !m.voters.includes(id) && !m.observers.includes(id));
    const pick = (list: readonly number[]): number => this.prng.pick(list);
    const without = (list: readonly number[], ...ids: number[]) => list.filter((x) => !ids.includes(x));
    const options: (() => Change | null)[] = [];
    if (m.voters.length <= 3 && outside.length >= 2) {
      const [a, b] = this.prng.shuffle(outside).slice(0, 2) as [number, number];
      options.push(() => ({ name: "grow", voters: [...m.voters, a, b], observers: [...m.observers] }));
    }
    if (m.voters.length >= 5) {
      const [a, b] = this.prng.shuffle([...m.voters]).slice(0, 2) as [number, number];
      options.push(() => ({ name: "shrink", voters: without(m.voters, a, b), observers: [...m.observers] }));
    }
    const newcomers = [...outside, ...m.observers];
    const followers = without(m.voters, leaderId);
    if (newcomers.length > 0 && followers.length > 0) {
      options.push(() => {
        const out = pick(followers);
        const inn = pick(newcomers);
        return { name: "replace", voters: [...without(m.voters, out), inn], observers: without(m.observers, inn) };
      });
    }
    if (newcomers.length > 0 && m.voters.includes(leaderId)) {
      options.push(() => {
        const inn = pick(newcomers);
        return { name: "remove-leader", voters: [...without(m.voters, leaderId), inn], observers: without(m.observers, inn) };
      });
    }
    if (newcomers.length > 0 && m.voters.length > 1) {
      options.push(() => {
        const demoted = pick(m.voters);
        const inn = pick(newcomers);
        return {
          name: "voter-to-observer",
          voters: [...without(m.voters, demoted), inn],
          observers: [...without(m.observers, inn), demoted],
        };
      });
    }
    if (options.length === 0) return null;
    return this.prng.pick(options)();
  }

  /** A newly committed entry (first applied anywhere): checked against the configurations. */
  committedEntry(e: Entry): void {
    const inForce = this.current;
    this.checkQuorum(e.zxid, inForce, "the configuration in force at it");
    if (e.membership === undefined) return;
    // A configuration commits with a quorum of the old voters AND of the new ones.
    this.checkQuorum(e.zxid, e.membership, "the configuration it carries");
    this.configs.push(e.membership);
    this.committed++;
    const kind = this.kindOf.get(e.zxid) ?? "unknown";
    this.committedKinds[kind] = (this.committedKinds[kind] ?? 0) + 1;
    this.host.note(`configuration ${formatMembership(e.membership)} committed`);
  }

  /** The newest committed entry stays durable on a quorum of the configuration in force at it. */
  checkNewest(last: Zxid): void {
    if (last === 0n) return;
    const m = [...this.configs].reverse().find((c) => c.version <= last)!;
    this.checkQuorum(last, m, "the configuration in force at it");
  }

  private checkQuorum(z: Zxid, m: Membership, which: string): void {
    const holders = m.voters.filter((id) => this.host.nodes[id - 1]!.disk.holds(z));
    if (holders.length < Math.floor(m.voters.length / 2) + 1) {
      throw new SimViolation(
        "committed-on-quorum-of-each-configuration",
        `committed ${formatZxid(z)} is durable on ${holders.length} of the voters ${m.voters.join(",")} of ${which} (version ${formatZxid(m.version)}): holders ${holders.join(",") || "none"}`,
      );
    }
  }
}
