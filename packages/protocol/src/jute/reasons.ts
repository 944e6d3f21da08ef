import { DecodeError } from "../errors.js";

/**
 * Stable reason codes of a jute frame that cannot be decoded (DecodeError.reason).
 * Any of them closes the connection; the message says which field and why.
 */
export const JuteDecodeReason = {
  /** A frame length above frameBytesMax; nothing of the frame was buffered. */
  FRAME_TOO_LARGE: "WARDEN_ERR_FRAME_TOO_LARGE",
  /** A negative frame length (ZooKeeper: "Len error"). */
  FRAME_NEGATIVE_LENGTH: "WARDEN_ERR_FRAME_NEGATIVE_LENGTH",
  /** A field runs past the end of the frame. */
  TRUNCATED: "WARDEN_ERR_JUTE_TRUNCATED",
  /** A string or buffer length below -1 or beyond the frame's remaining bytes. */
  BAD_LENGTH: "WARDEN_ERR_JUTE_BAD_LENGTH",
  /** A vector count below -1 or larger than the remaining bytes can hold. */
  BAD_COUNT: "WARDEN_ERR_JUTE_BAD_COUNT",
  /** A null (-1) string where the record needs one (a path, a scheme). */
  NULL_STRING: "WARDEN_ERR_JUTE_NULL_STRING",
  /** A multi with an op type it cannot carry, or mixing reads and writes. */
  BAD_MULTI: "WARDEN_ERR_JUTE_BAD_MULTI",
  /** A reply whose xid matches no outstanding request (client side). */
  UNKNOWN_XID: "WARDEN_ERR_JUTE_UNKNOWN_XID",
  /** The splitter already failed; the connection must be closed. */
  STREAM_FAILED: "WARDEN_ERR_JUTE_STREAM_FAILED",
} as const;
export type JuteDecodeReason = (typeof JuteDecodeReason)[keyof typeof JuteDecodeReason];

export function juteError(reason: JuteDecodeReason, message: string): DecodeError {
  return new DecodeError(reason, `jute: ${message}`);
}
