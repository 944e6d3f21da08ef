// The peer target: the server's server.N port, with the fuzzer impersonating the observers
// its configuration names (it knows the ensemble secret). The handshake fuzzed itself;
// then, authenticated (every frame with its right MAC, so the messages reach the server's
// checks), random and mutated CBOR messages, consensus and server messages with fields on
// their edges, oversized frames, and frames whose MAC is broken; and the other direction: the
// fuzzer answers the server's own dial with a mutated handshake. The format lives in
// peer-format.ts.
import fc from "fast-check";
import { family, type AnyFamily, type CaseContext, type PeerSetup } from "../family.js";
import {
  anyValue,
  applyByteMutations,
  applyValueMutations,
  byteMutation,
  valueMutation,
  type ByteMutation,
  type ValueMutation,
} from "../mutate.js";
import { withinBytes } from "../size.js";
import { MIB } from "../units.js";
import { RawTcp } from "../wire.js";
import * as format from "./peer-format.js";
import type { DialReply } from "./peer-listener.js";

/** How long a peer case waits for each handshake frame. */
const HANDSHAKE_MS = 3_000;
/** How long a peer case waits for an answer or the close. */
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

/** A connection past the handshake: `sealer` makes the frames (MAC'd, in sequence) the server takes. */
interface Session {
  t: RawTcp;
  sealer: format.Sealer;
}

/**
 * A connection past the handshake as peer `id`, or undefined (observed) if the server refused
 * it. A challenge or an ok whose proof or MAC the fuzzer cannot check throws: the fuzzer's
 * format and the server's disagree, and the message families would test nothing.
 */
async function authenticated(ctx: CaseContext, index: number, myNonce: Uint8Array): Promise<Session | undefined> {
  const peer = setup(ctx);
  const id = peer.impersonatedIds[index % peer.impersonatedIds.length]!;
  const { t, frames } = await dial(ctx);
  t.write(format.peerFrame(format.encodePeer(format.hello(id, peer.serverId, myNonce))));
  await t.until(() => t.closed || frames.length >= 1, HANDSHAKE_MS);
  const c = frames[0] && format.challengeOf(frames[0]);
  if (!c) return void ctx.observe("no challenge");
  const accept = format.proofOf(peer.secret, "accept", id, peer.serverId, myNonce, c.nonce);
  if (c.id !== peer.serverId || !(c.proof instanceof Uint8Array) || !Buffer.from(c.proof).equals(accept))
    throw new Error("the server's challenge fails the fuzzer's check of its proof (peer-format.ts and handshake.ts disagree)");
  t.write(format.peerFrame(format.encodePeer({ proof: format.proofOf(peer.secret, "dial", id, peer.serverId, myNonce, c.nonce) })));
  await t.until(() => t.closed || frames.length >= 2, HANDSHAKE_MS);
  if (!frames[1]) return void ctx.observe("handshake refused");
  const fromServer = new format.Sealer(format.frameKey(peer.secret, "acceptor->dialer", id, peer.serverId, myNonce, c.nonce));
  if (!format.isOk(fromServer.open(frames[1])))
    throw new Error("the server's ok fails the fuzzer's check of its MAC (peer-format.ts and frame-mac.ts disagree)");
  return { t, sealer: new format.Sealer(format.frameKey(peer.secret, "dialer->acceptor", id, peer.serverId, myNonce, c.nonce)) };
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
  input: (chunks) => chunks,
  async run(chunks, ctx) {
    const { t } = await dial(ctx);
    await t.writeParts(chunks);
    await observeAfter(ctx, t);
  },
});

/** Ids for building a case's input outside a run (the bound test). */
const STAND_IN_IDS = { serverId: 1, impersonatedIds: [2, 3] } as const;
type PeerIds = { readonly serverId: number; readonly impersonatedIds: readonly number[] };

function helloOf(
  p: { index: number; id: unknown; nonce: Uint8Array; helloMutations: readonly ValueMutation[]; to: unknown; bytes: ByteMutation[] },
  peer: PeerIds,
): Uint8Array {
  const id = p.id === undefined ? peer.impersonatedIds[p.index]! : p.id;
  const to = p.to === undefined ? peer.serverId : p.to;
  return applyByteMutations(
    format.encodePeer(applyValueMutations({ ...format.hello(id as number, peer.serverId, p.nonce), to }, p.helloMutations)),
    p.bytes,
  );
}

