// The reconfigs a server owes an answer, and the rule that every one gets exactly one. A
// request waits first for the leader's answer (forwarded by a follower), then for the
// configuration version proposed for it to be in force here. It succeeds only when that very
// version is applied here; it fails with CONNECTION_LOSS (the outcome is unknown to this
// server, as for ZooKeeper's client whose connection closed: it reads /zookeeper/config) when
// a new leader truncated the proposal, when a later configuration is applied without it (a
// snapshot passed over it), when the leader changed before the proposal reached this server,
// or, whatever else happened (an answer lost with a dropped link, a leader that died with no
// successor), when answerWithinMs passed since the request arrived.
import { ErrorCode } from "@warden/protocol";
import type { MembershipStatus } from "@warden/consensus";
import type { ReconfigAnswer } from "./gate.js";

type Done = (answer: ReconfigAnswer) => void;

/** Requests forwarded and waiting for the leader's answer, at most (a client's own are bounded by its outstanding requests). */
export const FORWARDED_MAX = 1024;
/** Versions applied here that are remembered, to tell a late success from a version passed over. */
const APPLIED_KEPT = 16;

/** One client's answer: given once, by whoever comes first, or by the deadline. */
export class OwedAnswer {
  private readonly timer: ReturnType<typeof setTimeout>;
  private answered = false;

  constructor(
    private readonly done: Done,
    withinMs: number,
    /** Forgets the request wherever it waits; called before the deadline's answer. */
    private readonly forget: (owed: OwedAnswer) => void,
  ) {
    this.timer = setTimeout(() => {
      this.forget(this);
      this.answer({ err: ErrorCode.CONNECTION_LOSS, message: `the reconfig was not answered within ${withinMs} ms` });
    }, withinMs);
    this.timer.unref?.();
  }

  answer(a: ReconfigAnswer): void {
    if (this.answered) return;
    this.answered = true;
    clearTimeout(this.timer);
    this.done(a);
  }

  fail(message: string): void {
    this.answer({ err: ErrorCode.CONNECTION_LOSS, message });
  }
}

interface Waiter {
  owed: OwedAnswer;
  /** The leader that proposed the version (as this server knew it). */
  leader: number | null;
  /** The proposal was in this server's log at some point: its disappearing is a truncation. */
  seen: boolean;
}

/** Answers waiting for a configuration version to be applied here. */
export class VersionWaiters {
  private readonly waiting = new Map<bigint, Waiter[]>();
  private readonly applied: bigint[];

  constructor(appliedVersion: bigint) {
    this.applied = [appliedVersion];
  }

  /**
   * `owed` waits for `version` (proposed by `leader`); answered at once when that version was
   * applied here, failed at once when a later one was applied without it.
   */
  add(version: bigint, owed: OwedAnswer, leader: number | null, status: MembershipStatus, success: (owed: OwedAnswer) => void): void {
    if (this.applied.includes(version)) return success(owed);
    if (this.applied.at(-1)! > version) return owed.fail("a later configuration is in force here: this one was passed over");
    const list = this.waiting.get(version) ?? [];
    list.push({ owed, leader, seen: status.pending?.version === version });
    this.waiting.set(version, list);
  }

  remove(owed: OwedAnswer): void {
    for (const [version, list] of this.waiting) {
      const rest = list.filter((w) => w.owed !== owed);
      if (rest.length === list.length) continue;
      if (rest.length === 0) this.waiting.delete(version);
      else this.waiting.set(version, rest);
    }
  }

  /** `version` is applied here: its waiters succeed, those of earlier versions were passed over. */
  appliedVersion(version: bigint, success: (owed: OwedAnswer) => void): void {
    if (this.applied.at(-1) !== version) this.applied.push(version);
    if (this.applied.length > APPLIED_KEPT) this.applied.shift();
    for (const [v, list] of [...this.waiting]) {
      if (v > version) continue;
      this.waiting.delete(v);
      for (const w of list) {
        if (v === version) success(w.owed);
        else w.owed.fail("a later configuration was applied here instead: the change did not take effect here");
      }
    }
  }

  /**
   * The configurations that count, or the leader, changed: a proposal that left this log
   * without committing was truncated by a new leader; one that never reached it, proposed by a
   * leader that is no longer leading, will not arrive.
   */
  settle(status: MembershipStatus, leaderId: number | null): void {
    for (const [version, list] of [...this.waiting]) {
      // Known committed here, not yet applied (the removed leader's handover can come first): it will be.
      if (status.committed.version >= version) continue;
      const inLog = status.pending?.version === version;
      const gone = list.filter((w) => {
        if (inLog) return !(w.seen = true);
        return w.seen || (leaderId !== null && leaderId !== w.leader);
      });
      if (gone.length === 0) continue;
      const rest = list.filter((w) => !gone.includes(w));
      if (rest.length === 0) this.waiting.delete(version);
      else this.waiting.set(version, rest);
      for (const w of gone)
        w.owed.fail(
          w.seen
            ? "a new leader truncated the proposed configuration: the change did not commit"
            : "the leader changed before the reconfig committed",
        );
    }
  }
}
