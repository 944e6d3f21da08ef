// The jute codec over sizes (a project rule): every record round-trips with its variable-length
// fields drawn across JuteWriter's growth boundaries (256 bytes, doubling) up to the frame
// limit, with a Stat or another fixed-width field after each; and a frame exactly at its bound
// encodes, one byte over throws EncodeError. Seeded by fast-check: a failure prints its seed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OpCode } from "../src/codes.js";
import type { ConnectRequest, ConnectResponse, Request, Response, WatchEvent } from "../src/messages.js";
import { EMPTY_STAT } from "../src/stat.js";
import { BYTES_POOL_BYTES, POOLED_BYTES_MAX } from "../src/bytes-pool.js";
import {
  JUTE_FRAME_BYTES_MAX_DEFAULT,
  decodeConnectRequest,
  decodeConnectResponse,
  decodeRequest,
  decodeServerFrame,
  defaultOpCode,
  encodeConnectRequest,
  encodeConnectResponse,
  encodeErrorReply,
  encodeNotification,
  encodeReply,
  encodeRequest,
  type JuteReplyShape,
} from "../src/jute/index.js";
import { multiOpCodesOf } from "../src/jute/multi.js";
import { JuteReader } from "../src/jute/reader.js";
import { JuteWriter } from "../src/jute/writer.js";
import { propertyRuns, sizeAcrossBoundaries, patternBytes, withBytesAsText, SMALL_BYTES_MAX } from "../../testing/src/sizes.js";
import { expectFrameTooLarge } from "./native/helpers.js";
import * as arb from "./arbitraries.js";
import { clientFrames, requests, responses, serverFrames } from "./native/samples.js";

const FRAME_LIMIT = JUTE_FRAME_BYTES_MAX_DEFAULT;
/** Lengths swept one by one: every record's fields after it pass offsets 256 and 512 (its prefix is under 80 bytes). */
const SWEEP_LENGTH_MAX = 600;
/**
 * Messages compared as text (see withBytesAsText), their longs as jute carries them: signed.
 * A uint64 of 2^63 or more (a container's ephemeralOwner) decodes negative on the jute side.
 */
const text = (value: unknown): unknown => withBytesAsText(signedLongs(value));
function signedLongs(value: unknown): unknown {
  if (typeof value === "bigint") return BigInt.asIntN(64, value);
  if (Array.isArray(value)) return value.map(signedLongs);
  if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, signedLongs(v)]));
  }
  return value;
}

/** One message as a jute frame: how to encode it (within a bound) and what decoding it must give. */
interface JuteCase {
  what: string;
  encode(frameBytesMax?: number): Uint8Array;
  expectDecoded(body: Uint8Array): void;
}

const requestCaseOf = (xid: number, request: Request): JuteCase => ({
  what: `request ${request.type}`,
  encode: (max) => encodeRequest({ xid, request }, max),
  expectDecoded: (body) => {
    const opCode = defaultOpCode(request);
    // ZooKeeper answers a check outside a multi UNIMPLEMENTED (Request.isValid); so does the codec.
    if (request.type === "check") return expect(decodeRequest(body)).toMatchObject({ kind: "rejected", xid, opCode, err: -6 });
    const multiOpCodes = request.type === "multi" || request.type === "multiRead" ? { multiOpCodes: multiOpCodesOf(request) } : {};
    // A getEphemerals prefix that is blank or "/" once trimmed asks for every ephemeral: "/"
    // (ZooKeeper's FinalRequestProcessor). The drawn paths may be "/" and spaces.
    const sent = request.type === "getEphemerals" && request.prefix.trim() === "/" ? { ...request, prefix: "/" } : request;
    expect(text(decodeRequest(body))).toEqual(text({ kind: "request", xid, opCode, request: sent, ...multiOpCodes }));
  },
});
const requestCase = fc.tuple(arb.xid, arb.request()).map(([xid, request]) => requestCaseOf(xid, request));

