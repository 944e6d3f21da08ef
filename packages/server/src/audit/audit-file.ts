// The audit log's file: lines are queued in memory and written by one asynchronous loop, so
// the request path never waits on the disk. The queue is bounded in bytes: a line that would
// pass the bound is dropped and counted (a disk that cannot keep up costs lines, never memory).
// A file that reaches fileBytesMax is rotated as logback's FixedWindowRollingPolicy does, which
// ZooKeeper's audit appender uses: file -> file.1 -> file.2 ... up to file.N (filesKept).
import { open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { AuditSettings } from "../config/security.js";

/** Bytes of lines waiting for the disk before new lines are dropped. */
export const AUDIT_QUEUE_BYTES_MAX = 4 * 1024 * 1024;

export class AuditFile {
  /** Lines written to the file, and lines dropped (queue full, or a write failed). */
  written = 0;
  dropped = 0;
  private queue: string[] = [];
  private queuedBytes = 0;
  private handle: FileHandle | undefined;
  private fileBytes = 0;
  /** The write loop runs (set and cleared synchronously with its last look at the queue). */
  private running = false;
  private draining: Promise<void> = Promise.resolve();
  /** Set while lines are being dropped, so that a run of drops is logged once. */
  private dropping = false;
  private closed = false;

  constructor(
    private readonly settings: AuditSettings,
    private readonly log: (line: string) => void,
    private readonly queueBytesMax = AUDIT_QUEUE_BYTES_MAX,
  ) {
    mkdirSync(dirname(settings.file), { recursive: true });
  }

  /** Queues one line (no line break in it); never waits and never throws. */
  append(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.closed || this.queuedBytes + bytes > this.queueBytesMax) return this.drop(1, "its queue is full: the disk does not keep up");
    this.dropping = false;
    this.queue.push(line);
    this.queuedBytes += bytes;
    if (!this.running) {
      this.running = true;
      this.draining = this.drain();
    }
  }

  /** Writes what is queued, then closes the file. Later lines are dropped. */
  async close(): Promise<void> {
    while (this.running) await this.draining;
    this.closed = true;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  private drop(lines: number, why: string): void {
    this.dropped += lines;
    if (!this.dropping) this.log(`WARNING: audit log ${this.settings.file}: dropping lines, ${why} (${this.dropped} dropped so far)`);
    this.dropping = true;
  }

  /** Nothing in it throws (a failed write drops its batch), so `running` is cleared right after the queue is seen empty. */
  private async drain(): Promise<void> {
    // Lines queued while a batch is written go in the next batch.
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.writeLines(batch);
        this.written += batch.length;
      } catch (e) {
        this.drop(batch.length, `writing failed: ${(e as Error).message}`);
        await this.handle?.close().catch(() => undefined);
        this.handle = undefined;
      }
      for (const l of batch) this.queuedBytes -= Buffer.byteLength(l) + 1;
    }
    this.running = false;
  }

  /** Writes the lines, rotating between lines whenever the next one would pass fileBytesMax. */
  private async writeLines(lines: string[]): Promise<void> {
    let chunk: string[] = [];
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line) + 1;
      const handle = await this.file();
      if (this.fileBytes + chunkBytes > 0 && this.fileBytes + chunkBytes + bytes > this.settings.fileBytesMax) {
        await this.flush(handle, chunk, chunkBytes);
        chunk = [];
        chunkBytes = 0;
        await this.rotate();
      }
      chunk.push(line);
      chunkBytes += bytes;
    }
    if (chunk.length > 0) await this.flush(await this.file(), chunk, chunkBytes);
  }

  private async flush(handle: FileHandle, lines: string[], bytes: number): Promise<void> {
    if (lines.length === 0) return;
    await handle.write(`${lines.join("\n")}\n`);
    this.fileBytes += bytes;
  }

  private async file(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    const handle = await open(this.settings.file, "a", 0o600);
    this.fileBytes = (await stat(this.settings.file)).size;
    this.handle = handle;
    return handle;
  }

  /** file.N is deleted, file.i becomes file.(i+1), file becomes file.1 (with filesKept 0, file is deleted). */
  private async rotate(): Promise<void> {
    const { file, filesKept } = this.settings;
    await this.handle?.close();
    this.handle = undefined;
    const ignoreMissing = (e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
    };
    if (filesKept === 0) return rm(file, { force: true });
    await rm(`${file}.${filesKept}`, { force: true });
    for (let i = filesKept - 1; i >= 1; i--) await rename(`${file}.${i}`, `${file}.${i + 1}`).catch(ignoreMissing);
    await rename(file, `${file}.1`).catch(ignoreMissing);
  }
}
