// Time as the client sees it: the session's pings, deadlines, backoff and request timeouts all
// read and wait through one Clock, so a test can drive them with a manual one.

export interface Clock {
  /** Milliseconds, increasing; only differences are used. */
  now(): number;
  /** Calls fn once, ms from now; the handle cancels it. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
