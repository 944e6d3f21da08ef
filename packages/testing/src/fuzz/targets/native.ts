// The native target: WebSocket + CBOR frames on nativePort. Random and text frames, CBOR of
// any shape, valid frames mutated in their bytes and in their structure, valid sequences
// with adversarial parameters, the protocol's order rules (requests before connect, a
// second connect), and WebSocket itself below the library (native-raw.ts); the field
// cases in native-field.ts.
import fc from "fast-check";
import { encode } from "cbor-x";
import type { ClientFrame, Request } from "@warden/protocol";
import { family, type AnyFamily, type CaseContext } from "../family.js";
import {
  anyValue,
  applyByteMutations,
  applyMutatedSequence,
  applyValueMutations,
  byteMutation,
  mutatedSequence,
  valueMutation,
  type ByteMutation,
  type MutatedSequence,
  type ValueMutation,
} from "../mutate.js";
import type { WsConnection } from "../wire.js";
import { nativeFieldFamilies } from "./native-field.js";
import { nativeRawFamilies } from "./native-raw.js";
import { codec, connectFrame, nativeSession, observePing, openNative, requestFrame } from "./native-session.js";
import { connectRequest, int32, request, requestWithValidPath, requests } from "./requests.js";

/** A connection, with a session first when the case says so. */
async function connection(ctx: CaseContext, connectFirst: boolean): Promise<WsConnection | undefined> {
  if (connectFirst) return nativeSession(ctx);
  const c = await openNative(ctx);
  return c.closed ? void ctx.observe("connection refused") : c;
}

/** `value` in CBOR, with the codec's encoder options when it can, else cbor-x's defaults. */
function encodeAny(value: unknown): Uint8Array {
  try {
    return codec.encodeClientFrame(value as ClientFrame);
  } catch {
    try {
      return encode(value) as Uint8Array;
    } catch {
      return new Uint8Array([0xf7]); // CBOR undefined
    }
  }
}

const randomFrames = family({
  name: "random-frames",
  weight: 8,
  about: "binary frames of random bytes, before or after connect",
  params: fc.record({ connectFirst: fc.boolean(), frames: fc.array(fc.uint8Array({ maxLength: 512 }), { minLength: 1, maxLength: 4 }) }),
  input: (p) => p.frames,
  async run(p, ctx) {
    const c = await connection(ctx, p.connectFirst);
    if (!c) return;
    for (const f of p.frames) c.send(f, true);
    await observePing(ctx, c);
  },
});

const textFrames = family({
  name: "text-frames",
  weight: 4,
  about: "text frames (the protocol is binary only), some holding a valid frame's CBOR as text",
  params: fc.record({
    connectFirst: fc.boolean(),
    texts: fc.array(fc.string({ unit: "binary", maxLength: 200 }), { minLength: 1, maxLength: 3 }),
  }),
  input: (p) => p.texts,
  async run(p, ctx) {
    const c = await connection(ctx, p.connectFirst);
    if (!c) return;
    for (const t of p.texts) c.send(t, false);
    await observePing(ctx, c);
  },
});

const frameShapes = fc.oneof(
  anyValue,
  fc.record({
    kind: fc.constantFrom("connect", "request", "reply", "event", "close", "connected"),
    xid: fc.oneof(int32, anyValue),
    request: fc.oneof(
      anyValue,
      fc.dictionary(fc.constantFrom("type", "path", "data", "acl", "mode", "ops", "version", "watch", "ttl"), anyValue),
    ),
  }),
);

const cborAny = family({
  name: "cbor-any",
  weight: 6,
  about: "CBOR of any shape, and maps shaped like frames with fields of any type",
  params: fc.record({ connectFirst: fc.boolean(), values: fc.array(frameShapes, { minLength: 1, maxLength: 3 }) }),
  input: (p) => p.values.map(encodeAny),
  async run(p, ctx) {
    const c = await connection(ctx, p.connectFirst);
    if (!c) return;
    for (const v of p.values) c.send(encodeAny(v), true);
    await observePing(ctx, c);
  },
});

