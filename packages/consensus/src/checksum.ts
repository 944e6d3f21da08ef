/**
 * FNV-1a, 32 bits, continued chunk by chunk (the default Checksum): the state is kept XORed
 * with the offset basis so that 0 is the checksum of nothing, as CRC-32's is. It guards the
 * assembly of a snapshot from chunks (a missing, repeated or foreign chunk), not against an
 * adversary; the server passes CRC-32 (native, faster) instead.
 */
const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv1a32(data: Uint8Array, previous: number): number {
  let h = (previous ^ FNV_OFFSET_BASIS) >>> 0;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, FNV_PRIME) >>> 0;
  return (h ^ FNV_OFFSET_BASIS) >>> 0;
}