const handshakeMutated = family({
  name: "handshake-mutated",
  weight: 10,
  about:
    "a hello and a proof with fields mutated, wrong ids (self, unknown, not integers), `to` naming another server, proofs wrong, short, missing, with the acceptor's label, early or twice, frames over the handshake limit",
  params: fc.record({
    index: peerIndex,
    id: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom(1, 0, -1, 4, 2 ** 31, 1.5), anyValue) },
    ),
    nonce,
    helloMutations: fc.oneof(
      { weight: 2, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(valueMutation, { minLength: 1, maxLength: 2 }) },
    ),
    to: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(2, 3, 0, -1, "1") }),
    proof: fc.constantFrom("right", "wrong", "short", "missing", "not-bytes", "accept-label", "early", "twice"),
    bytes: fc.array(byteMutation, { maxLength: 2 }),
    oversized: fc.option(fc.constantFrom(1_025, 65_536, 1 << 20, 0xffffffff), { freq: 6, nil: undefined }),
  }),
  input: (p, env) => [helloOf(p, env.peerIds ?? STAND_IN_IDS)],
  async run(p, ctx) {
    const peer = setup(ctx);
    const id = p.id === undefined ? peer.impersonatedIds[p.index]! : p.id;
    const { t, frames } = await dial(ctx);
    const helloBytes = helloOf(p, peer);
    if (p.oversized !== undefined) t.write(format.peerFrame(helloBytes, p.oversized));
    else t.write(format.peerFrame(helloBytes));
    const proofFor = (theirs: Uint8Array) => {
      const right = format.proofOf(peer.secret, "dial", Number(id), peer.serverId, p.nonce, theirs);
      const acceptLabel = format.proofOf(peer.secret, "accept", Number(id), peer.serverId, p.nonce, theirs);
      return {
        right,
        wrong: right.map((b) => b ^ 1),
        short: right.subarray(0, 16),
        missing: undefined,
        "not-bytes": "proof",
        "accept-label": acceptLabel,
        early: right,
        twice: right,
      }[p.proof];
    };
    if (p.proof === "early") t.write(format.peerFrame(format.encodePeer({ proof: new Uint8Array(32) })));
    await t.until(() => t.closed || frames.length >= 1, ANSWER_MS);
    const theirs = frames[0] && format.challengeOf(frames[0])?.nonce;
    if (theirs) {
      const proof = format.peerFrame(format.encodePeer({ proof: proofFor(theirs) }));
      t.write(proof);
      if (p.proof === "twice") t.write(proof);
    }
    await t.until(() => t.closed || frames.length >= 2, ANSWER_MS);
    // The ok is MAC'd: any frame after a right proof is it; a refusal closes.
    ctx.observe(frames[1] ? "authenticated" : t.closed ? "refused" : "silent");
  },
});

const handshakeStall = family({
  name: "handshake-stall",
  weight: 2,
  about: "10 to 200 connections that stall: before the hello, inside a frame, after the hello, after the challenge",
  params: fc.record({
    index: peerIndex,
    nonce,
    connections: fc.integer({ min: 10, max: 200 }),
    stage: fc.constantFrom("nothing", "partial-frame", "hello"),
    holdMs,
  }),
  async run(p, ctx) {
    const peer = setup(ctx);
    const helloFrame = format.peerFrame(format.encodePeer(format.hello(peer.impersonatedIds[p.index]!, peer.serverId, p.nonce)));
    for (let i = 0; i < p.connections; i++) {
      const { t } = await dial(ctx, i);
      if (p.stage === "partial-frame") t.write(helloFrame.subarray(0, helloFrame.length - 3));
      else if (p.stage === "hello") t.write(helloFrame);
    }
    await ctx.hold(p.holdMs);
  },
});

/** The messages' payloads, the byte mutations of each applied (before the MAC, so they reach the decoder). */
const payloadsOf = (messages: readonly unknown[], bytes: readonly ByteMutation[][] = []): Uint8Array[] =>
  messages.map((m, i) => applyByteMutations(format.encodePeer(m), bytes[i] ?? []));

