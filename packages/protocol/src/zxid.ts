/** zxid = epoch << 32 | counter. bigint at the edges; numbers inside when they fit. */
export type Zxid = bigint;

export const ZXID_ZERO: Zxid = 0n;

/**
 * The highest epoch an ensemble may reach: zxids stay at most 2^53 - 1, so that the tree and
 * its Stat fields keep them as numbers. 2^21 - 1 epochs are about two million elections
 * (ZooKeeper's epochs are 32 bits, which no ensemble reaches either); a peer's message that
 * names a higher epoch or zxid is invalid.
 */
export const EPOCH_MAX = 2 ** 21 - 1;
/** The highest zxid: counter 2^32 - 1 of EPOCH_MAX, which is Number.MAX_SAFE_INTEGER. */
export const ZXID_MAX: Zxid = (BigInt(EPOCH_MAX) << 32n) | 0xffffffffn;

export function makeZxid(epoch: number, counter: number): Zxid {
  return (BigInt(epoch) << 32n) | BigInt(counter >>> 0);
}
export function zxidEpoch(zxid: Zxid): number {
  return Number(zxid >> 32n);
}
export function zxidCounter(zxid: Zxid): number {
  return Number(zxid & 0xffffffffn);
}
export function formatZxid(zxid: Zxid): string {
  return `0x${zxid.toString(16)}`;
}
