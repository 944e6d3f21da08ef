import { formatZxid } from "@warden/protocol";
import { crc32 } from "./checksum.js";
import { StorageError, StorageErrorReason } from "./errors.js";

// A snapshot file, all integers big-endian:
//   header  (24 bytes): magic "WSNP" | version u32 | zxid u64 | crc32(previous 16 bytes) u32 | 0 u32
//   frames:             length u32 (1..chunkBytesMax) | crc32(chunk) u32 | chunk
//   trailer (24 bytes): 0 u32 | crc32(body, continuing from the header crc) u32 | body
//   body    (16 bytes): chunk count u64 | data bytes u64
// then end of file. Each chunk is one chunk the producer yielded, returned as such on load.

export const SNAPSHOT_MAGIC = 0x57534e50; // "WSNP"
export const SNAPSHOT_FORMAT_VERSION = 1;
/** Bytes of a snapshot file's header. */
export const SNAPSHOT_HEADER_BYTES = 24;
/** Bytes of each frame's header in a snapshot file. */
export const FRAME_HEADER_BYTES = 8;
/** Bytes of the trailer's body that ends a snapshot file. */
export const TRAILER_BODY_BYTES = 16;

export function encodeHeader(zxid: bigint): Uint8Array {
  const header = new Uint8Array(SNAPSHOT_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, SNAPSHOT_MAGIC);
  view.setUint32(4, SNAPSHOT_FORMAT_VERSION);
  view.setBigUint64(8, zxid);
  view.setUint32(16, crc32(header.subarray(0, 16)));
  return header;
}

/** Verifies a header; returns its crc (the trailer's crc continues from it). */
export function decodeHeader(header: Uint8Array, zxid: bigint, file: string): number {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length < SNAPSHOT_HEADER_BYTES || view.getUint32(0) !== SNAPSHOT_MAGIC)
    throw snapshotCorrupt(file, zxid, "has no snapshot header");
  const crc = view.getUint32(16);
  if (crc !== crc32(header.subarray(0, 16)) || view.getUint32(20) !== 0) throw snapshotCorrupt(file, zxid, "header fails its checksum");
  const version = view.getUint32(4);
  if (version > SNAPSHOT_FORMAT_VERSION) {
    throw new StorageError(
      StorageErrorReason.FORMAT_NEWER,
      `snapshot ${file} has format version ${version}; this build reads up to ${SNAPSHOT_FORMAT_VERSION}`,
      { file, zxid },
    );
  }
  if (view.getBigUint64(8) !== zxid) throw snapshotCorrupt(file, zxid, `header names zxid ${formatZxid(view.getBigUint64(8))}`);
  return crc;
}

export function encodeFrameHeader(chunk: Uint8Array, target: Uint8Array, offset: number): void {
  const view = new DataView(target.buffer, target.byteOffset + offset, FRAME_HEADER_BYTES);
  view.setUint32(0, chunk.length);
  view.setUint32(4, crc32(chunk));
}

export function encodeTrailer(headerCrc: number, chunkCount: number, dataBytes: number): Uint8Array {
  const trailer = new Uint8Array(FRAME_HEADER_BYTES + TRAILER_BODY_BYTES);
  const view = new DataView(trailer.buffer);
  view.setBigUint64(8, BigInt(chunkCount));
  view.setBigUint64(16, BigInt(dataBytes));
  view.setUint32(4, crc32(trailer.subarray(8), headerCrc));
  return trailer;
}

export function snapshotCorrupt(file: string, zxid: bigint, what: string, cause?: unknown): StorageError {
  return new StorageError(StorageErrorReason.SNAPSHOT_CORRUPT, `snapshot ${formatZxid(zxid)} (${file}) ${what}`, { file, zxid, cause });
}
