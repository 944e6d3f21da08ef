import { PATH_CHARS_MAX } from "../path.js";

/** Every size and count the native codec accepts; one instance's bounds, fixed at construction. */
export interface NativeCodecLimits {
  /** Whole frame, checked before any parsing. */
  frameBytesMax: number;
  /** Node data in create, setData, getData, multi (ZooKeeper's jute.maxbuffer, 1 MiB). */
  dataBytesMax: number;
  /** Ops in one multi or multiRead, and results in their replies. */
  multiOpsMax: number;
  /** Children, ephemerals, and each of setWatches' five path lists. */
  listItemsMax: number;
  /** Entries in an ACL list and identities in a whoAmI reply. */
  aclEntriesMax: number;
  /** Non-path strings: ACL scheme and id, auth scheme, child names, close messages. */
  stringCharsMax: number;
  /** Session password and addAuth credentials. */
  credentialBytesMax: number;
}

/** ZooKeeper's default jute.maxbuffer (0xfffff bytes), the servers' default bound on node data. */
export const DATA_BYTES_MAX_DEFAULT = 0xfffff;

export const DEFAULT_NATIVE_LIMITS: Readonly<NativeCodecLimits> = Object.freeze({
  frameBytesMax: DATA_BYTES_MAX_DEFAULT + 64 * 1024,
  dataBytesMax: DATA_BYTES_MAX_DEFAULT,
  multiOpsMax: 10_000,
  listItemsMax: 1_000_000,
  aclEntriesMax: 1024,
  stringCharsMax: PATH_CHARS_MAX,
  credentialBytesMax: 4096,
});

/** The defaults with `overrides` applied; every bound must be a positive safe integer. */
export function resolveNativeLimits(overrides: Partial<NativeCodecLimits> = {}): Readonly<NativeCodecLimits> {
  const limits = { ...DEFAULT_NATIVE_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`native codec limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return Object.freeze(limits);
}
