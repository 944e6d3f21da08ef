import { join } from "node:path";
import { formatZxid } from "@warden/protocol";
import { isStorageError, StorageError, StorageErrorReason } from "./errors.js";
import { deleteSnapshotFiles, listSnapshotZxids, snapshotFileName } from "./snapshot-files.js";
import { openSnapshotFile, type SnapshotReader } from "./snapshot-reader.js";
import { writeSnapshotFile, type SnapshotChunks, type WrittenSnapshot } from "./snapshot-writer.js";

export interface LoadedSnapshot<T> {
  /** The snapshot that loaded, or undefined: start from the empty state and replay the whole log. */
  snapshot: { zxid: bigint; file: string; value: T } | undefined;
  /** Newer snapshots that failed verification while loading, newest first (log them). */
  skipped: StorageError[];
}

interface InProgress {
  readonly zxid: bigint;
  abortReason: string | undefined;
  done: Promise<unknown>;
}

/** The snapshot files of one directory: at most one write at a time, any number of readers. */
export class SnapshotStore {
  private inProgress: InProgress | undefined;

  constructor(
    readonly snapshotDir: string,
    private readonly limits: { chunkBytesMax: number; ioBytes: number; syncBytes: number },
  ) {}

  list(): Promise<bigint[]> {
    return listSnapshotZxids(this.snapshotDir);
  }

  async write(zxid: bigint, chunks: SnapshotChunks): Promise<WrittenSnapshot> {
    if (this.inProgress) {
      throw new StorageError(StorageErrorReason.SNAPSHOT_ABORTED, `snapshot ${formatZxid(this.inProgress.zxid)} is still being written`, {
        zxid,
      });
    }
    const progress: InProgress = { zxid, abortReason: undefined, done: Promise.resolve() };
    const written = writeSnapshotFile(this.snapshotDir, zxid, chunks, this.limits, () => progress.abortReason);
    progress.done = written.catch(() => undefined);
    this.inProgress = progress;
    try {
      return await written;
    } finally {
      this.inProgress = undefined;
    }
  }

  /** Abandons a snapshot being written at a zxid above `zxid` (it would hold truncated state). */
  abortAbove(zxid: bigint, reason: string): void {
    if (this.inProgress && this.inProgress.zxid > zxid) this.inProgress.abortReason = reason;
  }

  async abortAndWait(reason: string): Promise<void> {
    const progress = this.inProgress;
    if (!progress) return;
    progress.abortReason = reason;
    await progress.done;
  }

  open(zxid: bigint): Promise<SnapshotReader> {
    return openSnapshotFile(join(this.snapshotDir, snapshotFileName(zxid)), zxid, this.limits);
  }

  delete(zxids: readonly bigint[]): Promise<void> {
    return deleteSnapshotFiles(this.snapshotDir, zxids);
  }

  /**
   * Hands the newest snapshot at or above `floorZxid` to `consume`; when `consume` fails with
   * SNAPSHOT_CORRUPT for that snapshot, tries the next older one. Snapshots below the floor
   * cannot be bases (the log after them is gone). With none usable: undefined if the floor is
   * 0 (the whole log is there), else NO_VALID_BASE.
   */
  async loadNewest<T>(floorZxid: bigint, consume: (snapshot: SnapshotReader) => Promise<T>): Promise<LoadedSnapshot<T>> {
    const skipped: StorageError[] = [];
    for (const zxid of (await this.list()).reverse()) {
      if (zxid < floorZxid) break;
      try {
        const reader = await this.open(zxid);
        return { snapshot: { zxid, file: reader.file, value: await consume(reader) }, skipped };
      } catch (error) {
        if (!isStorageError(error, StorageErrorReason.SNAPSHOT_CORRUPT) || error.zxid !== zxid) throw error;
        skipped.push(error);
      }
    }
    if (floorZxid === 0n) return { snapshot: undefined, skipped };
    const details = skipped.map((e) => e.message).join("; ") || "none at or above it";
    throw new StorageError(
      StorageErrorReason.NO_VALID_BASE,
      `no snapshot at or above the log floor ${formatZxid(floorZxid)} verifies (${details}); the log alone cannot rebuild the state`,
      { zxid: floorZxid, file: this.snapshotDir, cause: skipped },
    );
  }
}