/** Each op code a response may answer, and the response the client decodes from it. */
function replyShapes(response: Response): [JuteReplyShape, Response][] {
  const as = (opCode: number, decoded: Response = response): [JuteReplyShape, Response] => [{ opCode }, decoded];
  switch (response.type) {
    case "create":
      return [
        as(OpCode.create, { ...response, stat: { ...EMPTY_STAT } }),
        as(OpCode.create2),
        as(OpCode.createTTL),
        as(OpCode.createContainer),
      ];
    case "removeWatches":
      return [as(OpCode.checkWatches), as(OpCode.removeWatches)];
    case "setWatches":
      return [as(OpCode.setWatches), as(OpCode.setWatches2)];
    case "getData":
      return [as(OpCode.getData)];
    case "getConfig":
      return [as(OpCode.getData, { ...response, type: "getData" })];
    case "getChildren":
      if (response.stat === undefined) return [as(OpCode.getChildren)];
      return [as(OpCode.getChildren2), as(OpCode.getChildren, { type: "getChildren", children: response.children })];
    case "multi": {
      // Alternate plain creates (CreateResponse, no Stat) with create2 (Stat after the path).
      const multiOpCodes = response.results.map((_, i) => (i % 2 === 0 ? OpCode.create : OpCode.create2));
      const results = response.results.map((r, i) => (r.type === "create" && i % 2 === 0 ? { ...r, stat: { ...EMPTY_STAT } } : r));
      return [
        [
          { opCode: OpCode.multi, multiOpCodes },
          { type: "multi", results },
        ],
      ];
    }
    default:
      return [as(OpCode[response.type])];
  }
}

function replyCaseOf(xid: number, zxid: bigint, response: Response, shape: JuteReplyShape, decoded: Response): JuteCase {
  const wireXid = shape.opCode === OpCode.ping ? -2 : xid;
  return {
    what: `reply ${response.type} to op ${shape.opCode}`,
    encode: (max) => encodeReply(shape, xid, zxid, response, max),
    expectDecoded: (body) => {
      const frame = decodeServerFrame(body, (x) => (x === xid ? shape : undefined));
      expect(text(frame)).toEqual(text({ kind: "reply", xid: wireXid, zxid, err: 0, opCode: shape.opCode, response: decoded }));
    },
  };
}
const replyCase = fc
  .tuple(arb.xid, arb.long, arb.response())
  .chain(([xid, zxid, response]) =>
    fc.constantFrom(...replyShapes(response)).map(([shape, decoded]) => replyCaseOf(xid, zxid, response, shape, decoded)),
  );

const errorReplyCase = fc.tuple(arb.xid, arb.long, arb.errorCode, fc.constantFrom(OpCode.getData, OpCode.multi, OpCode.create)).map(
  ([xid, zxid, err, opCode]): JuteCase => ({
    what: "error reply",
    encode: (max) => encodeErrorReply(xid, zxid, err, max),
    expectDecoded: (body) =>
      expect(text(decodeServerFrame(body, () => ({ opCode })))).toEqual(text({ kind: "reply", xid, zxid, err, opCode })),
  }),
);

const notificationCaseOf = (event: WatchEvent): JuteCase => ({
  what: "notification",
  encode: (max) => encodeNotification(event, max),
  expectDecoded: (body) =>
    expect(text(decodeServerFrame(body, () => undefined))).toEqual(text({ kind: "notification", zxid: event.zxid, event })),
});
const notificationCase = arb.watchEvent().map(notificationCaseOf);

