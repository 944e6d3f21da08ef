// The peer target: the server's server.N port, with the fuzzer impersonating the observers
// its configuration names (it knows the ensemble secret). The handshake fuzzed itself;
// then, authenticated, random and mutated CBOR messages, consensus and server messages with
// fields on their edges, and oversized frames; and the other direction: the fuzzer answers
// the server's own dial with a mutated handshake. The format lives in peer-format.ts.
import fc from "fast-check";
import { family, type AnyFamily, type CaseContext, type PeerSetup } from "../family.js";
import { anyValue, applyByteMutations, applyValueMutations, byteMutation, valueMutation, type ByteMutation } from "../mutate.js";
import { RawTcp } from "../wire.js";
import * as format from "./peer-format.js";
import type { DialReply } from "./peer-listener.js";

const HANDSHAKE_MS = 3_000;
const ANSWER_MS = 500;
const holdMs = fc.integer({ min: 1_500, max: 3_000 });
const nonce = fc.uint8Array({ minLength: 16, maxLength: 16 });
/** Which impersonated peer (an index into PeerSetup.impersonatedIds). */
const peerIndex = fc.integer({ min: 0, max: 1 });

const setup = (ctx: CaseContext): PeerSetup => {
  if (!ctx.peer || ctx.ports.peer === undefined) throw new Error("the peer target needs a server with peers");
  return ctx.peer;
};

/** A connection to the server's peer port that reads handshake frames. */
async function dial(ctx: CaseContext, n = 0): Promise<{ t: RawTcp; frames: Uint8Array[] }> {
  setup(ctx);
  const t = await RawTcp.open(ctx.pool, ctx.ports.peer!, { localAddress: ctx.source(n) });
  const reader = new format.PeerFrameReader();
  const frames: Uint8Array[] = [];
  t.onData((chunk) => frames.push(...reader.feed(chunk)));
  return { t, frames };
}

/** A connection past the handshake as peer `id`, or undefined (observed) if the server refused it. */
async function authenticated(ctx: CaseContext, index: number, myNonce: Uint8Array): Promise<RawTcp | undefined> {
  const peer = setup(ctx);
  const id = peer.impersonatedIds[index % peer.impersonatedIds.length]!;
  const { t, frames } = await dial(ctx);
  t.write(format.peerFrame(format.encodePeer(format.hello(id, myNonce))));
  await t.until(() => t.closed || frames.length >= 1, HANDSHAKE_MS);
  const theirs = frames[0] && format.nonceOf(frames[0]);
  if (!theirs) return void ctx.observe("no challenge");
  t.write(format.peerFrame(format.encodePeer({ proof: format.proofOf(peer.secret, myNonce, theirs, id) })));
  await t.until(() => t.closed || frames.length >= 2, HANDSHAKE_MS);
  if (!frames[1] || !format.isOk(frames[1])) return void ctx.observe("handshake refused");
  return t;
}

/** After the messages: did the server close the connection? */
async function observeAfter(ctx: CaseContext, t: RawTcp): Promise<void> {
  ctx.observe((await t.closedWithin(ANSWER_MS)) ? "closed" : "kept open");
}

const handshakeRandom = family({
  name: "handshake-random",
  weight: 4,
  about: "random bytes instead of a hello",
  params: fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 3 }),
  async run(chunks, ctx) {
    const { t } = await dial(ctx);
    await t.writeParts(chunks);
    await observeAfter(ctx, t);
  },
});

