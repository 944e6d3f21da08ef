// Bad input on both client ports (fast-check, bounded runs, replayable from the printed
// seed): random bytes, truncated and oversized frames, unknown ops, invalid paths. The server
// answers with errors or closes that connection, keeps serving another client, and loses
// nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { encode } from "cbor-x";
import { CloseReason, CreateMode, NativeCodec, OPEN_ACL_UNSAFE, pathProblem, type ClientFrame } from "@warden/protocol";
import type { Client } from "@warden/client";
import { startStandalone, text, waitFor, type Standalone } from "./harness.js";
import { connectFrame, openNative, openTcp, type RawTcp } from "./raw.js";

const RUNS = 60;
const PING_XID = 0x7ffffff0;
const WITNESS_NODES = 40;
let s: Standalone;
let witness: Client;
beforeAll(async () => {
  s = await startStandalone();
  witness = await s.client();
  await witness.create("/witness");
  for (let n = 0; n < WITNESS_NODES; n++) await witness.create(`/witness/n${n}`, `v${n}`);
  await witness.create("/witness-eph", "", { mode: CreateMode.EPHEMERAL });
});
afterAll(() => s?.stop());

/** Nothing was lost and both ports still serve: the witness session and a new one. */
async function serverIsWhole(): Promise<void> {
  const children = await witness.getChildren("/witness");
  expect(children.length).toBe(WITNESS_NODES);
  for (let n = 0; n < WITNESS_NODES; n += 13) expect(text((await witness.getData(`/witness/n${n}`)).data)).toBe(`v${n}`);
  expect(await witness.getEphemerals()).toEqual(["/witness-eph"]);
  const fresh = await s.client();
  await fresh.create("/after-fuzz-", "", { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
  await fresh.close();
  const zk = await openTcp(s.server.ports.client);
  zk.socket.write(zkConnect());
  await waitFor("a ZooKeeper-protocol handshake after the fuzzing", () => zk.received().length >= 4 + 36);
  zk.socket.destroy();
}

// ---- native (WebSocket + CBOR) ----

const validRequest = (xid: number): ClientFrame => ({
  kind: "request",
  xid,
  request: { type: "create", path: "/fuzz-valid", data: new Uint8Array(3), acl: [...OPEN_ACL_UNSAFE], mode: 0 },
});
const badPath = fc.oneof(
  fc.constantFrom("", "no-slash", "/a//b", "/a/", "/a\u0000b", "/.", "/a/..", "/\ud800", "/zookeeper/\u0001"),
  // Any string the protocol refuses as a path ("/" and "/zookeeper" are valid, and answered).
  fc.string({ maxLength: 20 }).filter((p) => pathProblem(p) !== undefined),
);
type NativeCase = { name: string; connectFirst: boolean; frames: Array<{ bytes: Uint8Array; binary: boolean }> };
const codec = new NativeCodec();
const bin = (bytes: Uint8Array) => ({ bytes, binary: true });
const nativeCase: fc.Arbitrary<NativeCase> = fc.oneof(
  fc.record({
    name: fc.constant("random bytes"),
    connectFirst: fc.boolean(),
    frames: fc.array(fc.uint8Array({ maxLength: 300 }).map(bin), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    name: fc.constant("text frame"),
    connectFirst: fc.boolean(),
    frames: fc.string({ maxLength: 100 }).map((t) => [{ bytes: new TextEncoder().encode(t), binary: false }]),
  }),
  fc.record({
    name: fc.constant("truncated frame"),
    connectFirst: fc.boolean(),
    frames: fc.double({ min: 0, max: 0.99, noNaN: true }).map((f) => {
      const whole = codec.encodeClientFrame(validRequest(1));
      return [bin(whole.subarray(0, Math.floor(whole.length * f)))];
    }),
  }),
  fc.record({
    name: fc.constant("CBOR of any shape"),
    connectFirst: fc.boolean(),
    frames: fc.anything({ maxDepth: 3 }).map((v) => [bin(new Uint8Array(encode(v)))]),
  }),
  fc.record({
    name: fc.constant("unknown op"),
    connectFirst: fc.constant(true),
    frames: fc
      .tuple(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 2 ** 31 + 5 }))
      .map(([type, xid]) => [bin(new Uint8Array(encode({ kind: "request", xid, request: { type, path: "/" } })))]),
  }),
  fc.record({
    name: fc.constant("invalid path"),
    connectFirst: fc.constant(true),
    frames: fc.tuple(badPath, fc.constantFrom("getData", "create", "delete", "setData", "getChildren", "exists")).map(([path, type]) => [
      bin(
        codec.encodeClientFrame({
          kind: "request",
          xid: 7,
          request: {
            type,
            path,
            data: new Uint8Array(0),
            acl: [...OPEN_ACL_UNSAFE],
            mode: 0,
            version: -1,
            watch: false,
            withStat: false,
          } as never,
        }),
      ),
    ]),
  }),
);

describe("bad input on the native (WebSocket) port", () => {
  it("every bad frame gets an error reply or a closed connection, never a hang", async () => {
    await fc.assert(
      fc.asyncProperty(nativeCase, async (c) => {
        const raw = await openNative(s.server.ports.native);
        try {
          if (c.connectFirst) {
            raw.send(connectFrame());
            expect((await raw.frames.next("connected", 1, 3000)).kind).toBe("connected");
          }
          for (const f of c.frames) raw.sendBytes(f.bytes, f.binary);
          // A ping after the bad input: either it is answered (so everything before it was), or the connection ends.
          raw.send({ kind: "request", xid: PING_XID, request: { type: "ping" } });
          await waitFor(
            `the server to answer or close after ${c.name}`,
            () => raw.isClosed() || raw.frames.items.some((f) => f.kind === "reply" && f.xid === PING_XID),
            3000,
          );
          for (const f of raw.frames.items) {
            if (f.kind === "reply" && f.xid !== PING_XID) expect(f.err, `a reply to ${c.name}`).not.toBe(0);
            if (f.kind === "close") expect([CloseReason.BAD_FRAME, CloseReason.SESSION_EXPIRED]).toContain(f.reason);
          }
        } finally {
          raw.close();
        }
      }),
      { numRuns: RUNS },
    );
    await serverIsWhole();
  });

  it("a frame over frameBytesMax closes the connection", async () => {
    const raw = await openNative(s.server.ports.native);
    raw.send(connectFrame());
    await raw.frames.next("connected");
    raw.sendBytes(new Uint8Array(1024 * 1024 + 64 * 1024 + 1));
    await raw.closed;
    await serverIsWhole();
  });
});

// ---- ZooKeeper (jute over TCP) ----

function zkConnect(): Uint8Array {
  return frame((w) => w.int(0).long(0n).int(4000).long(0n).buffer(new Uint8Array(16)).bool(false));
}
class W {
  parts: number[] = [];
  int(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(...b);
    return this;
  }
  long(v: bigint) {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    this.parts.push(...b);
    return this;
  }
  bool(v: boolean) {
    this.parts.push(v ? 1 : 0);
    return this;
  }
  buffer(v: Uint8Array) {
    this.int(v.length);
    this.parts.push(...v);
    return this;
  }
  string(v: string) {
    return this.buffer(new TextEncoder().encode(v));
  }
}
function frame(build: (w: W) => W): Uint8Array {
  const body = build(new W()).parts;
  return new Uint8Array([...new W().int(body.length).parts, ...body]);
}
const zkPing = () => frame((w) => w.int(-2).int(11));

/** Reply headers (xid, err) in what the server sent after the 4+36-byte handshake. */
function zkReplies(t: RawTcp): Array<{ xid: number; err: number }> {
  const b = t.received();
  const out: Array<{ xid: number; err: number }> = [];
  let at = 0;
  let first = true;
  while (at + 4 <= b.length) {
    const len = b.readInt32BE(at);
    if (at + 4 + len > b.length) break;
    if (!first && len >= 16) out.push({ xid: b.readInt32BE(at + 4), err: b.readInt32BE(at + 16) });
    first = false;
    at += 4 + len;
  }
  return out;
}

type ZkCase = { name: string; connectFirst: boolean; bytes: Uint8Array; thenEnd: boolean };
const zkCase: fc.Arbitrary<ZkCase> = fc.oneof(
  // Random bytes may announce a long frame: the server rightly waits for it, so end our side.
  fc.record({
    name: fc.constant("random bytes"),
    connectFirst: fc.boolean(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    thenEnd: fc.constant(true),
  }),
  fc.record({
    name: fc.constant("truncated frame"),
    connectFirst: fc.boolean(),
    bytes: fc.integer({ min: 1, max: 20 }).map((cut) => frame((w) => w.int(5).int(4).string("/witness").bool(false)).subarray(0, cut)),
    thenEnd: fc.constant(true),
  }),
  fc.record({
    name: fc.constant("bad length"),
    connectFirst: fc.boolean(),
    bytes: fc
      .constantFrom(-1, -0x80000000, 1024 * 1024 + 64 * 1024 + 1, 0x7fffffff)
      .map((len) => new Uint8Array(new W().int(len).int(1).parts)),
    thenEnd: fc.constant(false),
  }),
  fc.record({
    name: fc.constant("unknown op"),
    connectFirst: fc.constant(true),
    bytes: fc
      .integer({ min: -200, max: 300 })
      .filter(
        (op) =>
          ![1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 100, 101, 103, 104, 105, 106, 107, -11, 0].includes(
            op,
          ),
      )
      .map((op) => frame((w) => w.int(9).int(op).string("/"))),
    thenEnd: fc.constant(false),
  }),
  fc.record({
    name: fc.constant("invalid path"),
    connectFirst: fc.constant(true),
    bytes: fc.tuple(badPath, fc.constantFrom(3, 4, 8, 12)).map(([path, op]) => frame((w) => w.int(9).int(op).string(path).bool(false))),
    thenEnd: fc.constant(false),
  }),
);

describe("bad input on the ZooKeeper (TCP) port", () => {
  it("every bad frame gets an error reply or a closed connection, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(zkCase, async (c) => {
        const t = await openTcp(s.server.ports.client);
        try {
          if (c.connectFirst) {
            t.socket.write(zkConnect());
            await waitFor("the handshake", () => t.received().length >= 40, 3000);
          }
          t.socket.write(c.bytes);
          if (c.thenEnd) t.socket.end();
          else t.socket.write(zkPing());
          await waitFor(
            `the server to answer or close after ${c.name}`,
            () => t.isClosed() || zkReplies(t).some((r) => r.xid === -2),
            3000,
          );
          for (const r of zkReplies(t)) if (r.xid !== -2) expect(r.err, `a reply to ${c.name}`).not.toBe(0);
        } finally {
          t.socket.destroy();
        }
      }),
      { numRuns: RUNS },
    );
    await serverIsWhole();
  });
});
