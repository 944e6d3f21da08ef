// The jute cases seen in the field: the request cases of field-cases.ts on a jute session,
// and the ones below the session: handshake floods, partial frames and half-open
// connections held while the server is probed.
import fc from "fast-check";
import { jute, type Request } from "@warden/protocol";
import { family, type AnyFamily, type CaseContext } from "../family.js";
import { JuteConnection, handshakeRequest } from "../jute-connection.js";
import { concatBytes } from "../mutate.js";
import { RawTcp } from "../wire.js";
import { requestCaseFamilies, type RequestCase } from "./field-cases.js";
import { ANSWER_MS, juteSession, observePing } from "./jute-session.js";

/** A big write (10,000 creates) may wait for an fsync on a loaded machine. */
const BIG_ANSWER_MS = 10_000;
const holdMs = fc.integer({ min: 1_500, max: 3_000 });

const frames = (requests: readonly Request[]) => concatBytes(requests.map((request, i) => jute.encodeRequest({ xid: i + 1, request })));

/** A request case on a jute session: pipelined, then the last reply awaited (or the connection held), then its listing as a four-letter word. */
async function runOnJute<P>(rc: RequestCase<P>, p: P, ctx: CaseContext): Promise<void> {
  const c = await juteSession(ctx);
  if (!c) return;
  if (rc.unread?.(p)) c.tcp.stopReading();
  const requests = rc.requests(p, ctx);
  c.send(frames(requests));
  if (rc.holdMs) {
    await ctx.hold(rc.holdMs(p));
    ctx.observe(c.unparsable ? "reply over 64 MiB" : c.repliesReceived > 0 ? "replied" : c.closed ? "closed" : "no reply");
  } else {
    const r = await c.reply(requests.length, BIG_ANSWER_MS);
    ctx.observe(r ? (r.err === 0 ? "answered" : `error ${r.err}`) : c.unparsable ? "reply over 64 MiB" : c.closed ? "closed" : "no reply");
    if (!c.closed) await observePing(ctx, c);
  }
  const word = rc.listing?.(p);
  if (word) {
    const w = await RawTcp.open(ctx.pool, ctx.ports.client, { localAddress: ctx.source(1) });
    w.write(word);
    await w.closedWithin(2 * ANSWER_MS);
  }
}

function connects(p: { count: number; sessionId: bigint }): Uint8Array {
  const one = jute.encodeConnectRequest(handshakeRequest({ sessionId: p.sessionId }));
  return concatBytes(Array.from({ length: p.count }, () => one));
}

const connectFlood = family({
  name: "connect-flood",
  weight: 1.5,
  about: "thousands of ConnectRequests in one write on one connection",
  params: fc.record({ count: fc.integer({ min: 1_000, max: 5_000 }), sessionId: fc.constantFrom(0n, 1n, 0x7fffffffffffffffn) }),
  input: (p) => [connects(p)],
  async run(p, ctx) {
    const c = await JuteConnection.open(ctx.pool, ctx.ports.client, { localAddress: ctx.source(0) });
    c.send(connects(p));
    ctx.observe((await c.tcp.closedWithin(2 * ANSWER_MS)) ? "closed" : c.connectResponse ? "session, left open" : "silent");
  },
});

/** One shared buffer of filler bytes, so holding hundreds of partial frames costs the fuzzer nothing. */
const FILLER = new Uint8Array(2 * 1024 * 1024).fill(0x41);

const partialFrames = family({
  name: "partial-frames",
  weight: 1.5,
  about: "20 to 300 connections, from one address or a few, each holding a partial 1.1 MB first frame",
  params: fc.record({
    connections: fc.integer({ min: 20, max: 300 }),
    frameBytes: fc.integer({ min: 1_100_000, max: 1_114_112 }),
    missingBytes: fc.integer({ min: 1, max: 1_000 }),
    oneAddress: fc.boolean(),
    holdMs,
  }),
  async run(p, ctx) {
    const header = new Uint8Array(4);
    new DataView(header.buffer).setInt32(0, p.frameBytes);
    for (let i = 0; i < p.connections; i++) {
      const t = await RawTcp.open(ctx.pool, ctx.ports.client, { localAddress: ctx.source(p.oneAddress ? 0 : i) });
      t.write(header);
      t.write(FILLER.subarray(0, p.frameBytes - p.missingBytes));
    }
    await ctx.hold(p.holdMs);
  },
});

const neverHandshake = family({
  name: "never-handshake",
  weight: 1.5,
  about: "50 to 1,000 connections that never finish the handshake (nothing, one byte, a length, half a ConnectRequest)",
  params: fc.record({
    connections: fc.integer({ min: 50, max: 1_000 }),
    send: fc.constantFrom("nothing", "one-byte", "length", "half-connect"),
    holdMs,
  }),
  async run(p, ctx) {
    const connect = jute.encodeConnectRequest(handshakeRequest());
    const bytes = {
      nothing: new Uint8Array(0),
      "one-byte": connect.subarray(0, 1),
      length: connect.subarray(0, 4),
      "half-connect": connect.subarray(0, connect.length >> 1),
    }[p.send];
    for (let i = 0; i < p.connections; i++) (await RawTcp.open(ctx.pool, ctx.ports.client, { localAddress: ctx.source(i) })).write(bytes);
    await ctx.hold(p.holdMs);
  },
});

export const juteFieldFamilies: readonly AnyFamily[] = [
  ...requestCaseFamilies(runOnJute, (xid, request) => jute.encodeRequest({ xid, request })),
  connectFlood,
  partialFrames,
  neverHandshake,
];
