// ZooKeeper's RateLogger: a message is logged the first time; while the same message repeats it
// is counted, and logged with its count once `intervalMs` has passed since it was last logged,
// or when another message comes. Bounded: it holds one message.
export class RateLimitedLog {
  private message: string | undefined;
  private sinceMs = 0;
  private repeats = 0;

  constructor(
    private readonly log: (line: string) => void,
    private readonly nowMs: () => number,
    private readonly intervalMs = 100,
  ) {}

  warn(message: string): void {
    const now = this.nowMs();
    if (message === this.message) {
      this.repeats++;
      if (now - this.sinceMs >= this.intervalMs) {
        this.flush();
        this.message = message;
        this.sinceMs = now;
      }
      return;
    }
    this.flush();
    this.message = message;
    this.sinceMs = now;
    this.log(`WARN ${message}`);
  }

  /** Logs the repeats of the current message not yet logged. */
  flush(): void {
    if (this.message !== undefined && this.repeats > 0) this.log(`WARN [${this.repeats} times] ${this.message}`);
    this.message = undefined;
    this.repeats = 0;
  }
}
