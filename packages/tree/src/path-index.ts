// path -> node id, as an open-addressing hash table in one Int32Array of (hash, id + 1)
// pairs, instead of a V8 Map. Why: a Map of 1M string keys costs 28-56 bytes per entry
// and a lookup walks a bucket array, a chain of entries and the stored key (three to
// four cache misses); here a lookup computes the hash in JS (the request's path is a
// fresh string: V8 would hash it too), probes one pair (the stored hash filters almost
// every mismatch) and compares the stored path once. Growing reuses the stored hashes.

/** The pairs are grown at this fill (live + deleted), so probe runs stay short. */
const FILL_MAX = 0.5;
/** Slots the path index starts with and never shrinks below. */
const CAPACITY_MIN = 1024;
const EMPTY = 0;
const DELETED = -1;

/** FNV-1a's state before any character. */
export const HASH_START = 0x811c9dc5 | 0;

/**
 * FNV-1a's state after `state` and then the UTF-16 code units of `s` from `from` to `to`: a
 * path's state goes on from its parent's (a load hashes each node's name only, see
 * snapshot-validate.ts).
 */
export function hashChars(state: number, s: string, from: number, to: number): number {
  let h = state;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** A path's hash from its FNV-1a state: murmur3's finalizer, so the low bits mix well. */
export function finishHash(state: number): number {
  let h = state;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** FNV-1a over the UTF-16 code units, then murmur3's finalizer. */
export function pathHash(path: string): number {
  return finishHash(hashChars(HASH_START, path, 0, path.length));
}

export class PathIndex {
  /** Pair k: slots[2k] the path's hash, slots[2k + 1] its id + 1 (EMPTY, or DELETED). */
  private slots = new Int32Array(2 * CAPACITY_MIN);
  private mask = CAPACITY_MIN - 1;
  private live = 0;
  private deleted = 0;

  /** `keys[id * stride]` is the path of node `id` (other slots may hold anything): the keys are not stored twice. */
  constructor(
    private readonly keys: readonly (string | number | null)[],
    private readonly stride: number,
  ) {}

  get size(): number {
    return this.live;
  }

  /** The id stored for `path`, or -1. */
  get(path: string): number {
    const slots = this.slots,
      mask = this.mask,
      h = pathHash(path);
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const stored = slots[2 * k + 1]!;
      if (stored === EMPTY) return -1;
      if (stored !== DELETED && slots[2 * k] === h && this.keys[(stored - 1) * this.stride] === path) return stored - 1;
    }
  }

  /**
   * Stores `id` for `path` (whose key must already be `path` or not yet be read) and returns
   * true; false, storing nothing, when `path` is present already. One probe does both.
   */
  add(path: string, id: number): boolean {
    if (this.live + this.deleted + 1 > FILL_MAX * (this.mask + 1)) this.rehash();
    return this.addHashed(path, pathHash(path), id);
  }

  /**
   * Adds ids `from` to `to` (exclusive), whose keys are set, in one pass (a snapshot load):
   * their hashes first (`hashes[i]` is id from + i's, when given: a load computes them while
   * the paths are fresh in the cache, where this pass would miss it once a path), then the ids
   * in the order of their home slots, so the inserts walk the table from end to end instead
   * of missing the cache once each (0.45 us a path at 1M). Returns the first id whose path is
   * present already (nothing after it is added), or -1.
   */
  addRange(from: number, to: number, hashes?: Int32Array): number {
    const n = to - from;
    if (n <= 0) return -1;
    this.reserve(this.live + n);
    if (hashes === undefined) {
      hashes = new Int32Array(n);
      for (let i = 0; i < n; i++) hashes[i] = pathHash(this.keys[(from + i) * this.stride] as string);
    }
    // A stable counting sort by the home slot's top bits (at most 2^16 buckets).
    const slotBits = 31 - Math.clz32(this.mask + 1);
    const shift = Math.max(0, slotBits - 16);
    const mask = this.mask;
    const starts = new Int32Array((1 << (slotBits - shift)) + 1);
    for (let i = 0; i < n; i++) starts[((hashes[i]! & mask) >>> shift) + 1]!++;
    for (let b = 1; b < starts.length; b++) starts[b]! += starts[b - 1]!;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[starts[(hashes[i]! & mask) >>> shift]!++] = i;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      if (!this.addHashed(this.keys[(from + i) * this.stride] as string, hashes[i]!, from + i)) return from + i;
    }
    return -1;
  }

  /** add, with the path's hash given and room made. */
  private addHashed(path: string, h: number, id: number): boolean {
    const slots = this.slots,
      mask = this.mask;
    let free = -1;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const stored = slots[2 * k + 1]!;
      if (stored === EMPTY) {
        if (free < 0) free = k;
        break;
      }
      if (stored === DELETED) {
        if (free < 0) free = k;
      } else if (slots[2 * k] === h && this.keys[(stored - 1) * this.stride] === path) return false;
    }
    if (slots[2 * free + 1] === DELETED) this.deleted--;
    slots[2 * free] = h;
    slots[2 * free + 1] = id + 1;
    this.live++;
    return true;
  }

  /** Room for `count` paths without a rehash. */
  reserve(count: number): void {
    if (count + this.deleted + 1 > FILL_MAX * (this.mask + 1)) this.rehash(count);
  }

  /** Removes `path` (present, with id `id`). */
  delete(path: string, id: number): void {
    const slots = this.slots,
      mask = this.mask,
      h = pathHash(path);
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const stored = slots[2 * k + 1]!;
      if (stored === EMPTY) throw new Error(`PathIndex: delete of absent ${path}`);
      if (stored === id + 1) {
        slots[2 * k + 1] = DELETED;
        this.live--;
        this.deleted++;
        return;
      }
    }
  }

  private place(h: number, id: number): void {
    const slots = this.slots,
      mask = this.mask;
    let k = h & mask;
    while (slots[2 * k + 1]! > 0) k = (k + 1) & mask;
    if (slots[2 * k + 1] === DELETED) this.deleted--;
    slots[2 * k] = h;
    slots[2 * k + 1] = id + 1;
  }

  /**
   * Rebuilds without the DELETED marks, at the smallest capacity at most 3/8 full: without
   * deletes that doubles it; after many deletes it may shrink.
   */
  private rehash(count = this.live): void {
    const old = this.slots;
    let capacity = CAPACITY_MIN;
    while (count + 1 > capacity * 0.375) capacity *= 2;
    this.slots = new Int32Array(2 * capacity);
    this.mask = capacity - 1;
    this.deleted = 0;
    for (let k = 0; k < old.length; k += 2) if (old[k + 1]! > 0) this.place(old[k]!, old[k + 1]! - 1);
  }
}
