// The native codec over sizes (a project rule): every client and server frame kind, every
// request and response type, round-trips with its variable-length fields drawn across growth
// boundaries up to the frame limit; a frame exactly at frameBytesMax encodes, one byte over
// throws EncodeError; the lower bound taken before cbor-x never passes the real size.
// Seeded by fast-check: a failure prints its seed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_NATIVE_LIMITS,
  NativeCodec,
  frameBytesLowerBound,
  type ClientFrame,
  type Request,
  type Response,
  type ServerFrame,
} from "@warden/protocol";
import { propertyRuns, withBytesAsText } from "../../../testing/src/sizes.js";
import { expectFrameTooLarge } from "./helpers.js";
import * as arb from "../arbitraries.js";
import { clientFrames, serverFrames } from "./samples.js";

const FRAME_LIMIT = DEFAULT_NATIVE_LIMITS.frameBytesMax;
const codec = new NativeCodec();
/** Encodes anything a test draws, to learn its exact size. */
const unbounded = new NativeCodec({ frameBytesMax: Number.MAX_SAFE_INTEGER });
/** Lengths swept one by one (see sweptSample). */
const SWEEP_LENGTH_MAX = 600;

type Frame = { client: ClientFrame } | { server: ServerFrame };

const clientFrame: fc.Arbitrary<ClientFrame> = fc.oneof(
  arb.connectRequest().map((request): ClientFrame => ({ kind: "connect", request })),
  fc.tuple(arb.xid, arb.request()).map(([xid, request]): ClientFrame => ({ kind: "request", xid, request })),
);

const serverFrame: fc.Arbitrary<ServerFrame> = fc.oneof(
  fc.tuple(arb.connectResponse(), arb.long).map(([response, lastZxid]): ServerFrame => ({ kind: "connected", response, lastZxid })),
  fc.tuple(arb.xid, arb.long, arb.response()).map(([xid, zxid, response]): ServerFrame => ({ kind: "reply", xid, zxid, err: 0, response })),
  fc.tuple(arb.xid, arb.long, arb.errorCode).map(([xid, zxid, err]): ServerFrame => ({ kind: "reply", xid, zxid, err })),
  arb.watchEvent().map((event): ServerFrame => ({ kind: "event", event })),
  fc
    .tuple(arb.closeReason, arb.text(DEFAULT_NATIVE_LIMITS.stringCharsMax), fc.option(arb.long, { nil: undefined }))
    .map(
      ([reason, message, lastZxid]): ServerFrame => ({ kind: "close", reason, message, ...(lastZxid === undefined ? {} : { lastZxid }) }),
    ),
);

const anyFrame: fc.Arbitrary<Frame> = fc.oneof(
  clientFrame.map((client) => ({ client })),
  serverFrame.map((server) => ({ server })),
);

const encode = (c: NativeCodec, f: Frame) => ("client" in f ? c.encodeClientFrame(f.client) : c.encodeServerFrame(f.server));
const decode = (c: NativeCodec, f: Frame, bytes: Uint8Array) => ("client" in f ? c.decodeClientFrame(bytes) : c.decodeServerFrame(bytes));
const frameValue = (f: Frame) => ("client" in f ? f.client : f.server);

/** Encodes within the frame limit and decodes to the same frame; over the limit, EncodeError. */
function expectRoundTrip(f: Frame): void {
  const exact = encode(unbounded, f).length;
  expect(frameBytesLowerBound(frameValue(f), Number.MAX_SAFE_INTEGER)).toBeLessThanOrEqual(exact);
  if (exact > FRAME_LIMIT) {
    expectFrameTooLarge(() => encode(codec, f));
    return;
  }
  expect(withBytesAsText(decode(codec, f, encode(codec, f)))).toEqual(withBytesAsText(frameValue(f)));
}

describe("native frames over sizes", () => {
  it("the drawn messages cover every request type and every response type", () => {
    const requestTypes = new Set(fc.sample(arb.request(), { numRuns: 400, seed: 1 }).map((r: Request) => r.type));
    const responseTypes = new Set(fc.sample(arb.response(), { numRuns: 400, seed: 1 }).map((r: Response) => r.type));
    expect(requestTypes.size).toBe(23);
    expect(responseTypes.size).toBe(23);
  });

  it("every sample frame round-trips with its first variable-length field at every length up to 600", () => {
    const frames: Frame[] = [...clientFrames.map((client) => ({ client })), ...serverFrames.map((server) => ({ server }))];
    for (let length = 0; length <= SWEEP_LENGTH_MAX; length++) {
      for (const frame of frames) {
        const swept = arb.sweptSample(frame, length);
        expect(withBytesAsText(decode(codec, swept, encode(codec, swept)))).toEqual(withBytesAsText(frameValue(swept)));
      }
    }
  });

  it("every client frame (connect, each request type) decodes on the server as it was sent", () => {
    fc.assert(
      fc.property(clientFrame, (client) => expectRoundTrip({ client })),
      propertyRuns(150),
    );
  });

  it("every server frame (connected, each response type, error replies, events, close) decodes on the client as it was sent", () => {
    fc.assert(
      fc.property(serverFrame, (server) => expectRoundTrip({ server })),
      propertyRuns(150),
    );
  });
});

describe("the frame bound of the native encoder", () => {
  it("a frame of exactly frameBytesMax encodes; with frameBytesMax one byte less it throws EncodeError", () => {
    fc.assert(
      fc.property(anyFrame, (f) => {
        const bytes = encode(unbounded, f);
        expect(Buffer.compare(encode(new NativeCodec({ frameBytesMax: bytes.length }), f), bytes)).toBe(0);
        expectFrameTooLarge(() => encode(new NativeCodec({ frameBytesMax: bytes.length - 1 }), f));
      }),
      propertyRuns(100),
    );
  });

  it("the lower bound is at most the encoded size, and passes a limit below it only when the size does", () => {
    fc.assert(
      fc.property(anyFrame, fc.nat(), (f, stop) => {
        const exact = encode(unbounded, f).length;
        const whole = frameBytesLowerBound(frameValue(f), Number.MAX_SAFE_INTEGER);
        expect(whole).toBeLessThanOrEqual(exact);
        const stopAboveBytes = stop % (whole + 1);
        const early = frameBytesLowerBound(frameValue(f), stopAboveBytes);
        // Stopped early it still counts what it walked: more than the limit, at most the whole.
        expect(early).toBeLessThanOrEqual(whole);
        expect(early > stopAboveBytes).toBe(whole > stopAboveBytes);
      }),
      propertyRuns(100),
    );
  });
});
