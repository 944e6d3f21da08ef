// The writer grows its buffer as records are written; a buffer field that makes it grow must
// land in the grown buffer (found by test/compat: node-zookeeper-client's getData of 512 KiB).
import { describe, expect, it } from "vitest";
import { OpCode } from "../src/codes.js";
import { EMPTY_STAT } from "../src/stat.js";
import { encodeReply } from "../src/jute/index.js";
import { JuteReader } from "../src/jute/reader.js";
import { JuteWriter } from "../src/jute/writer.js";

describe("jute writer growth", () => {
  it.each([1, 255, 256, 300, 4096, 512 * 1024, 1024 * 1024])("writes a %i-byte buffer that outgrows the initial capacity", (size) => {
    const data = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
    const frame = new JuteWriter().int(7).buffer(data).int(9).frame();
    const r = new JuteReader(frame.subarray(4));
    expect(r.int()).toBe(7);
    expect(Buffer.compare(r.buffer(), data)).toBe(0);
    expect(r.int()).toBe(9);
  });

  it("encodes a getData reply with 512 KiB of data", () => {
    const data = new Uint8Array(512 * 1024).fill(5);
    const frame = encodeReply({ opCode: OpCode.getData }, 3, 1n, { type: "getData", data, stat: EMPTY_STAT } as never);
    // length, ReplyHeader (xid 4, zxid 8, err 4), data (4 + bytes), Stat (68)
    expect(frame.length).toBe(4 + 16 + 4 + data.length + 68);
    expect(Buffer.compare(frame.subarray(24, 24 + data.length), data)).toBe(0);
  });
});

// The defect Curator's service discovery and Patroni hit: a fixed-width field whose write
// grows the buffer. `this.view.setInt32(this.reserve(4), v)` read the old view before
// reserve() replaced it (RangeError), and `this.bytes[this.reserve(1)] = v` wrote into the
// old array (the byte silently lost).
describe("fixed-width fields that cross the growth boundary", () => {
  const STAT = {
    czxid: 1n,
    mzxid: 2n,
    ctime: 3,
    mtime: 4,
    version: 5,
    cversion: 6,
    aversion: 7,
    ephemeralOwner: 8n,
    dataLength: 9,
    numChildren: 10,
    pzxid: 11n,
  };
  // Every offset in and around the first two boundaries (256 and 512 bytes, the frame length included).
  it.each(Array.from({ length: 600 }, (_, i) => i))("a getData reply whose data is %i bytes, then its Stat", (size) => {
    const data = new Uint8Array(size).fill(0xab);
    const frame = encodeReply({ opCode: OpCode.getData }, 3, 1n, { type: "getData", data, stat: STAT } as never);
    const r = new JuteReader(frame.subarray(4));
    expect([r.int(), r.long(), r.int()]).toEqual([3, 1n, 0]);
    expect(r.buffer().length).toBe(size);
    expect(r.long()).toBe(1n);
    expect([r.long(), r.long(), r.long(), r.int(), r.int(), r.int(), r.long(), r.int(), r.int(), r.long()]).toEqual([
      2n,
      3n,
      4n,
      5,
      6,
      7,
      8n,
      9,
      10,
      11n,
    ]);
  });

  it.each(Array.from({ length: 270 }, (_, i) => i))("a boolean written at offset %i lands in the frame", (pad) => {
    const w = new JuteWriter();
    for (let i = 0; i < pad; i++) w.bool(false);
    const frame = w.bool(true).frame();
    expect(frame[4 + pad]).toBe(1);
  });
});
