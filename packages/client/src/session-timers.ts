// The named timers of a session (a connection attempt, the ping tick, the session deadline,
// the next reconnect), on the client's clock: at most one of each name.
import type { Clock } from "./clock.js";

export type SessionTimer = "attempt" | "tick" | "deadline" | "reconnect";

export class SessionTimers {
  readonly #timers = new Map<SessionTimer, unknown>();

  constructor(private readonly clock: Clock) {}

  /** Runs `fn` in `ms` (and every `ms` after with `repeat`), replacing the timer of that name. */
  set(name: SessionTimer, ms: number, fn: () => void, repeat = false): void {
    this.clear(name);
    const clock = this.clock;
    // A repeating timer schedules its next run before this one, so that fn may clear it.
    const run = repeat
      ? () => {
          this.#timers.set(name, clock.setTimeout(run, ms));
          fn();
        }
      : fn;
    this.#timers.set(name, clock.setTimeout(run, ms));
  }

  clear(name: SessionTimer): void {
    const t = this.#timers.get(name);
    if (t !== undefined) this.clock.clearTimeout(t);
    this.#timers.delete(name);
  }

  has(name: SessionTimer): boolean {
    return this.#timers.has(name);
  }

  /** The timer of that name has run: forget it (without clearing). */
  ran(name: SessionTimer): void {
    this.#timers.delete(name);
  }

  clearAll(): void {
    for (const timer of this.#timers.values()) this.clock.clearTimeout(timer);
    this.#timers.clear();
  }
}
