// SHA-1 in plain JavaScript, so the tree (and digest ACL ids) work in any JS runtime
// without node:crypto. Used for ZooKeeper's digest scheme and for tree digests, not for
// security-critical hashing of attacker-chosen collisions.

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** The tail padded with 0x80 and zeros to leave room for the 8-byte length. */
function padded(message: Uint8Array): Uint8Array {
  const total = (((message.length + 8) >> 6) + 1) << 6;
  const out = new Uint8Array(total);
  out.set(message);
  out[message.length] = 0x80;
  return out;
}

/** Incremental SHA-1 over whole chunks; `digest()` returns the 20-byte hash. */
export class Sha1 {
  private h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  private readonly w = new Int32Array(80);
  private tail = new Uint8Array(0);
  private length = 0;

  update(bytes: Uint8Array): this {
    this.length += bytes.length;
    let data = bytes;
    if (this.tail.length > 0) {
      data = new Uint8Array(this.tail.length + bytes.length);
      data.set(this.tail);
      data.set(bytes, this.tail.length);
    }
    const whole = data.length - (data.length % 64);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let off = 0; off < whole; off += 64) this.block(view, off);
    this.tail = data.slice(whole);
    return this;
  }

  digest(): Uint8Array {
    const last = padded(this.tail);
    const view = new DataView(last.buffer);
    const bitLength = this.length * 8;
    view.setUint32(last.length - 8, Math.floor(bitLength / 0x100000000));
    view.setUint32(last.length - 4, bitLength >>> 0);
    for (let off = 0; off < last.length; off += 64) this.block(view, off);
    const out = new Uint8Array(20);
    const outView = new DataView(out.buffer);
    this.h.forEach((v, i) => outView.setUint32(i * 4, v >>> 0));
    return out;
  }

  private block(view: DataView, off: number): void {
    const w = this.w;
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(off + i * 4);
    for (let i = 16; i < 80; i++) w[i] = rotl(w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!, 1);
    let [a, b, c, d, e] = this.h as [number, number, number, number, number];
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) [f, k] = [(b & c) | (~b & d), 0x5a827999];
      else if (i < 40) [f, k] = [b ^ c ^ d, 0x6ed9eba1];
      else if (i < 60) [f, k] = [(b & c) | (b & d) | (c & d), 0x8f1bbcdc];
      else [f, k] = [b ^ c ^ d, 0xca62c1d6];
      const t = (rotl(a, 5) + f + e + k + w[i]!) | 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = t;
    }
    this.h = [(this.h[0]! + a) | 0, (this.h[1]! + b) | 0, (this.h[2]! + c) | 0, (this.h[3]! + d) | 0, (this.h[4]! + e) | 0];
  }
}

export function sha1(bytes: Uint8Array): Uint8Array {
  return new Sha1().update(bytes).digest();
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