const CLEAN: MutatedSequence = { frameMutations: [], sequence: [], cuts: [] };

type SequenceParams = { requests: Request[]; xids: "increasing" | "same" | "zero" | "max"; mutation: MutatedSequence };

function sequenceFrames(p: SequenceParams): Uint8Array[] {
  const xidOf = (i: number) => (p.xids === "increasing" ? i + 1 : p.xids === "same" ? 7 : p.xids === "zero" ? 0 : 0x7fffffff - i);
  return applyMutatedSequence(
    p.requests.map((r, i) => requestFrame(xidOf(i), r)),
    p.mutation,
  );
}

const requestSequence = family({
  name: "request-sequence",
  weight: 30,
  about:
    "a session, then up to 24 requests with adversarial parameters and xids, some frames mutated, reordered or duplicated; then a ping",
  params: fc.record({
    requests: fc.oneof(requests(24), requests(24, requestWithValidPath)),
    xids: fc.constantFrom<Array<SequenceParams["xids"]>>("increasing", "same", "zero", "max"),
    mutation: fc.oneof(fc.constant(CLEAN), mutatedSequence(24)),
    closeSession: fc.boolean(),
  }),
  input: (p) => sequenceFrames(p),
  async run(p, ctx) {
    const c = await nativeSession(ctx);
    if (!c) return;
    for (const f of sequenceFrames(p)) c.send(f, true);
    await observePing(ctx, c, 2_000);
    if (p.closeSession) c.send(requestFrame(1_000_000, { type: "closeSession" }), true);
  },
});

const structureFrame = ([r, ms, bs]: [Request, ValueMutation[], ByteMutation[]]): Uint8Array =>
  applyByteMutations(encodeAny(applyValueMutations({ kind: "request", xid: 5, request: r } satisfies ClientFrame, ms)), bs);

const structuralMutations = family({
  name: "mutated-structure",
  weight: 10,
  about: "valid connect and request frames with a field replaced by a value of another shape, removed, or added",
  params: fc.record({
    connect: fc.boolean(),
    frames: fc.array(fc.tuple(request, fc.array(valueMutation, { minLength: 1, maxLength: 3 }), fc.array(byteMutation, { maxLength: 1 })), {
      minLength: 1,
      maxLength: 6,
    }),
  }),
  input: (p) => p.frames.map(structureFrame),
  async run(p, ctx) {
    const c = p.connect ? await nativeSession(ctx) : await connection(ctx, false);
    if (!c) return;
    for (const f of p.frames) c.send(structureFrame(f), true);
    await observePing(ctx, c);
  },
});

const orderRules = family({
  name: "order-rules",
  weight: 6,
  about: "requests before connect, a second connect (other fields, mutated), a connect after closeSession",
  params: fc.record({
    shape: fc.constantFrom("request-before-connect", "second-connect", "connect-after-close", "connect-only-twice"),
    second: connectRequest,
    mutations: fc.array(valueMutation, { maxLength: 2 }),
    between: fc.array(request, { maxLength: 3 }),
  }),
  input: (p) => [...p.between.map((r, i) => requestFrame(i + 1, r)), encodeAny(applyValueMutations(connectFrame(p.second), p.mutations))],
  async run(p, ctx) {
    const c = await connection(ctx, p.shape !== "request-before-connect");
    if (!c) return;
    const second = encodeAny(applyValueMutations(connectFrame(p.second), p.mutations));
    for (const [i, r] of p.between.entries()) c.send(requestFrame(i + 1, r), true);
    if (p.shape === "connect-after-close") c.send(requestFrame(50, { type: "closeSession" }), true);
    if (p.shape !== "request-before-connect") c.send(second, true);
    if (p.shape === "connect-only-twice") c.send(second, true);
    await observePing(ctx, c);
  },
});

export const nativeFamilies: readonly AnyFamily[] = [
  randomFrames,
  textFrames,
  cborAny,
  requestSequence,
  structuralMutations,
  orderRules,
  ...nativeRawFamilies,
  ...nativeFieldFamilies,
];
