import { DecodeError } from "../errors.js";

/**
 * Stable reason codes of a native frame that cannot be decoded (DecodeError.reason).
 * Programs match on these; the message says which field and why, for people.
 */
export const NativeDecodeReason = {
  /** The frame is longer than the codec's frameBytesMax; nothing of it was parsed. */
  FRAME_TOO_LARGE: "WARDEN_ERR_FRAME_TOO_LARGE",
  /** A CBOR length or count runs past the end of the frame (or the frame is empty). */
  CBOR_TRUNCATED: "WARDEN_ERR_CBOR_TRUNCATED",
  /** Not well-formed CBOR as this protocol writes it (reserved bits, indefinite lengths, non-text map keys). */
  CBOR_MALFORMED: "WARDEN_ERR_CBOR_MALFORMED",
  /** Well-formed CBOR that this protocol never uses (tags, simple values). */
  CBOR_UNSUPPORTED: "WARDEN_ERR_CBOR_UNSUPPORTED",
  /** Containers nested deeper than any message of this protocol. */
  CBOR_TOO_DEEP: "WARDEN_ERR_CBOR_TOO_DEEP",
  /** Bytes after the one CBOR item of the frame. */
  CBOR_TRAILING_BYTES: "WARDEN_ERR_CBOR_TRAILING_BYTES",
  /** The frame is not a map, or its kind is unknown for this direction. */
  FRAME_KIND: "WARDEN_ERR_FRAME_KIND",
  /** A request or response type (or a multi op type) that does not exist. */
  UNKNOWN_TYPE: "WARDEN_ERR_UNKNOWN_TYPE",
  /** A field is missing or has the wrong CBOR type. */
  FIELD_TYPE: "WARDEN_ERR_FIELD_TYPE",
  /** A number or enum field outside its range (int32, uint64, create mode, ...). */
  FIELD_RANGE: "WARDEN_ERR_FIELD_RANGE",
  /** A znode path that ZooKeeper's path rules reject. */
  BAD_PATH: "WARDEN_ERR_BAD_PATH",
  /** Node data (or credentials) longer than the codec's bound. */
  DATA_TOO_LARGE: "WARDEN_ERR_DATA_TOO_LARGE",
  /** A string field longer than the codec's bound. */
  STRING_TOO_LONG: "WARDEN_ERR_STRING_TOO_LONG",
  /** An array (multi ops, children, ACL, watch list) longer than the codec's bound. */
  TOO_MANY_ITEMS: "WARDEN_ERR_TOO_MANY_ITEMS",
} as const;
export type NativeDecodeReason = (typeof NativeDecodeReason)[keyof typeof NativeDecodeReason];

export function decodeFailure(reason: NativeDecodeReason, message: string): DecodeError {
  return new DecodeError(reason, message);
}
