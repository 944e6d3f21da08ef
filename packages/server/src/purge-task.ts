// ZooKeeper's DatadirCleanupManager: with autopurge.purgeInterval > 0 hours, a purge runs at
// start and then every purgeInterval hours, keeping the newest autopurge.snapRetainCount
// snapshots (at least 3) and the log they need; with 0 (the default) or less, never.
import { SNAPSHOT_RETAIN_COUNT_MIN, type PurgeResult } from "@warden/storage";

/** Milliseconds in an hour (autopurge.purgeInterval is in hours). */
const HOUR_MS = 3_600_000;
/** setTimeout's largest delay (2^31 - 1 ms, ~24.8 days); longer intervals wait in steps. */
const TIMER_DELAY_MS_MAX = 2_147_483_647;

/** The clock and timer the task runs on; tests pass a simulated one. */
export interface PurgeClock {
  nowMs(): number;
  /** Calls `fn` once after `delayMs` (<= TIMER_DELAY_MS_MAX); returns a cancel function. */
  after(delayMs: number, fn: () => void): () => void;
}

export const REAL_CLOCK: PurgeClock = {
  nowMs: () => Date.now(),
  after(delayMs, fn) {
    const t = setTimeout(fn, delayMs);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface PurgeTaskOptions {
  purgeIntervalHours: number;
  snapRetainCount: number;
  purge: (retainCount: number) => Promise<PurgeResult>;
  log: (line: string) => void;
  clock?: PurgeClock;
}

export interface PurgeTask {
  /** Purges completed so far (for tests and diagnostics). */
  readonly runs: number;
  stop(): void;
}

/** ZooKeeper clamps a retain count below 3 to 3, with a warning. */
export function effectiveRetainCount(snapRetainCount: number, log: (line: string) => void): number {
  if (snapRetainCount >= SNAPSHOT_RETAIN_COUNT_MIN) return snapRetainCount;
  log(`WARNING: invalid autopurge.snapRetainCount: ${snapRetainCount}; defaulting to ${SNAPSHOT_RETAIN_COUNT_MIN}`);
  return SNAPSHOT_RETAIN_COUNT_MIN;
}

/** Starts the purge task (or, with an interval <= 0, logs that none is scheduled). */
export function startPurgeTask(o: PurgeTaskOptions): PurgeTask {
  const clock = o.clock ?? REAL_CLOCK;
  const retainCount = effectiveRetainCount(o.snapRetainCount, o.log);
  const state = { runs: 0, stopped: false, cancel: () => {} };
  const task: PurgeTask = {
    get runs() {
      return state.runs;
    },
    stop() {
      state.stopped = true;
      state.cancel();
    },
  };
  if (o.purgeIntervalHours <= 0) {
    o.log("autopurge: purge task is not scheduled (autopurge.purgeInterval is 0)");
    return task;
  }
  const intervalMs = o.purgeIntervalHours * HOUR_MS;
  o.log(`autopurge: every ${o.purgeIntervalHours} h, keeping the newest ${retainCount} snapshots`);
  // At a fixed rate from now, as java.util.Timer.scheduleAtFixedRate(task, 0, interval).
  let dueMs = clock.nowMs();
  const wait = () => {
    if (state.stopped) return;
    const remainingMs = dueMs - clock.nowMs();
    if (remainingMs > 0) {
      state.cancel = clock.after(Math.min(remainingMs, TIMER_DELAY_MS_MAX), wait);
      return;
    }
    dueMs += intervalMs;
    o.purge(retainCount)
      .then((r) =>
        o.log(
          `autopurge: kept snapshots ${r.retainedSnapshotZxids.map(hex).join(", ") || "(fewer than the retain count exist)"}; deleted ${r.deletedSnapshotZxids.length} snapshots and ${r.deletedEntries} log entries`,
        ),
      )
      .catch((e) => o.log(`autopurge failed: ${(e as Error).message}`))
      .finally(() => {
        state.runs++;
        wait();
      });
  };
  wait();
  return task;
}

const hex = (z: bigint) => `0x${z.toString(16)}`;
