import type { Entry } from "@warden/consensus";
import type { Zxid } from "@warden/protocol";
import { WardenError, formatZxid } from "@warden/protocol";

/** A broken rule found by a checker; `rule` names it. */
export class SimViolation extends WardenError {
  constructor(
    readonly rule: string,
    detail: string,
  ) {
    super({ code: "WARDEN_ERR_SIM_VIOLATION", message: `${rule}: ${detail}` });
  }
}

function samePayload(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function membershipKey(e: Entry): string {
  return e.membership === undefined ? "" : `${e.membership.version}:${e.membership.voters.join(",")}/${e.membership.observers.join(",")}`;
}

/**
 * What the canonical history knows of the machine: it records each committed entry (and may
 * check it against its own model), identifies a client's write by a unique value, answers
 * what a read must see, and replays a prefix into a fresh machine.
 */
export interface HistorySpec {
  record(position: number, e: Entry): void;
  positionOfValue(value: string): number | undefined;
  valueAt(key: string, position: number): string | undefined;
  replayFingerprint(entries: readonly Entry[], position: number): string;
}

/**
 * The one canonical committed history, built from what replicas apply: the first replica
 * to apply a position defines it; every other must apply exactly the same entry there.
 */
export class CommittedHistory {
  readonly entries: Entry[] = [];
  private readonly positionByZxid = new Map<Zxid, number>();

  constructor(readonly spec: HistorySpec) {}

  /** -1 for the empty prefix (zxid 0); undefined when not committed (yet). */
  positionOf(zxid: Zxid): number | undefined {
    return zxid === 0n ? -1 : this.positionByZxid.get(zxid);
  }

  positionOfValue(value: string): number | undefined {
    return this.spec.positionOfValue(value);
  }

  get lastZxid(): Zxid {
    return this.entries.at(-1)?.zxid ?? 0n;
  }

  /** A replica applied `e` right after position `after`. */
  observe(after: number, e: Entry, who: string): number {
    const at = after + 1;
    const known = this.entries[at];
    if (known !== undefined) {
      if (known.zxid !== e.zxid || !samePayload(known.payload, e.payload) || membershipKey(known) !== membershipKey(e)) {
        throw new SimViolation(
          "committed-prefix-agreement",
          `${who} applied ${formatZxid(e.zxid)} at position ${at}, where the committed history has ${formatZxid(known.zxid)}`,
        );
      }
      return at;
    }
    if (e.zxid <= this.lastZxid)
      throw new SimViolation("zxid-order", `${who} committed ${formatZxid(e.zxid)} after ${formatZxid(this.lastZxid)}`);
    this.entries.push(e);
    this.positionByZxid.set(e.zxid, at);
    this.spec.record(at, e);
    return at;
  }

  /** The key's value after applying positions 0..position. */
  valueAt(key: string, position: number): string | undefined {
    return this.spec.valueAt(key, position);
  }

  /** Replay positions 0..position into a fresh machine: the reference state. */
  replayFingerprint(position: number): string {
    return this.spec.replayFingerprint(this.entries, position);
  }
}

/** The value of the last write at or before `position` in a position-ordered list (binary search). */
export function valueAtOrBefore(
  list: ReadonlyArray<{ position: number; value: string }> | undefined,
  position: number,
): string | undefined {
  if (list === undefined) return undefined;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.position <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : list[lo - 1]!.value;
}
