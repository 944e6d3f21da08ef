import type { Entry, Snapshot, Status } from "@warden/consensus";
import type { Zxid } from "@warden/protocol";
import { ZXID_ZERO, formatZxid } from "@warden/protocol";
import type { HistorySpec } from "./history.js";
import { SimViolation, valueAtOrBefore } from "./history.js";

/**
 * The replicated state machine the simulation drives: what the host applies committed
 * entries to. The core only sees opaque payloads. Two implementations: KvMachine (small and
 * fast) and TreeMachine (the server's WardenNode over the real DataTree).
 */
export interface StateMachine {
  /** The last entry whose effect the state holds (the tree counts txns, not epoch barriers). */
  readonly appliedZxid: Zxid;
  /** Committed entries in order, one Ready's batch at once (as the server applies them). */
  applyCommitted(entries: readonly Entry[]): void;
  snapshot(): Snapshot;
  /** At start, from the durable snapshot; may load asynchronously (the tree's loadSnapshot does). */
  restore(snapshot: Snapshot | null): void | Promise<void>;
  /** A snapshot received whole: null if install() can load it, else why not (the server's Replica hook). */
  checkSnapshot?(snapshot: Snapshot): string | null;
  /** A snapshot from the leader replaces the state; may be asynchronous. */
  install(snapshot: Snapshot): void | Promise<void>;
  statusChanged(s: Status): void;
  /** Every consensus tick (the tree's leader expires sessions then). */
  tick?(): void;
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

/** The bytes of a snapshot's parts, in one buffer (the simulation's states are small). */
export function snapshotBytes(s: Snapshot): Uint8Array {
  const out = new Uint8Array(s.parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of s.parts) out.set(p, at), (at += p.length);
  return out;
}

/** An installed snapshot must be one the leader took, whole: anything else does not decode. */
function decodePairs(s: Snapshot): [string, string][] {
  const text = decoder.decode(snapshotBytes(s));
  try {
    return JSON.parse(text) as [string, string][];
  } catch {
    throw new SimViolation(
      "snapshot-installed-whole",
      `snapshot at ${formatZxid(s.zxid)} does not decode: ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
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

  applyCommitted(entries: readonly Entry[]): void {
    for (const e of entries) this.apply(e);
  }

  install(s: Snapshot): void {
    this.restore(s);
  }

  statusChanged(_s: Status): void {}

  apply(entry: Entry): void {
    if (entry.zxid <= this.applied) throw new Error(`apply out of order: ${entry.zxid} after ${this.applied}`);
    this.applied = entry.zxid;
    if (entry.payload === null) return; // an epoch barrier
    const w = decodeWrite(entry.payload);
    this.data.set(w.key, w.value);
  }

  snapshot(): Snapshot {
    const pairs = [...this.data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // Two parts, so that transfers also cut chunks across parts.
    const bytes = encoder.encode(JSON.stringify(pairs));
    return { zxid: this.applied, parts: [bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)] };
  }

  restore(s: Snapshot | null): void {
    this.data = new Map(s === null ? [] : decodePairs(s));
    this.applied = s?.zxid ?? ZXID_ZERO;
  }

  fingerprint(): string {
    const pairs = [...this.data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify(pairs);
  }
}

/** The KV machine's side of the committed history: each write's position, each key's values. */
export class KvSpec implements HistorySpec {
  private readonly writesByKey = new Map<string, { position: number; value: string }[]>();
  private readonly positionByValue = new Map<string, number>();

  record(position: number, e: Entry): void {
    if (e.payload === null) return;
    const w = decodeWrite(e.payload);
    if (this.positionByValue.has(w.value)) throw new SimViolation("write-committed-once", `value ${w.value} committed twice`);
    this.positionByValue.set(w.value, position);
    const list = this.writesByKey.get(w.key) ?? [];
    list.push({ position, value: w.value });
    this.writesByKey.set(w.key, list);
  }

  positionOfValue(value: string): number | undefined {
    return this.positionByValue.get(value);
  }

  valueAt(key: string, position: number): string | undefined {
    return valueAtOrBefore(this.writesByKey.get(key), position);
  }

  replayFingerprint(entries: readonly Entry[], position: number): string {
    const kv = new KvMachine();
    for (let i = 0; i <= position; i++) kv.apply(entries[i]!);
    return kv.fingerprint();
  }
}