/** Encodes the messages as frames with their MACs. */
const framesOf = (session: Session, messages: readonly unknown[], bytes: readonly ByteMutation[][] = []) =>
  Buffer.concat(payloadsOf(messages, bytes).map((payload) => session.sealer.frame(payload)));

const consensusOf = (
  p: { index: number; messages: ReadonlyArray<readonly [Record<string, unknown>, readonly ValueMutation[]]> },
  peer: PeerIds,
): unknown[] =>
  p.messages.map(([m, ms]) =>
    format.consensusEnvelope(
      applyValueMutations({ ...m, from: m.from === -2 ? peer.impersonatedIds[p.index]! : m.from, to: peer.serverId }, ms),
    ),
  );

const consensusMessages = family({
  name: "consensus-messages",
  weight: 12,
  about: "authenticated, up to 30 consensus messages of every type with epochs, zxids and entries on their edges, some with a wrong `from`",
  params: fc.record({
    index: peerIndex,
    nonce,
    messages: fc.array(
      fc.tuple(
        consensusMessage(),
        fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(valueMutation, { maxLength: 2 }) }),
      ),
      { minLength: 1, maxLength: 30 },
    ),
    bytes: fc.array(fc.array(byteMutation, { maxLength: 1 }), { maxLength: 30 }),
  }),
  input: (p, env) => payloadsOf(consensusOf(p, env.peerIds ?? STAND_IN_IDS), p.bytes),
  async run(p, ctx) {
    const session = await authenticated(ctx, p.index, p.nonce);
    if (!session) return;
    session.t.write(framesOf(session, consensusOf(p, setup(ctx)), p.bytes));
    await observeAfter(ctx, session.t);
  },
});

/** Consensus messages; `from` -2 stands for the impersonated id (filled in at run time). */
function consensusMessage() {
  return format.consensusMessage(
    fc.oneof({ weight: 6, arbitrary: fc.constant(-2) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 5 }) }),
    1,
  );
}

const batchesOf = (
  p: { index: number; batches: ReadonlyArray<ReadonlyArray<readonly [Record<string, unknown>, readonly ValueMutation[]]>> },
  peer: PeerIds,
): unknown[] =>
  p.batches.map((items) =>
    format.serverEnvelope(
      items.map(([m, ms]) => applyValueMutations(m.origin === -2 ? { ...m, origin: peer.impersonatedIds[p.index]! } : m, ms)),
    ),
  );

/** The bytes of a server-messages case's batches (the first item is always kept): over the server's peer frame limit, not without bound. */
const BATCHES_BYTES_MAX = 4 * MIB;

const serverMessages = family({
  name: "server-messages",
  weight: 8,
  about: "authenticated, batches of forwarded writes (as superuser or not), forward failures and session touches, fields on their edges",
  params: fc.record({
    index: peerIndex,
    nonce,
    // Forwarded writes carry requests of up to a few MiB (requests.ts): batches are drawn within BATCHES_BYTES_MAX.
    batches: fc
      .array(
        fc
          .array(
            fc.tuple(
              format.serverMessage(
                fc.oneof({ weight: 4, arbitrary: fc.constant(-2) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 5 }) }),
              ),
              fc.array(valueMutation, { maxLength: 1 }),
            ),
            { minLength: 1, maxLength: 5 },
          )
          .map(withinBytes(BATCHES_BYTES_MAX)),
        { minLength: 1, maxLength: 10 },
      )
      .map(withinBytes(BATCHES_BYTES_MAX)),
  }),
  input: (p, env) => payloadsOf(batchesOf(p, env.peerIds ?? STAND_IN_IDS)),
  async run(p, ctx) {
    const session = await authenticated(ctx, p.index, p.nonce);
    if (!session) return;
    session.t.write(framesOf(session, batchesOf(p, setup(ctx))));
    await observeAfter(ctx, session.t);
  },
});