const handshakeMutated = family({
  name: "handshake-mutated",
  weight: 10,
  about: "a hello and a proof with fields mutated, wrong ids (self, unknown, not integers), proofs wrong, short, missing, early or twice, frames over the handshake limit",
  params: fc.record({
    index: peerIndex,
    id: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom(1, 0, -1, 4, 2 ** 31, 1.5), anyValue) }),
    nonce,
    helloMutations: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(valueMutation, { minLength: 1, maxLength: 2 }) }),
    proof: fc.constantFrom("right", "wrong", "short", "missing", "not-bytes", "early", "twice"),
    bytes: fc.array(byteMutation, { maxLength: 2 }),
    oversized: fc.option(fc.constantFrom(1_025, 65_536, 1 << 20, 0xffffffff), { freq: 6, nil: undefined }),
  }),
  async run(p, ctx) {
    const peer = setup(ctx);
    const id = p.id === undefined ? peer.impersonatedIds[p.index]! : p.id;
    const { t, frames } = await dial(ctx);
    const helloBytes = applyByteMutations(format.encodePeer(applyValueMutations(format.hello(id as number, p.nonce), p.helloMutations)), p.bytes);
    if (p.oversized !== undefined) t.write(format.peerFrame(helloBytes, p.oversized));
    else t.write(format.peerFrame(helloBytes));
    const proofFor = (theirs: Uint8Array) => {
      const right = format.proofOf(peer.secret, p.nonce, theirs, Number(id));
      return { right, wrong: right.map((b) => b ^ 1), short: right.subarray(0, 16), missing: undefined, "not-bytes": "proof", early: right, twice: right }[p.proof];
    };
    if (p.proof === "early") t.write(format.peerFrame(format.encodePeer({ proof: new Uint8Array(32) })));
    await t.until(() => t.closed || frames.length >= 1, ANSWER_MS);
    const theirs = frames[0] && format.nonceOf(frames[0]);
    if (theirs) {
      const proof = format.peerFrame(format.encodePeer({ proof: proofFor(theirs) }));
      t.write(proof);
      if (p.proof === "twice") t.write(proof);
    }
    await t.until(() => t.closed || frames.length >= 2, ANSWER_MS);
    ctx.observe(frames[1] && format.isOk(frames[1]) ? "authenticated" : t.closed ? "refused" : "silent");
  },
});

const handshakeStall = family({
  name: "handshake-stall",
  weight: 2,
  about: "10 to 200 connections that stall: before the hello, inside a frame, after the hello, after the challenge",
  params: fc.record({ index: peerIndex, nonce, connections: fc.integer({ min: 10, max: 200 }), stage: fc.constantFrom("nothing", "partial-frame", "hello"), holdMs }),
  async run(p, ctx) {
    const peer = setup(ctx);
    const helloFrame = format.peerFrame(format.encodePeer(format.hello(peer.impersonatedIds[p.index]!, p.nonce)));
    for (let i = 0; i < p.connections; i++) {
      const { t } = await dial(ctx, i);
      if (p.stage === "partial-frame") t.write(helloFrame.subarray(0, helloFrame.length - 3));
      else if (p.stage === "hello") t.write(helloFrame);
    }
    await ctx.hold(p.holdMs);
  },
});

const impersonated = (ctx: CaseContext, index: number) => setup(ctx).impersonatedIds[index]!;

/** Encodes the messages as frames, with the byte mutations of each applied to its payload. */
const framesOf = (messages: readonly unknown[], bytes: readonly ByteMutation[][] = []) =>
  Buffer.concat(messages.map((m, i) => format.peerFrame(applyByteMutations(format.encodePeer(m), bytes[i] ?? []))));

const consensusMessages = family({
  name: "consensus-messages",
  weight: 12,
  about: "authenticated, up to 30 consensus messages of every type with epochs, zxids and entries on their edges, some with a wrong `from`",
  params: fc.record({
    index: peerIndex,
    nonce,
    messages: fc.array(fc.tuple(consensusMessage(), fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(valueMutation, { maxLength: 2 }) })), { minLength: 1, maxLength: 30 }),
    bytes: fc.array(fc.array(byteMutation, { maxLength: 1 }), { maxLength: 30 }),
  }),
  async run(p, ctx) {
    const t = await authenticated(ctx, p.index, p.nonce);
    if (!t) return;
    const id = impersonated(ctx, p.index);
    const messages = p.messages.map(([m, ms]) => format.consensusEnvelope(applyValueMutations({ ...m, from: m.from === -2 ? id : m.from, to: setup(ctx).serverId }, ms)));
    t.write(framesOf(messages, p.bytes));
    await observeAfter(ctx, t);
  },
});

/** Consensus messages; `from` -2 stands for the impersonated id (filled in at run time). */
function consensusMessage() {
  return format.consensusMessage(fc.oneof({ weight: 6, arbitrary: fc.constant(-2) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 5 }) }), 1);
}

