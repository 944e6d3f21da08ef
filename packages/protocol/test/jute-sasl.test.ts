// The sasl op (102) as ZooKeeper writes it: GetSASLRequest { buffer token } from the client,
// SetSASLResponse { buffer token } back; a failed round's reply carries a null token.
import { describe, expect, it } from "vitest";
import { ErrorCode, OpCode, jute } from "@warden/protocol";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("jute sasl records", () => {
  it("decodes a GetSASLRequest's token (empty, bytes, or null)", () => {
    for (const token of [new Uint8Array(0), new Uint8Array([1, 2, 3]), null]) {
      const frame = jute.encodeRequest({ xid: 1, request: { type: "sasl", token }, opCode: OpCode.sasl });
      expect(jute.decodeRequest(frame.subarray(4))).toEqual({
        kind: "request",
        xid: 1,
        opCode: OpCode.sasl,
        request: { type: "sasl", token },
      });
    }
  });

  it("answers with the header and the token, and reads it back", () => {
    const reply = jute.encodeReply({ opCode: OpCode.sasl }, 2, 0n, { type: "sasl", token: new Uint8Array([0x61]) });
    expect(hex(reply)).toBe("00000015" + "00000002" + "0000000000000000" + "00000000" + "00000001" + "61");
    expect(jute.decodeServerFrame(reply.subarray(4), () => ({ opCode: OpCode.sasl }))).toMatchObject({
      kind: "reply",
      xid: 2,
      err: 0,
      response: { type: "sasl", token: new Uint8Array([0x61]) },
    });
  });

  it("a failed round: ReplyHeader(xid, 0, AUTHFAILED) then a null token (length -1), as ZooKeeper's processSasl", () => {
    expect(hex(jute.encodeSaslErrorReply(3, ErrorCode.AUTH_FAILED))).toBe(
      "00000014" + "00000003" + "0000000000000000" + "ffffff8d" + "ffffffff",
    );
  });
});
