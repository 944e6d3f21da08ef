// Znode data kept in a few large buffers instead of one heap string per znode: a znode's
// data is a 2-byte length and its bytes, appended to the current 1 MiB slab, and the node
// holds a small-integer handle (slab index * SLAB_BYTES + offset: no allocation, and V8
// stores it unboxed). Why: 1M strings of 100 bytes cost 120 MB of heap that the garbage
// collector copies out of the young generation once and marks on every full collection,
// and the heap's growth factor doubles them in RSS; slabs cost 102 bytes a znode, outside
// the heap. A freed item leaves a hole; a slab whose items are all freed is dropped, and
// when holes pass the live bytes (and 8 MiB) the owner compacts (NodeStore.compactData),
// so garbage stays below the live data. Larger data (above ITEM_BYTES_MAX) stays a string.

import { copyInto } from "./bytes.js";

/** Bytes of one data slab. */
export const SLAB_BYTES = 1 << 20;
/** Data up to this many bytes goes into a slab. */
export const ITEM_BYTES_MAX = 16 * 1024;
const PREFIX = 2;
/** Handles stay below 2^30, a small integer in every V8 configuration: at most 1 GiB of slabs. */
const SLABS_MAX = (1 << 30) / SLAB_BYTES;
/** Hole bytes below which a slab store never asks for compaction. */
const GARBAGE_MIN = 8 * SLAB_BYTES;

export class DataSlab {
  private readonly slabs: (Uint8Array | undefined)[] = [];
  /** Live bytes (items and their prefixes) per slab. */
  private readonly live: number[] = [];
  private readonly freeSlabs: number[] = [];
  private current = -1;
  private offset = SLAB_BYTES;
  private liveBytes = 0;
  private slabCount = 0;

  /** Bytes held in slabs (allocated), and of those the live ones. */
  get allocatedBytes(): number {
    return this.slabCount * SLAB_BYTES;
  }
  get usedBytes(): number {
    return this.liveBytes;
  }

  /** Whether holes now exceed the live bytes (and GARBAGE_MIN): the owner should compact. */
  get wantsCompaction(): boolean {
    const garbage = this.slabCount * SLAB_BYTES - this.liveBytes;
    return garbage > GARBAGE_MIN && garbage > this.liveBytes;
  }

  /** Copies `n` bytes of `src` from `start` in; returns the handle, or -1 when the slabs are full (keep it elsewhere). */
  add(src: Uint8Array, start: number, n: number): number {
    if (n > ITEM_BYTES_MAX) return -1;
    const need = n + PREFIX;
    if (this.offset + need > SLAB_BYTES && !this.nextSlab()) return -1;
    const slab = this.slabs[this.current]!;
    const at = this.offset;
    slab[at] = n >>> 8;
    slab[at + 1] = n & 0xff;
    copyInto(src, start, n, slab, at + PREFIX);
    this.offset = at + need;
    this.live[this.current]! += need;
    this.liveBytes += need;
    return this.current * SLAB_BYTES + at;
  }

  length(handle: number): number {
    const slab = this.slabs[(handle / SLAB_BYTES) | 0]!;
    const at = handle % SLAB_BYTES;
    return (slab[at]! << 8) | slab[at + 1]!;
  }

  /** The slab holding `handle` and the offset of its first data byte (read, never keep). */
  slabOf(handle: number): Uint8Array {
    return this.slabs[(handle / SLAB_BYTES) | 0]!;
  }
  static start(handle: number): number {
    return (handle % SLAB_BYTES) + PREFIX;
  }

  free(handle: number): void {
    const s = (handle / SLAB_BYTES) | 0;
    const need = this.length(handle) + PREFIX;
    const left = (this.live[s]! -= need);
    this.liveBytes -= need;
    if (left === 0 && s !== this.current) {
      this.slabs[s] = undefined;
      this.freeSlabs.push(s);
      this.slabCount--;
    }
  }

  private nextSlab(): boolean {
    if (this.current >= 0 && this.live[this.current] === 0) {
      this.offset = 0; // the current slab emptied: start it over
      return true;
    }
    const s = this.freeSlabs.length > 0 ? this.freeSlabs.pop()! : this.slabs.length;
    if (s >= SLABS_MAX) return false;
    this.slabs[s] = new Uint8Array(SLAB_BYTES);
    this.live[s] = 0;
    this.slabCount++;
    this.current = s;
    this.offset = 0;
    return true;
  }
}