const serverMessages = family({
  name: "server-messages",
  weight: 8,
  about: "authenticated, batches of forwarded writes (as superuser or not), forward failures and session touches, fields on their edges",
  params: fc.record({
    index: peerIndex,
    nonce,
    batches: fc.array(fc.array(fc.tuple(format.serverMessage(fc.oneof({ weight: 4, arbitrary: fc.constant(-2) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 5 }) })), fc.array(valueMutation, { maxLength: 1 })), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 10 }),
  }),
  async run(p, ctx) {
    const t = await authenticated(ctx, p.index, p.nonce);
    if (!t) return;
    const id = impersonated(ctx, p.index);
    const batches = p.batches.map((items) => format.serverEnvelope(items.map(([m, ms]) => applyValueMutations(m.origin === -2 ? { ...m, origin: id } : m, ms))));
    t.write(framesOf(batches));
    await observeAfter(ctx, t);
  },
});

const cborAny = family({
  name: "cbor-any",
  weight: 8,
  about: "authenticated, CBOR of any shape, {c: anything}, {s: anything}, and frames of random bytes",
  params: fc.record({
    index: peerIndex,
    nonce,
    values: fc.array(fc.oneof(anyValue, anyValue.map((v) => ({ c: v })), anyValue.map((v) => ({ s: v })), fc.array(anyValue, { maxLength: 4 }).map((v) => ({ s: v }))), { minLength: 1, maxLength: 5 }),
    raw: fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 3 }),
  }),
  async run(p, ctx) {
    const t = await authenticated(ctx, p.index, p.nonce);
    if (!t) return;
    t.write(framesOf(p.values));
    for (const r of p.raw) t.write(format.peerFrame(r));
    await observeAfter(ctx, t);
  },
});

/** Filler for oversized frames, shared across cases. */
const FILLER = new Uint8Array(8 * 1024 * 1024).fill(0x4f);

const oversizedFrames = family({
  name: "oversized-frame",
  weight: 2,
  about: "authenticated, a frame announcing 1 MiB to 4 GiB, with part of it sent, held while the server is probed",
  params: fc.record({
    index: peerIndex,
    nonce,
    declared: fc.constantFrom(1 << 20, 64 << 20, 511 << 20, format.FRAME_BYTES_MAX, format.FRAME_BYTES_MAX + 1, 0xffffffff),
    sentBytes: fc.constantFrom(0, 1 << 20, 64 << 20, 300 << 20),
    holdMs,
  }),
  async run(p, ctx) {
    const t = await authenticated(ctx, p.index, p.nonce);
    if (!t) return;
    t.write(format.peerFrame(new Uint8Array(0), p.declared));
    let left = Math.min(p.sentBytes, p.declared - 1);
    while (left > 0 && !t.closed) {
      const n = Math.min(left, FILLER.length);
      t.write(FILLER.subarray(0, n));
      left -= n;
      await t.drained(2_000);
    }
    await ctx.hold(p.holdMs);
    ctx.observe(t.closed ? "closed" : "kept open");
  },
});

const dialerSide = family({
  name: "dialer-side",
  weight: 3,
  about: "the impersonated peers answer the server's own dials with a mutated challenge, no challenge, a huge frame, ok too early, or garbage after ok",
  params: fc.record({
    nonce,
    reply: fc.constantFrom<DialReply[]>("garbage", "no-nonce", "nonce-not-bytes", "huge-frame", "ok-first", "valid", "valid-then-garbage", "silent"),
    garbage: fc.uint8Array({ minLength: 1, maxLength: 200 }),
    ms: fc.integer({ min: 1_000, max: 2_500 }),
  }),
  async run(p, ctx) {
    const dials = await setup(ctx).answerDialsFor({ reply: p.reply, nonce: p.nonce, garbage: p.garbage }, p.ms);
    ctx.observe(dials > 0 ? "dialed" : "not dialed");
  },
});

export const peerFamilies: readonly AnyFamily[] = [handshakeRandom, handshakeMutated, handshakeStall, consensusMessages, serverMessages, cborAny, oversizedFrames, dialerSide];
