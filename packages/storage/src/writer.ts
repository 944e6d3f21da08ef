import type { ClassicLevel } from "classic-level";
import { formatZxid } from "@warden/protocol";
import { encodeLogRecord, type LogEntry, type PutOperation } from "./codec.js";
import { StorageError, StorageErrorReason } from "./errors.js";
import { writeBatch } from "./level-write.js";
import type { ResolvedStorageOptions } from "./options.js";

export type Database = ClassicLevel<Uint8Array, Uint8Array>;

/** Runs alone between group writes; returns the log's new last entry zxid when it changed it. */
export type ExclusiveRun = () => Promise<bigint | undefined>;

interface JobBase {
  readonly entryCount: number;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}
type Job =
  | (JobBase & { readonly kind: "append"; readonly entries: readonly LogEntry[] })
  | (JobBase & { readonly kind: "put"; readonly key: Uint8Array; readonly value: Uint8Array })
  | (JobBase & { readonly kind: "exclusive"; readonly run: ExclusiveRun });
type JobFields = Job extends infer J ? (J extends Job ? Omit<J, "resolve" | "reject"> : never) : never;

export interface WriterStats {
  /** Synced LevelDB writes (fsyncs) made for appends and meta puts. */
  syncedWrites: number;
  /** The same writes made without fsync (forceSync off). */
  unsyncedWrites: number;
  /** Log entries made durable. */
  entriesWritten: number;
}

/**
 * Group commit: appends and meta puts queued while a synced write is in flight are merged
 * into the next single synced write, in call order, the appended entries as one log record; each caller's promise resolves once its
 * own data is durable. Exclusive jobs (truncate, floor changes) run alone, in order.
 * The queue is bounded (entries and bytes); jobs beyond wait in a bounded FIFO.
 */
export class GroupCommitWriter {
  private readonly queue: Job[] = [];
  private readonly blocked: Job[] = [];
  private queuedEntries = 0;
  private queuedBytes = 0;
  private running = false;
  private scheduled = false;
  private failure: StorageError | undefined;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  /** The zxid every new append must exceed: the last accepted (not necessarily durable) one. */
  private tailZxid: bigint;
  /** The last entry actually written: the prevZxid of the next entry written. */
  private chainZxid: bigint;
  readonly stats: WriterStats = { syncedWrites: 0, unsyncedWrites: 0, entriesWritten: 0 };

  constructor(
    private readonly db: Database,
    private readonly options: ResolvedStorageOptions,
    tailZxid: bigint,
    chainZxid: bigint,
  ) {
    this.tailZxid = tailZxid;
    this.chainZxid = chainZxid;
  }

  get lastAcceptedZxid(): bigint {
    return this.tailZxid;
  }

  append(entries: readonly LogEntry[]): Promise<void> {
    this.checkUsable();
    const bytes = this.validateBatch(entries);
    if (entries.length === 0) return Promise.resolve();
    const job = this.enqueue({ kind: "append", entries, entryCount: entries.length, bytes });
    this.tailZxid = entries[entries.length - 1]!.zxid;
    return job;
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    this.checkUsable();
    return this.enqueue({ kind: "put", key, value, entryCount: 1, bytes: value.length });
  }

  /** Queues `run` after everything accepted so far; `tailZxid` becomes `newTailZxid` at once. */
  exclusive(run: ExclusiveRun, newTailZxid?: bigint): Promise<void> {
    this.checkUsable();
    const job = this.enqueue({ kind: "exclusive", run, entryCount: 1, bytes: 0 });
    if (newTailZxid !== undefined) this.tailZxid = newTailZxid;
    return job;
  }

  /** Resolves once everything accepted so far has been written (or failed). */
  drain(): Promise<void> {
    if (!this.busy()) return this.failure ? Promise.reject(this.failure) : Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain().catch(() => undefined);
  }

  /** Marks the storage failed: every queued and future job rejects with `error`. */
  fail(error: StorageError): void {
    this.failure ??= error;
    for (const job of this.queue.splice(0).concat(this.blocked.splice(0))) job.reject(this.failure);
    this.queuedEntries = 0;
    this.queuedBytes = 0;
  }

  get failed(): StorageError | undefined {
    return this.failure;
  }

  private checkUsable(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new StorageError(StorageErrorReason.CLOSED, "storage is closed");
  }

  private validateBatch(entries: readonly LogEntry[]): number {
    if (!Array.isArray(entries)) invalid("append takes an array of { zxid, data }");
    if (entries.length > this.options.writeEntriesMax) {
      invalid(`batch of ${entries.length} entries exceeds writeEntriesMax ${this.options.writeEntriesMax}`);
    }
    let bytes = 0;
    let previous = this.tailZxid;
    for (const entry of entries) {
      const { zxid, data } = entry ?? {};
      if (typeof zxid !== "bigint" || !(data instanceof Uint8Array)) invalid("a log entry is { zxid: bigint, data: Uint8Array }");
      if (zxid <= previous) {
        throw new StorageError(
          StorageErrorReason.ZXID_ORDER,
          `appended zxid ${formatZxid(zxid)} is not greater than ${formatZxid(previous)}`,
          { zxid },
        );
      }
      if (zxid > 0xffff_ffff_ffff_ffffn) invalid(`zxid ${formatZxid(zxid)} exceeds 64 bits`);
      if (data.length > this.options.entryBytesMax)
        invalid(`entry of ${data.length} bytes exceeds entryBytesMax ${this.options.entryBytesMax}`);
      previous = zxid;
      bytes += data.length;
    }
    if (bytes > this.options.writeBytesMax) invalid(`batch of ${bytes} bytes exceeds writeBytesMax ${this.options.writeBytesMax}`);
    return bytes;
  }

