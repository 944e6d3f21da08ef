import { open, type FileHandle } from "node:fs/promises";
import { crc32 } from "./checksum.js";
import { isStorageError } from "./errors.js";
import { decodeHeader, FRAME_HEADER_BYTES, SNAPSHOT_HEADER_BYTES, snapshotCorrupt, TRAILER_BODY_BYTES } from "./snapshot-format.js";

export interface SnapshotReader {
  readonly zxid: bigint;
  readonly file: string;
  /**
   * The chunks as written, each checked against its checksum before it is yielded; the
   * trailer (chunk count, byte count) is checked after the last. Any damage throws
   * SNAPSHOT_CORRUPT naming the file and zxid, possibly after earlier chunks were yielded:
   * a consumer must read to the end before trusting what it built. Each iteration rereads.
   */
  readonly chunks: AsyncIterable<Uint8Array>;
}

export interface SnapshotReadLimits {
  chunkBytesMax: number;
  ioBytes: number;
}

/** Opens a snapshot file, checking its header now and everything else while streaming. */
export async function openSnapshotFile(file: string, zxid: bigint, limits: SnapshotReadLimits): Promise<SnapshotReader> {
  const handle = await openOrCorrupt(file, zxid);
  try {
    const reader = new ChunkedFileReader(handle, limits.ioBytes);
    decodeHeader(await reader.take(SNAPSHOT_HEADER_BYTES, file, zxid), zxid, file);
  } finally {
    await handle.close();
  }
  return { zxid, file, chunks: { [Symbol.asyncIterator]: () => readChunks(file, zxid, limits) } };
}

async function* readChunks(file: string, zxid: bigint, limits: SnapshotReadLimits): AsyncGenerator<Uint8Array> {
  const handle = await openOrCorrupt(file, zxid);
  try {
    const reader = new ChunkedFileReader(handle, limits.ioBytes);
    const headerCrc = decodeHeader(await reader.take(SNAPSHOT_HEADER_BYTES, file, zxid), zxid, file);
    let chunkCount = 0;
    let dataBytes = 0;
    for (;;) {
      const frame = await reader.take(FRAME_HEADER_BYTES, file, zxid);
      const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES);
      const length = view.getUint32(0);
      const crc = view.getUint32(4);
      if (length === 0) {
        const body = await reader.take(TRAILER_BODY_BYTES, file, zxid);
        checkTrailer(body, crc, headerCrc, chunkCount, dataBytes, file, zxid);
        if (!(await reader.atEnd())) throw snapshotCorrupt(file, zxid, "has bytes after its trailer");
        return;
      }
      if (length > limits.chunkBytesMax)
        throw snapshotCorrupt(file, zxid, `has a chunk length ${length} above snapshotChunkBytesMax (chunk ${chunkCount})`);
      const chunk = await reader.take(length, file, zxid);
      if (crc32(chunk) !== crc) throw snapshotCorrupt(file, zxid, `chunk ${chunkCount} fails its checksum`);
      chunkCount++;
      dataBytes += length;
      yield chunk;
    }
  } finally {
    await handle.close();
  }
}

function checkTrailer(
  body: Uint8Array,
  crc: number,
  headerCrc: number,
  chunkCount: number,
  dataBytes: number,
  file: string,
  zxid: bigint,
): void {
  if (crc32(body, headerCrc) !== crc) throw snapshotCorrupt(file, zxid, "trailer fails its checksum");
  const view = new DataView(body.buffer, body.byteOffset, TRAILER_BODY_BYTES);
  if (view.getBigUint64(0) !== BigInt(chunkCount) || view.getBigUint64(8) !== BigInt(dataBytes)) {
    throw snapshotCorrupt(
      file,
      zxid,
      `trailer counts ${view.getBigUint64(0)} chunks / ${view.getBigUint64(8)} bytes, read ${chunkCount} / ${dataBytes}`,
    );
  }
}

async function openOrCorrupt(file: string, zxid: bigint): Promise<FileHandle> {
  try {
    return await open(file, "r");
  } catch (error) {
    throw snapshotCorrupt(file, zxid, `cannot be opened: ${(error as Error).message}`, error);
  }
}

/**
 * Hands out views of exactly n bytes. Each read fills a fresh buffer, never reused, so views
 * given out stay valid; only bytes spanning two reads are copied, once.
 */
class ChunkedFileReader {
  private buffer = new Uint8Array(0);
  private offset = 0;
  private filePosition = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly ioBytes: number,
  ) {}

  async take(n: number, file: string, zxid: bigint): Promise<Uint8Array> {
    const available = this.buffer.length - this.offset;
    if (available >= n) {
      this.offset += n;
      return this.buffer.subarray(this.offset - n, this.offset);
    }
    const next = new Uint8Array(Math.max(n, this.ioBytes));
    next.set(this.buffer.subarray(this.offset), 0);
    let filled = available;
    while (filled < n) {
      const bytesRead = await this.read(next, filled, file, zxid);
      if (bytesRead === 0) throw snapshotCorrupt(file, zxid, `is truncated at byte ${this.filePosition}`);
      filled += bytesRead;
    }
    this.buffer = next.subarray(0, filled);
    this.offset = n;
    return next.subarray(0, n);
  }

  async atEnd(): Promise<boolean> {
    if (this.offset < this.buffer.length) return false;
    return (await this.read(new Uint8Array(1), 0, "", 0n)) === 0;
  }

  private async read(target: Uint8Array, at: number, file: string, zxid: bigint): Promise<number> {
    try {
      const { bytesRead } = await this.handle.read(target, at, target.length - at, this.filePosition);
      this.filePosition += bytesRead;
      return bytesRead;
    } catch (error) {
      if (isStorageError(error)) throw error;
      throw snapshotCorrupt(file, zxid, `cannot be read: ${(error as Error).message}`, error);
    }
  }
}
