// The checks that run all along: the process is alive, its RSS high-water mark stays under
// the stated bound, its open descriptors too. A background sampler records peaks; check()
// throws the first violation as a CheckFailure.
import { WardenError } from "@warden/protocol";
import { processFigures, type ProcessFigures, type ServerUnderTest } from "./server.js";
import { mib } from "./units.js";

export type CheckName = "alive" | "rss" | "fds" | "jute-probe" | "native-probe" | "fixture" | "fuzzer";

export class CheckFailure extends WardenError {
  constructor(
    readonly check: CheckName,
    message: string,
  ) {
    super({ code: "WARDEN_ERR_FUZZ_CHECK_FAILED", message });
  }
}

export interface Bounds {
  rssBytesMax: number;
  fdsMax: number;
}

/** Interval between two samples of the server's memory and liveness. */
const SAMPLE_EVERY_MS = 100;

export class Monitor {
  peakRssBytes = 0;
  peakFds = 0;
  last: ProcessFigures | undefined;
  private violation: CheckFailure | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reject: (f: CheckFailure) => void = () => undefined;
  /** Rejects with the first violation the sampler sees: long waits race against it. */
  private readonly violated = new Promise<never>((_, reject) => (this.reject = reject));

  constructor(
    private readonly server: ServerUnderTest,
    private readonly bounds: Bounds,
  ) {
    this.violated.catch(() => undefined);
  }

  /** `work`, or the first violation if it comes first (a dead server does not make us wait out a timeout). */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.violated]);
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    this.timer.unref();
  }
  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    if (!this.violation && !this.server.process.running) this.violate(new CheckFailure("alive", "the server process exited"));
    const pid = this.server.process.pid;
    const f = pid === undefined ? undefined : processFigures(pid);
    if (!f) return;
    this.last = f;
    this.peakRssBytes = Math.max(this.peakRssBytes, f.peakRssBytes);
    this.peakFds = Math.max(this.peakFds, f.openFds);
    if (this.violation) return;
    if (f.peakRssBytes > this.bounds.rssBytesMax) {
      this.violate(
        new CheckFailure("rss", `RSS reached ${mib(f.peakRssBytes)} (VmHWM), over the bound of ${mib(this.bounds.rssBytesMax)}`),
      );
    } else if (f.openFds > this.bounds.fdsMax) {
      this.violate(new CheckFailure("fds", `${f.openFds} open file descriptors, over the bound of ${this.bounds.fdsMax}`));
    }
  }

  private violate(f: CheckFailure): void {
    this.violation = f;
    this.reject(f);
  }

  /** Throws if the server died or broke a bound since the last check. */
  check(): void {
    this.sample();
    if (this.violation) throw this.violation;
  }
}