  private enqueue(fields: JobFields): Promise<void> {
    if (this.blocked.length > 0 || !this.fits(fields)) {
      if (this.blocked.length >= this.options.blockedAppendsMax) {
        throw new StorageError(StorageErrorReason.QUEUE_FULL, `${this.blocked.length} writes already wait for room (blockedAppendsMax)`);
      }
      return new Promise((resolve, reject) => this.blocked.push({ ...fields, resolve, reject } as Job));
    }
    return new Promise((resolve, reject) => this.admit({ ...fields, resolve, reject } as Job));
  }

  private fits(job: { entryCount: number; bytes: number }): boolean {
    if (this.queue.length === 0) return true;
    return (
      this.queuedEntries + job.entryCount <= this.options.queueEntriesMax && this.queuedBytes + job.bytes <= this.options.queueBytesMax
    );
  }

  private admit(job: Job): void {
    this.queue.push(job);
    this.queuedEntries += job.entryCount;
    this.queuedBytes += job.bytes;
    this.schedule();
  }

  private admitBlocked(): void {
    while (this.blocked.length > 0 && this.fits(this.blocked[0]!)) this.admit(this.blocked.shift()!);
  }

  private busy(): boolean {
    return this.running || this.scheduled || this.queue.length > 0 || this.blocked.length > 0;
  }

  // Deferred to a microtask so appends made in the same tick share the first write too.
  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.failure) {
        if (this.queue[0]!.kind === "exclusive") await this.runExclusive();
        else await this.writeGroup();
        this.admitBlocked();
      }
    } finally {
      this.running = false;
      if (!this.busy()) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async runExclusive(): Promise<void> {
    const job = this.takeFromQueue(1)[0]! as Extract<Job, { kind: "exclusive" }>;
    try {
      const chainZxid = await job.run();
      if (chainZxid !== undefined) this.chainZxid = chainZxid;
      job.resolve();
    } catch (error) {
      job.reject(error);
      this.fail(asFailure(error, "an exclusive log operation failed"));
    }
  }

  private async writeGroup(): Promise<void> {
    const group = this.takeFromQueue(this.groupLength());
    const ops: PutOperation[] = [];
    const batches: Array<readonly LogEntry[]> = [];
    for (const job of group) {
      if (job.kind === "put") ops.push({ type: "put", key: job.key, value: job.value });
      if (job.kind === "append") batches.push(job.entries);
    }
    const entryCount = batches.reduce((sum, batch) => sum + batch.length, 0);
    let chainZxid = this.chainZxid;
    if (entryCount > 0) {
      const record = encodeLogRecord(batches, chainZxid);
      ops.push({ type: "put", key: record.key, value: record.value });
      chainZxid = record.lastZxid;
    }
    const sync = this.options.forceSync;
    const startedMs = performance.now();
    try {
      await writeBatch(this.db, ops, sync);
    } catch (error) {
      const failure = asFailure(error, "a synced write failed; durability of the queued entries is unknown");
      for (const job of group) job.reject(failure);
      this.fail(failure);
      return;
    }
    this.chainZxid = chainZxid;
    const elapsedMs = performance.now() - startedMs;
    if (sync && elapsedMs > this.options.fsyncWarningThresholdMs) this.options.onSlowFsync(elapsedMs);
    if (sync) this.stats.syncedWrites++;
    else this.stats.unsyncedWrites++;
    this.stats.entriesWritten += entryCount;
    for (const job of group) job.resolve();
  }

  /** How many queued non-exclusive jobs fit in one write (at least one). */
  private groupLength(): number {
    let entries = 0;
    let bytes = 0;
    let n = 0;
    for (const job of this.queue) {
      if (job.kind === "exclusive") break;
      entries += job.entryCount;
      bytes += job.bytes;
      if (n > 0 && (entries > this.options.writeEntriesMax || bytes > this.options.writeBytesMax)) break;
      n++;
    }
    return n;
  }

  private takeFromQueue(n: number): Job[] {
    const jobs = this.queue.splice(0, n);
    for (const job of jobs) {
      this.queuedEntries -= job.entryCount;
      this.queuedBytes -= job.bytes;
    }
    return jobs;
  }
}

function asFailure(error: unknown, message: string): StorageError {
  if (error instanceof StorageError) return error;
  return new StorageError(StorageErrorReason.FAILED, `${message}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

function invalid(message: string): never {
  throw new StorageError(StorageErrorReason.INVALID_ARGUMENT, message);
}
