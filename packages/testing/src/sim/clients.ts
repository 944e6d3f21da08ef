import type { Zxid } from "@warden/protocol";
import { formatZxid } from "@warden/protocol";
import type { CommittedHistory } from "./history.js";
import { SimViolation } from "./history.js";

export interface WriteRecord {
  readonly client: number;
  readonly key: string;
  readonly value: string;
  readonly invokeMs: number;
  responseMs: number | null;
  /** ok: acknowledged; fail: definitely not done (refused); unknown: may or may not commit. */
  outcome: "pending" | "ok" | "fail" | "unknown";
  zxid: Zxid | null;
}

/**
 * Client histories and their checks. Writes: every acknowledged write is committed at its
 * zxid, refused writes never are, and the commit order respects real time (a write
 * acknowledged before another was invoked is ordered before it) — the total order is known,
 * so this is a complete linearizability check. Reads: a read returns the value of the
 * committed history at the replica's applied zxid, never older than what its client has
 * already seen (sequential consistency, read-your-writes).
 */
export class ClientHistory {
  readonly writes: WriteRecord[] = [];
  private readonly seenZxid = new Map<number, Zxid>();
  reads = 0;
  private readonly writesMax = 1_000_000;

  constructor(private readonly history: CommittedHistory) {}

  invokeWrite(client: number, key: string, value: string, nowMs: number): WriteRecord {
    if (this.writes.length >= this.writesMax) throw new Error("write history over its bound");
    const w: WriteRecord = { client, key, value, invokeMs: nowMs, responseMs: null, outcome: "pending", zxid: null };
    this.writes.push(w);
    return w;
  }

  /** The accepting replica applied the write: the client hears "ok". */
  acknowledge(w: WriteRecord, zxid: Zxid, nowMs: number): void {
    const position = this.history.positionOf(zxid);
    const at = this.history.positionOfValue(w.value);
    if (position === undefined || at !== position) {
      throw new SimViolation(
        "acknowledged-write-committed",
        `write ${w.key}=${w.value} acknowledged at ${formatZxid(zxid)} but not committed there`,
      );
    }
    w.outcome = "ok";
    w.responseMs = nowMs;
    w.zxid = zxid;
    this.see(w.client, zxid);
  }

  read(client: number, key: string, value: string | undefined, appliedZxid: Zxid): void {
    this.reads++;
    const position = this.history.positionOf(appliedZxid);
    if (position === undefined)
      throw new SimViolation("read-from-committed-state", `read at ${formatZxid(appliedZxid)}, not a committed zxid`);
    const expected = this.history.valueAt(key, position);
    if (expected !== value) {
      throw new SimViolation(
        "read-sequential-consistency",
        `client ${client} read ${key}=${value} at ${formatZxid(appliedZxid)}, committed history says ${expected}`,
      );
    }
    const seen = this.seenZxid.get(client) ?? 0n;
    if (appliedZxid < seen)
      throw new SimViolation("read-monotonic", `client ${client} read at ${formatZxid(appliedZxid)} after seeing ${formatZxid(seen)}`);
    this.see(client, appliedZxid);
  }

  lastSeen(client: number): Zxid {
    return this.seenZxid.get(client) ?? 0n;
  }

  private see(client: number, zxid: Zxid): void {
    if (zxid > (this.seenZxid.get(client) ?? 0n)) this.seenZxid.set(client, zxid);
  }

  /** The end-of-run checks over the whole history. */
  checkLinearizable(): void {
    for (const w of this.writes) {
      if (w.outcome === "fail" && this.history.positionOfValue(w.value) !== undefined) {
        throw new SimViolation("refused-write-not-committed", `write ${w.key}=${w.value} was refused but committed`);
      }
    }
    const committed = this.writes
      .map((w) => ({ w, position: this.history.positionOfValue(w.value) }))
      .filter((x): x is { w: WriteRecord; position: number } => x.position !== undefined)
      .sort((a, b) => a.w.invokeMs - b.w.invokeMs);
    const acked = this.writes.filter((w) => w.outcome === "ok").sort((a, b) => a.responseMs! - b.responseMs!);
    let i = 0;
    let positionMax = -1;
    let valueAtPositionMax = "";
    for (const { w, position } of committed) {
      while (i < acked.length && acked[i]!.responseMs! < w.invokeMs) {
        const p = this.history.positionOfValue(acked[i]!.value)!;
        if (p > positionMax) [positionMax, valueAtPositionMax] = [p, acked[i]!.value];
        i++;
      }
      if (position < positionMax) {
        throw new SimViolation(
          "linearizable-writes",
          `write ${w.value} invoked at ${w.invokeMs} ms is ordered before ${valueAtPositionMax}, acknowledged earlier`,
        );
      }
    }
  }
}
