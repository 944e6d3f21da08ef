// The native port below the ws library: the HTTP upgrade itself, WebSocket frames built by
// hand (reserved bits, unknown opcodes, unmasked, lengths that lie, endless fragments), and
// many connections that never get as far as a session.
import fc from "fast-check";
import { family, type AnyFamily } from "../family.js";
import { RawTcp } from "../wire.js";
import { encodeWsFrame, openUpgraded, upgradeRequest, type WsFrameSpec } from "../ws-raw.js";
import { ANSWER_MS, codec, connectFrame, requestFrame } from "./native-session.js";
import { request } from "./requests.js";

const holdMs = fc.integer({ min: 1_500, max: 3_000 });
const key = fc.uint8Array({ minLength: 16, maxLength: 16 });

const payload = fc.oneof(
  { weight: 3, arbitrary: request.map((r) => requestFrame(3, r)) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 256 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 5_000 }), fc.string({ maxLength: 140 }))
      .map(([code, reason]) => new Uint8Array([code >> 8, code & 0xff, ...new TextEncoder().encode(reason)])),
  },
  { weight: 1, arbitrary: fc.integer({ min: 126, max: 70_000 }).map((n) => new Uint8Array(n).fill(0x70)) },
);

const wsFrame: fc.Arbitrary<WsFrameSpec> = fc.record({
  fin: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  rsv: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
  opcode: fc.oneof(
    { weight: 6, arbitrary: fc.constant(2) },
    { weight: 3, arbitrary: fc.constantFrom(0, 1, 8, 9, 10) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
  ),
  masked: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  maskKey: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  payload,
  declaredLength: fc.option(fc.constantFrom(0n, 1n, 2n ** 31n, 2n ** 32n, 2n ** 40n, 2n ** 63n - 1n, 2n ** 64n - 1n), {
    freq: 10,
    nil: undefined,
  }),
});

const masked = (payloadBytes: Uint8Array, opcode = 2, fin = true): Uint8Array =>
  encodeWsFrame({ fin, rsv: 0, opcode, masked: true, maskKey: new Uint8Array([1, 2, 3, 4]), payload: payloadBytes });

const rawFrames = family({
  name: "raw-ws-frames",
  weight: 8,
  about:
    "after the upgrade, hand-built WebSocket frames: reserved bits, unknown opcodes, unmasked, fragments, big control frames, lying lengths",
  params: fc.record({ key, connect: fc.boolean(), frames: fc.array(wsFrame, { minLength: 1, maxLength: 8 }) }),
  input: (p) => p.frames.map(encodeWsFrame),
  async run(p, ctx) {
    const t = await openUpgraded(ctx.pool, ctx.ports.native, p.key, { localAddress: ctx.source(0) });
    if (!t) return void ctx.observe("upgrade refused");
    if (p.connect) t.write(masked(codec.encodeClientFrame(connectFrame())));
    for (const f of p.frames) t.write(encodeWsFrame(f));
    t.end();
    ctx.observe((await t.closedWithin(ANSWER_MS)) ? "closed" : "left open");
  },
});

/** One message in `fragments` masked fragments of `fragmentBytes`, in one write. */
function fragments(p: { fragments: number; fragmentBytes: number; pings: boolean; finish: boolean }): Uint8Array {
  const chunk = new Uint8Array(p.fragmentBytes).fill(0x66);
  const parts: Uint8Array[] = [masked(chunk, 2, false)];
  for (let i = 1; i < p.fragments; i++) {
    parts.push(masked(chunk, 0, p.finish && i === p.fragments - 1));
    if (p.pings && i % 10 === 0) parts.push(masked(new Uint8Array(4), 9));
  }
  return Buffer.concat(parts);
}

const fragmentFlood = family({
  name: "fragment-flood",
  weight: 3,
  about: "one binary message in 100 to 5,000 fragments (pings between them), finished or not",
  params: fc.record({
    key,
    fragments: fc.integer({ min: 100, max: 5_000 }),
    fragmentBytes: fc.integer({ min: 1, max: 1_024 }),
    pings: fc.boolean(),
    finish: fc.boolean(),
  }),
  input: (p) => [fragments(p)],
  async run(p, ctx) {
    const t = await openUpgraded(ctx.pool, ctx.ports.native, p.key, { localAddress: ctx.source(0) });
    if (!t) return void ctx.observe("upgrade refused");
    t.write(masked(codec.encodeClientFrame(connectFrame())));
    t.write(fragments(p));
    ctx.observe((await t.closedWithin(2 * ANSWER_MS)) ? "closed" : "left open");
  },
});

const httpGarbage = family({
  name: "http-garbage",
  weight: 4,
  about: "the HTTP upgrade malformed: no key, wrong version, other methods and paths, huge or many headers, random bytes",
  params: fc.record({
    key,
    kind: fc.constantFrom<GarbageKind[]>(
      "random",
      "no-key",
      "version-8",
      "short-key",
      "post",
      "path",
      "huge-header",
      "many-headers",
      "no-upgrade",
      "h2c",
    ),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 512 }),
    size: fc.constantFrom(8_000, 16_385, 100_000, 1_000_000),
  }),
  input: (p, env) => [upgradeText(p, env.ports.native)],
  async run(p, ctx) {
    const t = await RawTcp.open(ctx.pool, ctx.ports.native, { localAddress: ctx.source(0) });
    t.write(upgradeText(p, ctx.ports.native));
    const closed = await t.closedWithin(ANSWER_MS);
    const status = t.received().subarray(0, 12).toString();
    ctx.observe(status === "HTTP/1.1 101" ? "upgraded" : closed ? `closed after ${status || "nothing"}` : "left open");
  },
});

