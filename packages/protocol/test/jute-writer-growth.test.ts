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
