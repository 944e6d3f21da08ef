// A server outside the configuration (a spare waiting to be added, a removed one) redials
// every couple of seconds: its refusal is logged once a minute, with the count of the others.

/** A refused server outside the configuration is logged at most this often (it redials every few seconds). */
const REFUSAL_LOG_INTERVAL_MS = 60_000;
/** Distinct refused ids remembered for that (an id is 32 bits: bounded, then forgotten all at once). */
const REFUSALS_TRACKED_MAX = 256;

export class RefusalLog {
  /** Refusals of one server outside the configuration, by detail: when last logged, how many since. */
  private readonly refusals = new Map<string, { atMs: number; since: number }>();

  /** Undefined to stay quiet, else the repeats to report. Details other than an unknown peer id always log. */
  repeats(detail: string, now = Date.now()): number | undefined {
    if (!/^unknown peer id \d+$/.test(detail)) return 0;
    const r = this.refusals.get(detail);
    if (r && now - r.atMs < REFUSAL_LOG_INTERVAL_MS) {
      r.since++;
      return undefined;
    }
    if (this.refusals.size >= REFUSALS_TRACKED_MAX) this.refusals.clear();
    this.refusals.set(detail, { atMs: now, since: 0 });
    return r?.since ?? 0;
  }
}
