// The native port frames its replies itself (a batch per turn, net/native-listener.ts): the
// header must be the one ws would write for an unmasked binary message.
import { describe, expect, it } from "vitest";
import { Sender } from "ws";
import { binaryFrameHeader } from "../src/net/native-listener.js";

describe("binaryFrameHeader", () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 1_114_112, 2 ** 32 + 5])("is ws's own header for a %i-byte binary message", (length) => {
    const payload = { length } as unknown as Buffer;
    const [header] = (Sender as unknown as { frame(data: Buffer, o: object): Buffer[] }).frame(payload, {
      fin: true,
      rsv1: false,
      opcode: 2,
      mask: false,
      readOnly: false,
    });
    expect([...binaryFrameHeader(length)]).toEqual([...header!]);
  });
});
