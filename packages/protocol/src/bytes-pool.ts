// Small byte arrays cut from a shared 64 KiB pool, as Node's Buffer.allocUnsafe does, but
// with no node: import (the protocol runs in the web console too). A `new Uint8Array(n)`
// of more than 64 bytes gets a backing store of its own outside the JavaScript heap: a
// malloc, an entry the collector sweeps and a free, about 0.6 µs where a view of the pool
// costs 0.1 µs. The hot paths that make a few small arrays per request (a reply's frame, a
// log record) take them here. A view keeps its whole pool alive: use it for bytes that die
// young or live as long as their neighbours, never for one small array kept for long among
// short-lived ones.

/** Bytes of one pool. */
export const BYTES_POOL_BYTES = 64 * 1024;
/** Arrays up to this many bytes come from the pool; longer ones get their own backing store. */
export const POOLED_BYTES_MAX = 4 * 1024;

/** Cuts small arrays from 64 KiB pools, in order; a pool is dropped when its last view dies. */
export class BytesPool {
  private pool = new Uint8Array(BYTES_POOL_BYTES);
  private offset = 0;

  /** `n` zeroed bytes: a view of the current pool, or an array of their own when `n` is large. */
  take(n: number): Uint8Array {
    if (n > POOLED_BYTES_MAX) return new Uint8Array(n);
    if (this.offset + n > BYTES_POOL_BYTES) {
      this.pool = new Uint8Array(BYTES_POOL_BYTES);
      this.offset = 0;
    }
    // A view made by the constructor: subarray() is several times slower (species lookup).
    const out = new Uint8Array(this.pool.buffer, this.offset, n);
    // Views stay 8-byte aligned, so that a reader may lay wider typed views over them.
    this.offset = (this.offset + n + 7) & ~7;
    return out;
  }
}

const shared = new BytesPool();

/**
 * `n` zeroed bytes from the pool shared by short-lived arrays (reply frames, read copies).
 * Arrays that outlive their neighbours take a BytesPool of their own, whose neighbours are
 * their peers (log records, freed in the order they were made).
 */
export function pooledBytes(n: number): Uint8Array {
  return shared.take(n);
}
