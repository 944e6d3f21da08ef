import type { Entry, Snapshot } from "@warden/consensus";
import type { Zxid } from "@warden/protocol";
import { ZXID_ZERO } from "@warden/protocol";

/**
 * The replicated state machine the simulation drives: what the host applies committed
 * entries to. The core only sees opaque payloads; swapping in the real DataTree means
 * implementing this interface over it.
 */
export interface StateMachine {
  readonly appliedZxid: Zxid;
  apply(entry: Entry): void;
  snapshot(): Snapshot;
  restore(snapshot: Snapshot | null): void;
  /** A canonical rendering of the whole state, for equality checks. */
  fingerprint(): string;
}

/** A write: set `key` to `value`. Values are unique per write in the simulation. */
export interface KvWrite {
  readonly key: string;
  readonly value: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeWrite(w: KvWrite): Uint8Array {
  return encoder.encode(`${w.key}=${w.value}`);
}
export function decodeWrite(payload: Uint8Array): KvWrite {
  const text = decoder.decode(payload);
  const eq = text.indexOf("=");
  if (eq < 0) throw new Error(`not a kv write: ${text}`);
  return { key: text.slice(0, eq), value: text.slice(eq + 1) };
}

/** A deterministic key-value register machine. */
export class KvMachine implements StateMachine {
  private data = new Map<string, string>();
  private applied: Zxid = ZXID_ZERO;

  get appliedZxid(): Zxid {
    return this.applied;
  }

  get(key: string): string | undefined {
    return this.data.get(key);
  }

  apply(entry: Entry): void {
    if (entry.zxid <= this.applied) throw new Error(`apply out of order: ${entry.zxid} after ${this.applied}`);
    this.applied = entry.zxid;
    if (entry.payload === null) return; // an epoch barrier
    const w = decodeWrite(entry.payload);
    this.data.set(w.key, w.value);
  }

  snapshot(): Snapshot {
    const pairs = [...this.data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { zxid: this.applied, payload: encoder.encode(JSON.stringify(pairs)) };
  }

  restore(s: Snapshot | null): void {
    this.data = new Map(s === null ? [] : (JSON.parse(decoder.decode(s.payload)) as [string, string][]));
    this.applied = s?.zxid ?? ZXID_ZERO;
  }

  fingerprint(): string {
    const pairs = [...this.data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify(pairs);
  }
}
