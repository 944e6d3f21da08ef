import type { Entry } from "@warden/consensus";
import type { Zxid } from "@warden/protocol";
import { formatZxid } from "@warden/protocol";
import { decodeWrite, KvMachine } from "./kv.js";

/** A broken rule found by a checker; `rule` names it. */
export class SimViolation extends Error {
  constructor(readonly rule: string, detail: string) {
    super(`${rule}: ${detail}`);
    this.name = "SimViolation";
  }
}

function samePayload(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The one canonical committed history, built from what replicas apply: the first replica
 * to apply a position defines it; every other must apply exactly the same entry there.
 */
export class CommittedHistory {
  readonly entries: Entry[] = [];
  private readonly positionByZxid = new Map<Zxid, number>();
  private readonly writesByKey = new Map<string, { position: number; value: string }[]>();
  private readonly positionByValue = new Map<string, number>();

  /** -1 for the empty prefix (zxid 0); undefined when not committed (yet). */
  positionOf(zxid: Zxid): number | undefined {
    return zxid === 0n ? -1 : this.positionByZxid.get(zxid);
  }

  positionOfValue(value: string): number | undefined {
    return this.positionByValue.get(value);
  }

  get lastZxid(): Zxid {
    return this.entries.at(-1)?.zxid ?? 0n;
  }

  /** A replica applied `e` right after position `after`. */
  observe(after: number, e: Entry, who: string): number {
    const at = after + 1;
    const known = this.entries[at];
    if (known !== undefined) {
      if (known.zxid !== e.zxid || !samePayload(known.payload, e.payload)) {
        throw new SimViolation("committed-prefix-agreement", `${who} applied ${formatZxid(e.zxid)} at position ${at}, where the committed history has ${formatZxid(known.zxid)}`);
      }
      return at;
    }
    if (e.zxid <= this.lastZxid) throw new SimViolation("zxid-order", `${who} committed ${formatZxid(e.zxid)} after ${formatZxid(this.lastZxid)}`);
    this.entries.push(e);
    this.positionByZxid.set(e.zxid, at);
    if (e.payload !== null) this.recordWrite(at, e.payload);
    return at;
  }

  private recordWrite(position: number, payload: Uint8Array): void {
    const w = decodeWrite(payload);
    if (this.positionByValue.has(w.value)) throw new SimViolation("write-committed-once", `value ${w.value} committed twice`);
    this.positionByValue.set(w.value, position);
    const list = this.writesByKey.get(w.key) ?? [];
    list.push({ position, value: w.value });
    this.writesByKey.set(w.key, list);
  }

  /** The key's value after applying positions 0..position. */
  valueAt(key: string, position: number): string | undefined {
    const list = this.writesByKey.get(key);
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

  /** Replay positions 0..position into a fresh machine: the reference state. */
  replayFingerprint(position: number): string {
    const kv = new KvMachine();
    for (let i = 0; i <= position; i++) kv.apply(this.entries[i]!);
    return kv.fingerprint();
  }
}
