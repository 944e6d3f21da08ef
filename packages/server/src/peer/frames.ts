// Length-prefixed frames between peers: a 4-byte big-endian length, then the payload.
// The length is checked against frameBytesMax the moment it is read, before any payload
// is buffered; a frame inside one chunk is handed on as a view, a frame that spans
// chunks is copied once.

import { WardenError } from "@warden/protocol";

export class PeerFrameError extends WardenError {
  constructor(code: "WARDEN_ERR_PEER_FRAME_TOO_LARGE", message: string) {
    super({ code, message });
  }
}

export class FrameSplitter {
  private partial: Uint8Array | undefined;
  private partialFilled = 0;
  private header = new Uint8Array(4);
  private headerFilled = 0;

  constructor(private readonly frameBytesMax: number) {}

  /** Feeds a chunk; returns the complete frames it finishes (views into `chunk` where possible). */
  feed(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let off = 0;
    while (off < chunk.length) {
      if (this.partial) {
        const n = Math.min(chunk.length - off, this.partial.length - this.partialFilled);
        this.partial.set(chunk.subarray(off, off + n), this.partialFilled);
        this.partialFilled += n;
        off += n;
        if (this.partialFilled === this.partial.length) {
          frames.push(this.partial);
          this.partial = undefined;
        }
        continue;
      }
      if (this.headerFilled < 4) {
        const n = Math.min(4 - this.headerFilled, chunk.length - off);
        this.header.set(chunk.subarray(off, off + n), this.headerFilled);
        this.headerFilled += n;
        off += n;
        if (this.headerFilled < 4) break;
      }
      const length = new DataView(this.header.buffer).getUint32(0);
      if (length > this.frameBytesMax) {
        throw new PeerFrameError("WARDEN_ERR_PEER_FRAME_TOO_LARGE", `peer frame of ${length} bytes exceeds ${this.frameBytesMax}`);
      }
      this.headerFilled = 0;
      if (chunk.length - off >= length) {
        frames.push(chunk.subarray(off, off + length));
        off += length;
      } else {
        this.partial = new Uint8Array(length);
        this.partialFilled = 0;
      }
    }
    return frames;
  }
}

/** The 4-byte header of a frame of `length` bytes (write it, then the payload, corked). */
export function frameHeader(length: number): Uint8Array {
  const h = new Uint8Array(4);
  new DataView(h.buffer).setUint32(0, length);
  return h;
}