const connectRequestCaseOf = (request: ConnectRequest, readOnlyField: boolean): JuteCase => ({
  what: "ConnectRequest",
  encode: (max) => encodeConnectRequest(request, readOnlyField, max),
  expectDecoded: (body) =>
    expect(text(decodeConnectRequest(body))).toEqual(
      text({ request: { ...request, readOnly: readOnlyField && request.readOnly }, readOnlyField }),
    ),
});
const connectResponseCaseOf = (response: ConnectResponse, readOnlyField: boolean): JuteCase => ({
  what: "ConnectResponse",
  encode: (max) => encodeConnectResponse(response, readOnlyField, max),
  expectDecoded: (body) =>
    expect(text(decodeConnectResponse(body))).toEqual(
      text({ response: { ...response, readOnly: readOnlyField && response.readOnly }, readOnlyField }),
    ),
});
const connectCases = fc.oneof(
  fc.tuple(arb.connectRequest(), fc.boolean()).map(([request, readOnlyField]) => connectRequestCaseOf(request, readOnlyField)),
  fc.tuple(arb.connectResponse(), fc.boolean()).map(([response, readOnlyField]) => connectResponseCaseOf(response, readOnlyField)),
);

const anyCase = fc.oneof(requestCase, replyCase, errorReplyCase, notificationCase, connectCases);

/** Encodes within the frame limit and decodes; a frame over the limit must be refused instead. */
function expectRoundTrip(c: JuteCase): void {
  const bodyBytes = c.encode().length - 4;
  if (bodyBytes > FRAME_LIMIT) {
    expectFrameTooLarge(() => c.encode(FRAME_LIMIT));
    return;
  }
  const frame = c.encode(FRAME_LIMIT);
  expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(bodyBytes);
  c.expectDecoded(frame.subarray(4));
}

describe("the jute writer over sizes", () => {
  type Field = "int" | "long" | "bool" | "buffer" | "string";
  const FIELDS: Field[] = ["int", "long", "bool", "buffer", "string"];
  const VALUES = { int: -7, long: -(2n ** 62n) - 3n, bool: true, buffer: Uint8Array.of(1, 2, 3), string: "\u00e9\u4e2d\ud83d\ude00" };
  const write = (w: JuteWriter, f: Field) => (f === "bool" ? w.bool(true) : w[f](VALUES[f] as never));
  const read = (r: JuteReader, f: Field) => (f === "string" ? r.string() : f === "bool" ? r.bool() : r[f]());

  function expectFieldAfterPadding(padBytes: number, field: Field): void {
    const w = new JuteWriter().buffer(patternBytes(Math.max(0, padBytes - 4), padBytes));
    const frame = write(w, field).int(0x5a5a5a5a).frame();
    const r = new JuteReader(frame.subarray(4));
    r.buffer();
    expect(read(r, field)).toEqual(VALUES[field]);
    expect(r.int()).toBe(0x5a5a5a5a);
    expect(r.remaining).toBe(0);
  }

  it("every fixed-width field lands in the frame at every offset up to past the third growth boundary", () => {
    for (let pad = 4; pad <= SMALL_BYTES_MAX; pad++) for (const field of FIELDS) expectFieldAfterPadding(pad, field);
  });

  it("every fixed-width field lands in the frame at offsets drawn around each growth boundary up to the frame limit", () => {
    fc.assert(fc.property(sizeAcrossBoundaries(FRAME_LIMIT, 4), fc.constantFrom(...FIELDS), expectFieldAfterPadding), propertyRuns(200));
  });
});

/** One case per sample message and reply shape, its first variable-length field `length` long. */
function sampleCases(length: number): JuteCase[] {
  const grown = <T>(m: T) => arb.sweptSample(m, length);
  const cases: JuteCase[] = [];
  for (const request of requests) cases.push(requestCaseOf(7, grown(request)));
  for (const response of responses)
    for (const [shape, decoded] of replyShapes(response)) cases.push(replyCaseOf(7, 9n, grown(response), shape, grown(decoded)));
  for (const frame of serverFrames) if (frame.kind === "event") cases.push(notificationCaseOf(grown(frame.event)));
  for (const frame of [...clientFrames, ...serverFrames]) {
    if (frame.kind === "connect") cases.push(connectRequestCaseOf(grown(frame.request), true));
    if (frame.kind === "connected") cases.push(connectResponseCaseOf(grown(frame.response), true));
  }
  return cases;
}

