import { open, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { formatZxid } from "@warden/protocol";
import { StorageError, StorageErrorReason } from "./errors.js";
import { encodeFrameHeader, encodeHeader, encodeTrailer, FRAME_HEADER_BYTES } from "./snapshot-format.js";
import { publishFile, snapshotFileName, temporaryFileName } from "./snapshot-files.js";

/**
 * A snapshot's data, in chunks. The writer is done with each chunk (copied or written) before it
 * pulls the next, so a producer may hand out views of one buffer it writes over at each pull.
 */
export type SnapshotChunks = Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface SnapshotWriteLimits {
  chunkBytesMax: number;
  ioBytes: number;
  /** Bytes written between fdatasyncs (see StorageOptions.snapshotSyncBytes). */
  syncBytes: number;
}

export interface WrittenSnapshot {
  zxid: bigint;
  file: string;
  /** Chunks stored (empty chunks are dropped). */
  chunkCount: number;
  /** Bytes of chunk data, without framing. */
  dataBytes: number;
}

/**
 * Streams `chunks` into a temporary file (frames gathered in one bounded buffer, synced every
 * `syncBytes` on the way so the last sync is short), fsyncs it,
 * renames it into place and fsyncs the directory: a snapshot is either complete or invisible.
 * `shouldAbort` is polled between chunks (close, or a truncate below this zxid).
 */
export async function writeSnapshotFile(
  snapshotDir: string,
  zxid: bigint,
  chunks: SnapshotChunks,
  limits: SnapshotWriteLimits,
  shouldAbort: () => string | undefined,
): Promise<WrittenSnapshot> {
  const temporaryPath = join(snapshotDir, temporaryFileName(zxid));
  const finalPath = join(snapshotDir, snapshotFileName(zxid));
  const handle = await open(temporaryPath, "wx");
  let published = false;
  try {
    const out = new FrameWriter(handle, limits.ioBytes, limits.syncBytes);
    const header = encodeHeader(zxid);
    await out.write(header);
    const counts = await writeFrames(out, chunks, limits.chunkBytesMax, zxid, shouldAbort);
    await out.write(encodeTrailer(new DataView(header.buffer).getUint32(16), counts.chunkCount, counts.dataBytes));
    await out.flush();
    await handle.sync();
    await handle.close();
    const reason = shouldAbort();
    if (reason !== undefined) throw aborted(zxid, reason);
    await publishFile(temporaryPath, finalPath, snapshotDir);
    published = true;
    return { zxid, file: finalPath, ...counts };
  } finally {
    if (!published) {
      await handle.close().catch(() => undefined);
      await unlink(temporaryPath).catch(() => undefined);
    }
  }
}

async function writeFrames(
  out: FrameWriter,
  chunks: SnapshotChunks,
  chunkBytesMax: number,
  zxid: bigint,
  shouldAbort: () => string | undefined,
) {
  let chunkCount = 0;
  let dataBytes = 0;
  for await (const chunk of chunks) {
    const reason = shouldAbort();
    if (reason !== undefined) throw aborted(zxid, reason);
    if (!(chunk instanceof Uint8Array))
      throw new StorageError(StorageErrorReason.INVALID_ARGUMENT, "a snapshot chunk must be a Uint8Array");
    if (chunk.length === 0) continue;
    if (chunk.length > chunkBytesMax) {
      throw new StorageError(
        StorageErrorReason.INVALID_ARGUMENT,
        `snapshot chunk of ${chunk.length} bytes exceeds snapshotChunkBytesMax ${chunkBytesMax}`,
      );
    }
    await out.writeFrame(chunk);
    chunkCount++;
    dataBytes += chunk.length;
  }
  return { chunkCount, dataBytes };
}

function aborted(zxid: bigint, reason: string): StorageError {
  return new StorageError(StorageErrorReason.SNAPSHOT_ABORTED, `snapshot ${formatZxid(zxid)} abandoned: ${reason}`, { zxid });
}

/**
 * Gathers small frames in one buffer of `ioBytes`; larger chunks go straight to the file. Every
 * `syncBytes` written, waits for an fdatasync: the file's dirty pages go to the disk a piece at
 * a time, each sync short, instead of all at the final sync, where every fsync of the log
 * (another file, the same disk) would wait behind them.
 */
class FrameWriter {
  private readonly buffer: Uint8Array;
  private used = 0;
  private unsynced = 0;

  constructor(
    private readonly handle: FileHandle,
    ioBytes: number,
    private readonly syncBytes: number,
  ) {
    this.buffer = new Uint8Array(Math.max(ioBytes, FRAME_HEADER_BYTES * 4));
  }

  async writeFrame(chunk: Uint8Array): Promise<void> {
    if (this.used + FRAME_HEADER_BYTES > this.buffer.length) await this.flush();
    encodeFrameHeader(chunk, this.buffer, this.used);
    this.used += FRAME_HEADER_BYTES;
    if (this.used + chunk.length <= this.buffer.length) {
      this.buffer.set(chunk, this.used);
      this.used += chunk.length;
      return;
    }
    await this.flush();
    if (chunk.length <= this.buffer.length / 2) {
      this.buffer.set(chunk, 0);
      this.used = chunk.length;
    } else {
      await this.writeOut(chunk);
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.used + bytes.length > this.buffer.length) await this.flush();
    if (bytes.length > this.buffer.length) return this.writeOut(bytes);
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.writeOut(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private async writeOut(bytes: Uint8Array): Promise<void> {
    await writeAll(this.handle, bytes);
    this.unsynced += bytes.length;
    if (this.unsynced < this.syncBytes) return;
    this.unsynced = 0;
    await this.handle.datasync();
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    if (bytesWritten <= 0) throw new Error(`assertion failed: write(2) wrote ${bytesWritten} bytes`);
    offset += bytesWritten;
  }
}