type GarbageKind =
  | "random"
  | "no-key"
  | "version-8"
  | "short-key"
  | "post"
  | "path"
  | "huge-header"
  | "many-headers"
  | "no-upgrade"
  | "h2c";

/** The malformed upgrade of an http-garbage case (only its kind is built). */
function upgradeText(p: { key: Uint8Array; kind: GarbageKind; bytes: Uint8Array; size: number }, port: number): string | Uint8Array {
  const valid = upgradeRequest(port, p.key);
  const text: Record<GarbageKind, () => string | Uint8Array> = {
    random: () => p.bytes,
    "no-key": () => valid.replace(/Sec-WebSocket-Key: .*\r\n/, ""),
    "version-8": () => valid.replace("Version: 13", "Version: 8"),
    "short-key": () => valid.replace(/Sec-WebSocket-Key: .*\r\n/, "Sec-WebSocket-Key: c2hvcnQ=\r\n"),
    post: () => valid.replace("GET", "POST"),
    path: () => valid.replace("GET / ", `GET /${"a".repeat(p.size)} `),
    "huge-header": () => upgradeRequest(port, p.key, `X-Big: ${"b".repeat(p.size)}\r\n`),
    "many-headers": () => upgradeRequest(port, p.key, `X-Many: 1\r\n`.repeat(Math.floor(p.size / 12))),
    "no-upgrade": () => valid.replace("Upgrade: websocket\r\n", ""),
    h2c: () => valid.replace("Upgrade: websocket", "Upgrade: h2c"),
  };
  return text[p.kind]();
}

const manyConnections = family({
  name: "many-connections",
  weight: 2,
  about: "50 to 500 connections held: TCP only, half an upgrade, upgraded without a session, or sessions that send nothing more",
  params: fc.record({
    key,
    connections: fc.integer({ min: 50, max: 500 }),
    stage: fc.constantFrom("tcp", "half-upgrade", "upgraded", "connect-sent"),
    holdMs,
  }),
  async run(p, ctx) {
    const upgrade = upgradeRequest(ctx.ports.native, p.key);
    for (let i = 0; i < p.connections; i++) {
      const t = await RawTcp.open(ctx.pool, ctx.ports.native, { localAddress: ctx.source(i) });
      if (p.stage === "half-upgrade") t.write(upgrade.slice(0, upgrade.length >> 1));
      else if (p.stage !== "tcp") t.write(upgrade);
      if (p.stage === "connect-sent") t.write(masked(codec.encodeClientFrame(connectFrame())));
    }
    await ctx.hold(p.holdMs);
  },
});

export const nativeRawFamilies: readonly AnyFamily[] = [rawFrames, fragmentFlood, httpGarbage, manyConnections];