describe("jute records over sizes", () => {
  it("every sample record round-trips with its first variable-length field at every length across the first two growth boundaries", () => {
    for (let length = 0; length <= SWEEP_LENGTH_MAX; length++) for (const c of sampleCases(length)) c.expectDecoded(c.encode().subarray(4));
  });

  it("every request a client encodes decodes on the server as it was sent", () => {
    fc.assert(fc.property(requestCase, expectRoundTrip), propertyRuns(150));
  });

  it("the drawn replies answer every op code that has a reply record", () => {
    const answered = new Set(fc.sample(replyCase, { numRuns: 1500, seed: 1 }).map((c) => Number(/to op (-?\d+)/.exec(c.what)![1])));
    const withReplies = [
      "create",
      "create2",
      "createTTL",
      "createContainer",
      "delete",
      "exists",
      "getData",
      "reconfig",
      "setData",
      "setACL",
      "getACL",
      "getChildren",
      "getChildren2",
      "sync",
      "ping",
      "check",
      "checkWatches",
      "removeWatches",
      "auth",
      "setWatches",
      "setWatches2",
      "closeSession",
      "addWatch",
      "getEphemerals",
      "getAllChildrenNumber",
      "whoAmI",
      "multi",
      "multiRead",
    ] as const;
    expect([...answered].sort((a, b) => a - b)).toEqual(withReplies.map((name) => OpCode[name]).sort((a, b) => a - b));
  });

  it("every reply record (each op code, multi and multiRead results, create and create2 shapes) decodes on the client as it was sent", () => {
    fc.assert(fc.property(replyCase, expectRoundTrip), propertyRuns(150));
  });

  it("error replies, notifications and the handshake records decode as they were sent", () => {
    fc.assert(fc.property(fc.oneof(errorReplyCase, notificationCase, connectCases), expectRoundTrip), propertyRuns(100));
  });
});

describe("the frame bound of the jute encoders", () => {
  it("a frame whose body is exactly frameBytesMax encodes, within that many bytes of memory; one byte less throws EncodeError", () => {
    fc.assert(
      fc.property(anyCase, (c) => {
        const unbounded = c.encode();
        const bodyBytes = unbounded.length - 4;
        const atBound = c.encode(bodyBytes);
        expect(Buffer.compare(atBound, unbounded)).toBe(0);
        // A server's reply takes small buffers as views of the shared 64 KiB pool (bytes-pool.ts),
        // where the bound holds per view; a frame past POOLED_BYTES_MAX has a backing store of its own.
        if (4 + bodyBytes > POOLED_BYTES_MAX || atBound.buffer.byteLength !== BYTES_POOL_BYTES) {
          expect(atBound.buffer.byteLength).toBeLessThanOrEqual(4 + bodyBytes);
        }
        expectFrameTooLarge(() => c.encode(bodyBytes - 1));
      }),
      propertyRuns(120),
    );
  });

  it("a reply over the frame limit is refused before its writer grows past the limit", () => {
    const data = new Uint8Array(FRAME_LIMIT);
    expectFrameTooLarge(() =>
      encodeReply({ opCode: OpCode.getData }, 1, 0n, { type: "getData", data, stat: { ...EMPTY_STAT } }, FRAME_LIMIT),
    );
    const w = new JuteWriter(100).int(1);
    expectFrameTooLarge(() => w.buffer(new Uint8Array(97)));
    expect(w.frame().buffer.byteLength).toBeLessThanOrEqual(104);
  });

  it("a string that fits only by its exact UTF-8 length, not its worst case, is written", () => {
    const path = `/${"\u4e2d".repeat(30)}`; // 91 bytes; 3 per unit reserved would be 93
    const frame = new JuteWriter(95).string(path).frame();
    expect(new JuteReader(frame.subarray(4)).string()).toBe(path);
    expectFrameTooLarge(() => new JuteWriter(94).string(path));
  });

  it("a bound that is not an int32 >= 0 is refused", () => {
    for (const bad of [-1, 0.5, 2 ** 31, Number.NaN]) expect(() => new JuteWriter(bad)).toThrow(RangeError);
  });
});