const cborAny = family({
  name: "cbor-any",
  weight: 8,
  about: "authenticated, CBOR of any shape, {c: anything}, {s: anything}, and frames of random bytes",
  params: fc.record({
    index: peerIndex,
    nonce,
    values: fc.array(
      fc.oneof(
        anyValue,
        anyValue.map((v) => ({ c: v })),
        anyValue.map((v) => ({ s: v })),
        fc.array(anyValue, { maxLength: 4 }).map((v) => ({ s: v })),
      ),
      { minLength: 1, maxLength: 5 },
    ),
    raw: fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 3 }),
  }),
  input: (p) => [...payloadsOf(p.values), ...p.raw],
  async run(p, ctx) {
    const session = await authenticated(ctx, p.index, p.nonce);
    if (!session) return;
    session.t.write(framesOf(session, p.values));
    for (const r of p.raw) session.t.write(session.sealer.frame(r));
    await observeAfter(ctx, session.t);
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
    const session = await authenticated(ctx, p.index, p.nonce);
    if (!session) return;
    const t = session.t;
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

const frameMac = family({
  name: "frame-mac",
  weight: 4,
  about:
    "authenticated, valid frames and then one whose MAC is broken: a byte flipped, replayed, reordered, without its tag, cut short, or with the other direction's or another connection's tag",
  params: fc.record({
    index: peerIndex,
    nonce,
    valid: fc.array(fc.constant({ s: [] }), { maxLength: 4 }),
    broken: fc.constantFrom("flip", "replay", "reorder", "untagged", "truncate", "peek-sequence"),
    flipAt: fc.nat(),
  }),
  async run(p, ctx) {
    const session = await authenticated(ctx, p.index, p.nonce);
    if (!session) return;
    const payloads = [...p.valid, { s: [] }, { s: [] }].map((m) => format.encodePeer(m));
    const good = payloads.map((b) => session.sealer.frame(b));
    const last = good.length - 2;
    const frames = good.slice(0, last);
    const victim = good[last]!;
    if (p.broken === "flip")
      frames.push(
        Uint8Array.from(victim, (b, i) => (i === format.HEADER_BYTES + (p.flipAt % (victim.length - format.HEADER_BYTES)) ? b ^ 0x01 : b)),
      );
    if (p.broken === "replay") frames.push(victim, victim);
    if (p.broken === "reorder") frames.push(good[last + 1]!, victim);
    if (p.broken === "untagged") frames.push(format.peerFrame(payloads[last]!));
    if (p.broken === "truncate") frames.push(format.peerFrame(victim.subarray(format.HEADER_BYTES, victim.length - 1)));
    // A tag for the right payload but the sequence number already used: a replay made up.
    if (p.broken === "peek-sequence")
      frames.push(good[last + 1]!, format.peerFrame(Buffer.concat([payloads[last]!, session.sealer.tag(payloads[last]!, true)])));
    session.t.write(Buffer.concat(frames));
    await observeAfter(ctx, session.t);
  },
});

const dialerSide = family({
  name: "dialer-side",
  weight: 3,
  about:
    "the impersonated peers answer the server's own dials with a mutated challenge, no challenge, another server's id, a wrong or missing proof, a huge frame, ok too early or without its MAC, or garbage after ok",
  params: fc.record({
    nonce,
    reply: fc.constantFrom<DialReply[]>(
      "garbage",
      "no-nonce",
      "nonce-not-bytes",
      "huge-frame",
      "ok-first",
      "wrong-id",
      "bad-proof",
      "no-proof",
      "dial-label",
      "ok-untagged",
      "valid",
      "valid-then-garbage",
      "silent",
    ),
    garbage: fc.uint8Array({ minLength: 1, maxLength: 200 }),
    ms: fc.integer({ min: 1_000, max: 2_500 }),
  }),
  async run(p, ctx) {
    const dials = await setup(ctx).answerDialsFor({ reply: p.reply, nonce: p.nonce, garbage: p.garbage }, p.ms);
    ctx.observe(dials > 0 ? "dialed" : "not dialed");
  },
});

export const peerFamilies: readonly AnyFamily[] = [
  handshakeRandom,
  handshakeMutated,
  handshakeStall,
  consensusMessages,
  serverMessages,
  cborAny,
  oversizedFrames,
  frameMac,
  dialerSide,
];
