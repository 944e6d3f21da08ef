/** zxid = epoch << 32 | counter. bigint at the edges; numbers inside when they fit. */
export type Zxid = bigint;

export const ZXID_ZERO: Zxid = 0n;

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
  return "0x" + zxid.toString(16);
}
