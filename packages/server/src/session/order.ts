// A session's requests are answered in the order they arrived (FIFO client order), and a
// read sees the session's own earlier writes: a read waits behind the session's pending
// writes and runs only when everything before it has completed. A read also waits while
// the connection's output is over its soft bound (`blocked`): its reply is built when it
// can be sent, so a client that does not read cannot make the server hold many replies.

export interface Pending<R> {
  /** Runs a read when every earlier request has completed; absent for writes. */
  run?: () => R;
  result?: R;
  done: boolean;
}

export class SessionOrder<R> {
  private queue: Pending<R>[] = [];
  private readonly dropped = new WeakSet<Pending<R>>();
  private head = 0;

  constructor(
    private readonly send: (p: Pending<R>, result: R) => void,
    readonly outstandingMax: number,
    private readonly blocked: () => boolean = () => false,
  ) {}

  /** Requests accepted but not yet answered. */
  get outstanding(): number {
    return this.queue.length - this.head;
  }

  /** A read (or anything answered locally): runs now if nothing is ahead of it and the output has room. */
  read(run: () => R): void {
    if (this.outstanding === 0 && !this.blocked()) {
      this.send({ run, done: true }, run());
      return;
    }
    this.queue.push({ run, done: false });
  }

  /** A write: answered when `complete` is called with its result. */
  write(): Pending<R> {
    const p: Pending<R> = { done: false };
    this.queue.push(p);
    return p;
  }

  complete(p: Pending<R>, result: R): void {
    if (p.result !== undefined || (p.done && !this.dropped.has(p))) throw new Error("request completed twice");
    if (p.done) return; // dropped by clear(): its connection is gone
    p.result = result;
    this.drain();
  }

  /** The output has room again: run the reads that were held back. */
  resume(): void {
    this.drain();
  }

  /** Drops everything queued (the connection is gone); returns how many were dropped. */
  clear(): number {
    const n = this.outstanding;
    for (let i = this.head; i < this.queue.length; i++) {
      this.queue[i]!.done = true;
      this.dropped.add(this.queue[i]!);
    }
    this.queue = [];
    this.head = 0;
    return n;
  }

  private drain(): void {
    while (this.head < this.queue.length) {
      const p = this.queue[this.head]!;
      let result = p.result;
      if (result === undefined) {
        if (!p.run || this.blocked()) break;
        result = p.run();
      }
      p.done = true;
      this.head++;
      this.send(p, result);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
