// A small DER reader: what PKCS12 trust stores and certificate subjects need. Every length is
// checked against the bytes it is read from; a bad input throws DerError.

import { WardenError } from "@warden/protocol";

export class DerError extends WardenError {
  constructor(message: string, code = "WARDEN_ERR_DER") {
    super({ code, message });
  }
}

export interface Der {
  tag: number;
  /** The value's bytes. */
  body: Buffer;
  /** The whole element (tag, length, value): what a MAC or a certificate covers. */
  whole: Buffer;
}

/** Elements of a constructed value, or of a whole buffer; 10,000 at most. */
export function children(buf: Buffer): Der[] {
  const out: Der[] = [];
  let at = 0;
  while (at < buf.length) {
    if (out.length >= 10_000) throw new DerError("too many elements");
    const tag = buf[at]!;
    if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tags are not used by PKCS12");
    let len = buf[at + 1];
    let head = 2;
    if (len === undefined) throw new DerError("truncated");
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || at + 2 + n > buf.length) throw new DerError("bad length (indefinite lengths are not supported)");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i]!;
      head += n;
    }
    if (at + head + len > buf.length) throw new DerError("truncated");
    out.push({ tag, body: buf.subarray(at + head, at + head + len), whole: buf.subarray(at, at + head + len) });
    at += head + len;
  }
  return out;
}

export function expect(d: Der | undefined, tag: number, what: string): Der {
  if (!d || d.tag !== tag) throw new DerError(`expected ${what}`);
  return d;
}
export const seq = (d: Der | undefined, what: string) => children(expect(d, 0x30, what).body);
/** An OCTET STRING, primitive or constructed (as BER producers chunk it). */
export function octets(d: Der | undefined, what: string): Buffer {
  if (d?.tag === 0x04 || d?.tag === 0x80) return d.body;
  if (d?.tag === 0x24 || d?.tag === 0xa0) return Buffer.concat(children(d.body).map((c) => octets(c, what)));
  throw new DerError(`expected ${what}`);
}
export function oid(d: Der | undefined): string {
  const b = expect(d, 0x06, "an object identifier").body;
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if ((b[i]! & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}
export function integer(d: Der | undefined): number {
  const b = expect(d, 0x02, "an integer").body;
  if (b.length > 4) throw new DerError("integer too large");
  return b.reduce((n, x) => n * 256 + x, 0);
}
