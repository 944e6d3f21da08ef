// The bytes a read's reply may take, counted while the reply is built, so that a reply larger
// than the client's frame limit is refused before it exists (a multiRead can name a 1 MiB
// node thousands of times; a node can have a million children). The count is a lower bound
// of the encoded size in either wire protocol (a UTF-16 unit is at least one UTF-8 byte, and
// each item costs at least one byte of framing); the encoder checks the exact size after.
import { EncodeError, NativeDecodeReason } from "@warden/protocol";

export class ReplyBudget {
  private left: number;
  constructor(private readonly bytesMax: number) {
    this.left = bytesMax;
  }

  /** Counts `bytes`; throws EncodeError (nothing built) once the reply would pass the bound. */
  take(bytes: number, what: string): void {
    this.left -= bytes;
    if (this.left < 0)
      throw new EncodeError(NativeDecodeReason.FRAME_TOO_LARGE, `the reply to ${what} would exceed ${this.bytesMax} bytes`);
  }
}

/** No bound: for callers that are not answering a client. */
export const UNBOUNDED = new ReplyBudget(Number.POSITIVE_INFINITY);
