// The jute target: ZooKeeper's client protocol on clientPort. Random bytes; valid frames
// mutated; valid sequences with adversarial parameters; and every case seen in the field
// (field-cases.ts).
import fc from "fast-check";
import { OpCode, jute, type ConnectRequest, type Request } from "@warden/protocol";
import { family, type AnyFamily } from "../family.js";
import { JuteConnection } from "../jute-connection.js";
import {
  applyByteMutations,
  applyMutatedSequence,
  byteMutation,
  concatBytes,
  mutatedSequence,
  type ByteMutation,
  type MutatedSequence,
} from "../mutate.js";
import { type RawTcp, splitAt } from "../wire.js";
import { juteFieldFamilies } from "./jute-field.js";
import { ANSWER_MS, juteSession, observePing } from "./jute-session.js";
import { connectRequest, requestWithValidPath, requests } from "./requests.js";

const randomBytes = family({
  name: "random-bytes",
  weight: 10,
  about: "random bytes, before or after a handshake, in one or more writes",
  params: fc.record({
    handshakeFirst: fc.boolean(),
    chunks: fc.array(fc.uint8Array({ minLength: 1, maxLength: 512 }), { minLength: 1, maxLength: 4 }),
    gapMs: fc.constantFrom(0, 0, 5, 20),
  }),
  input: (p) => p.chunks,
  async run(p, ctx) {
    const c = p.handshakeFirst
      ? await juteSession(ctx)
      : await JuteConnection.open(ctx.pool, ctx.ports.client, { localAddress: ctx.source(0) });
    if (!c) return;
    await c.tcp.writeParts(p.chunks, p.gapMs);
    // Random bytes may announce a long frame: the server rightly waits, so end our side.
    c.tcp.end();
    ctx.observe((await c.tcp.closedWithin(ANSWER_MS)) ? "closed" : "left open");
  },
});

const handshakeBytes = (p: { request: ConnectRequest; readOnlyField: boolean; mutations: ByteMutation[] }): Uint8Array =>
  applyByteMutations(jute.encodeConnectRequest(p.request, p.readOnlyField), p.mutations);

const mutatedHandshake = family({
  name: "mutated-handshake",
  weight: 8,
  about: "a ConnectRequest with fields on their edges, bit-flipped, its length changed, cut or extended, then a ping",
  params: fc.record({
    request: connectRequest,
    readOnlyField: fc.boolean(),
    mutations: fc.array(byteMutation, { maxLength: 3 }),
    repeat: fc.constantFrom(1, 1, 2, 3),
  }),
  input: (p) => Array.from({ length: p.repeat }, () => handshakeBytes(p)),
  async run(p, ctx) {
    const c = await JuteConnection.open(ctx.pool, ctx.ports.client, { localAddress: ctx.source(0) });
    const bytes = handshakeBytes(p);
    for (let i = 0; i < p.repeat; i++) c.send(bytes);
    await c.tcp.until(() => c.connectResponse !== undefined || c.closed, ANSWER_MS);
    ctx.observe(c.connectResponse ? (c.connectResponse.timeoutMs > 0 ? "session" : "session refused") : c.closed ? "closed" : "silent");
    if (c.connectResponse) await observePing(ctx, c);
  },
});

const opCodeOverride = fc.option(fc.oneof(fc.constantFrom(...Object.values(OpCode)), fc.integer({ min: -20, max: 200 })), {
  freq: 8,
  nil: undefined,
});

/** Encodes a request, with another op code when the case says so (the body stays the request's). */
function encodeWithOpCode(xid: number, request: Request, opCode: number | undefined): Uint8Array {
  try {
    return jute.encodeRequest(opCode === undefined ? { xid, request } : { xid, request, opCode });
  } catch {
    // The client-side encoder has no record for every (op code, request) pair: send the request's own.
    return jute.encodeRequest({ xid, request });
  }
}

/** A sequence sent as encoded: what the server does with valid frames and adversarial values. */
const CLEAN: MutatedSequence = { frameMutations: [], sequence: [], cuts: [] };

type SequenceParams = {
  requests: Request[];
  opCodes: Array<number | undefined>;
  xids: "increasing" | "same" | "negative" | "reserved";
  mutation: MutatedSequence;
};

function sequenceFrames(p: SequenceParams): Uint8Array[] {
  const xidOf = (i: number) =>
    p.xids === "increasing" ? i + 1 : p.xids === "same" ? 7 : p.xids === "negative" ? -100 - i : [-1, -2, -4, -8][i % 4]!;
  return applyMutatedSequence(
    p.requests.map((r, i) => encodeWithOpCode(xidOf(i), r, p.opCodes[i])),
    p.mutation,
  );
}

const requestSequence = family({
  name: "request-sequence",
  weight: 30,
  about:
    "a session, then up to 24 requests with adversarial parameters, some frames mutated, reordered or duplicated, cut into writes; then a ping",
  params: fc.record({
    requests: fc.oneof(requests(24), requests(24, requestWithValidPath)),
    // Most sequences keep their op codes: an unknown one ends the session, as in ZooKeeper.
    opCodes: fc.oneof(
      { weight: 3, arbitrary: fc.constant<Array<number | undefined>>([]) },
      { weight: 1, arbitrary: fc.array(opCodeOverride, { maxLength: 24 }) },
    ),
    xids: fc.constantFrom<Array<SequenceParams["xids"]>>("increasing", "same", "negative", "reserved"),
    mutation: fc.oneof(fc.constant(CLEAN), mutatedSequence(24)),
    gapMs: fc.constantFrom(0, 0, 0, 10),
    closeSession: fc.boolean(),
  }),
  input: (p) => sequenceFrames(p),
  async run(p, ctx) {
    const c = await juteSession(ctx);
    if (!c) return;
    await c.tcp.writeParts(splitAt(concatBytes(sequenceFrames(p)), p.mutation.cuts), p.gapMs);
    await observePing(ctx, c, ANSWER_MS * 2);
    if (p.closeSession && !c.closed) c.closeSession(1_000_000);
  },
});

const fourLetterWords = family({
  name: "four-letter-words",
  weight: 4,
  about: "every four-letter word (all whitelisted), plain, with a newline, followed by more bytes, split, after a handshake, in capitals",
  params: fc.record({
    word: fc.constantFrom(...jute.FOUR_LETTER_WORDS, "xxxx", "ruo", "kill"),
    form: fc.constantFrom("plain", "newline", "extra", "split", "after-handshake", "capitals"),
    extra: fc.uint8Array({ maxLength: 64 }),
  }),
  async run(p, ctx) {
    const word = new TextEncoder().encode(p.form === "capitals" ? p.word.toUpperCase() : p.word);
    const c =
      p.form === "after-handshake"
        ? await juteSession(ctx)
        : await JuteConnection.open(ctx.pool, ctx.ports.client, { localAddress: ctx.source(0) });
    if (!c) return;
    const tcp: RawTcp = c.tcp;
    if (p.form === "split") await tcp.writeParts([word.subarray(0, 2), word.subarray(2)], 20);
    else tcp.write(concatBytes([word, p.form === "newline" ? new Uint8Array([10]) : p.form === "extra" ? p.extra : new Uint8Array(0)]));
    ctx.observe((await tcp.closedWithin(ANSWER_MS * 2)) ? `closed after ${tcp.bytesReceived > 0 ? "an answer" : "nothing"}` : "left open");
  },
});

export const juteFamilies: readonly AnyFamily[] = [randomBytes, mutatedHandshake, requestSequence, fourLetterWords, ...juteFieldFamilies];
