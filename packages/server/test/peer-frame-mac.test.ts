// Every frame after the handshake is MAC'd over its direction's sequence number: whoever sits on
// the path without the secret can drop a connection, and nothing else. A frame changed,
// replayed, reordered, cut short or taken from another connection closes that connection
// (bad-mac, logged and counted), and only that one.
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { decode, encode } from "cbor-x";
import fc from "fast-check";
import { FrameOpener, FrameSealer, MAC_TAG_BYTES, PeerMacError } from "../src/peer/frame-mac.js";
import { DialerHandshake, AcceptorHandshake, ensembleSecret, sessionKeys } from "../src/peer/handshake.js";
import { addresses, peerTransport, relay, until, freePort, type RelayedConnection } from "./helpers/peer-net.js";

const secret = new TextEncoder().encode("frame-mac-test-secret");

/** Sealed frames (payload then tag), as a sender writes them. */
function sealAll(key: Uint8Array, payloads: readonly Uint8Array[]): Uint8Array[] {
  const sealer = new FrameSealer(key);
  return payloads.map((p) => Buffer.concat([p, sealer.seal([p])]));
}

/** How many frames an opener takes, in order, before one fails (all: frames.length). */
function openedBeforeFailure(key: Uint8Array, frames: readonly Uint8Array[]): number {
  const opener = new FrameOpener(key);
  for (let i = 0; i < frames.length; i++) {
    try {
      opener.open(frames[i]!);
    } catch (e) {
      expect(e).toBeInstanceOf(PeerMacError);
      return i;
    }
  }
  return frames.length;
}

const payloads = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 });
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("frame MACs (frame-mac.ts)", () => {
  it("frames open in order, to the payloads sent; a frame in parts has the tag of the same frame whole", () => {
    fc.assert(
      fc.property(key, payloads, (k, ps) => {
        const opener = new FrameOpener(k);
        expect(sealAll(k, ps).map((f) => [...opener.open(f)])).toEqual(ps.map((p) => [...p]));
        const p = Buffer.concat(ps);
        expect(new FrameSealer(k).seal(ps)).toEqual(new FrameSealer(k).seal([p]));
      }),
    );
  });

  it("any single-byte change to any frame (payload or tag) is detected at that frame", () => {
    fc.assert(
      fc.property(key, payloads, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (k, ps, frameAt, byteAt, xor) => {
        const frames = sealAll(k, ps);
        const i = frameAt % frames.length;
        const changed = Uint8Array.from(frames[i]!);
        changed[byteAt % changed.length]! ^= xor;
        frames[i] = changed;
        expect(openedBeforeFailure(k, frames)).toBe(i);
      }),
      { numRuns: 500 },
    );
  });

  it("a frame replayed, reordered, dropped, cut short, lengthened or from another key is detected at that frame", () => {
    fc.assert(
      fc.property(
        key,
        key,
        fc.array(fc.uint8Array({ maxLength: 100 }), { minLength: 2, maxLength: 8 }),
        fc.nat(),
        fc.constantFrom("replay", "swap", "drop", "truncate", "extend", "other-key"),
        (k, other, ps, at, how) => {
          fc.pre(!Buffer.from(k).equals(Buffer.from(other)));
          // Distinct payloads: swapping two equal frames changes nothing a receiver could see.
          const distinct = ps.map((p, i) => Buffer.concat([Buffer.from([i]), p]));
          const frames = sealAll(k, distinct);
          const i = at % (frames.length - 1);
          if (how === "replay") frames.splice(i + 1, 0, frames[i]!);
          if (how === "swap") [frames[i], frames[i + 1]] = [frames[i + 1]!, frames[i]!];
          if (how === "drop") frames.splice(i, 1);
          if (how === "truncate") frames[i] = frames[i]!.subarray(0, frames[i]!.length - 1);
          if (how === "extend") frames[i] = Buffer.concat([frames[i]!, Buffer.from([0])]);
          if (how === "other-key") frames[i] = sealAll(other, distinct)[i]!;
          expect(openedBeforeFailure(k, frames)).toBe(how === "replay" ? i + 1 : i);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a frame shorter than its tag is refused with a coded error", () => {
    expect(() => new FrameOpener(new Uint8Array(32)).open(new Uint8Array(MAC_TAG_BYTES - 1))).toThrow(PeerMacError);
  });
});

describe("session keys (handshake.ts)", () => {
  it("differ per direction, per connection (nonces) and per pair of ids; both ends derive the same", () => {
    const s = ensembleSecret(secret);
    const dialer = new DialerHandshake(1, 2, s);
    const acceptor = new AcceptorHandshake(2, [1, 2, 3], s);
    const { reply, keys } = dialer.challenge(acceptor.hello(dialer.hello()));
    const theirs = acceptor.proof(reply)!;
    expect(theirs).toEqual(keys);
    const [n1, n2] = [randomBytes(16), randomBytes(16)];
    const all = [
      keys!.dialerToAcceptor,
      keys!.acceptorToDialer,
      ...Object.values(sessionKeys(secret, 1, 2, n1, n2)),
      ...Object.values(sessionKeys(secret, 3, 2, n1, n2)),
      ...Object.values(sessionKeys(secret, 1, 2, n2, n1)),
    ];
    expect(new Set(all.map((k) => Buffer.from(k).toString("hex"))).size).toBe(all.length);
  });

  it("an acceptor refuses a dialer's proof made for another acceptor, or with the acceptor's label", () => {
    const s = ensembleSecret(secret);
    const dialerFor3 = new DialerHandshake(1, 3, s);
    const three = new AcceptorHandshake(3, [1, 2, 3], s);
    const { reply } = dialerFor3.challenge(three.hello(dialerFor3.hello()));
    const two = new AcceptorHandshake(2, [1, 2, 3], s);
    two.hello({ ...dialerFor3.hello(), to: 2 });
    expect(() => two.proof(reply)).toThrow(/peer 1 does not know the ensemble secret/);
    const fresh = new AcceptorHandshake(2, [1, 2, 3], s);
    const challenge = fresh.hello(new DialerHandshake(1, 2, s).hello());
    expect(() => fresh.proof({ proof: challenge.proof })).toThrow(/does not know the ensemble secret/);
  });

  it("an acceptor refuses a hello meant for another server, from itself, from an unknown id, or of the old protocol", () => {
    const s = ensembleSecret(secret);
    const hello = new DialerHandshake(1, 2, s).hello();
    expect(() => new AcceptorHandshake(3, [1, 2, 3], s).hello(hello)).toThrow(/peer 1 dialed server 2, but this is server 3/);
    expect(() => new AcceptorHandshake(1, [1, 2, 3], s).hello(hello)).toThrow(/unknown peer id 1/);
    expect(() => new AcceptorHandshake(2, [2, 3], s).hello(hello)).toThrow(/unknown peer id 1/);
    expect(() => new AcceptorHandshake(2, [1, 2, 3], s).hello({ ...hello, hello: 1 })).toThrow(/peer protocol 1/);
  });
});

/** What the relay passes on for data frame number `i` of the connection it tampers with. */
type Tamper = (f: Uint8Array, i: number, c: RelayedConnection, earlier: readonly RelayedConnection[]) => Uint8Array[];

/**
 * Server 1 reaches server 2 through a relay on the path (2 listens elsewhere); the relay
 * applies `tamper` to the data frames of 1's connection number `onConnection`.
 */
async function throughRelay(tamper: Tamper, onConnection = 0) {
  const peers = await addresses(3);
  const realPort = await freePort();
  const one = peerTransport(peers, 1, secret);
  const two = peerTransport(peers, 2, secret, { listenPort: realPort });
  const three = peerTransport(peers, 3, secret);
  const fromOne: RelayedConnection[] = [];
  await relay(peers[1]!.port, realPort, {
    dialerFrame: (f, c) => {
      if (c.fromDialer.length === 1 && (decode(f) as { id: number }).id === 1) fromOne.push(c);
      const i = c.fromDialer.length - 3; // after the hello and the proof
      return fromOne.indexOf(c) === onConnection && i >= 0 ? tamper(f, i, c, fromOne) : [f];
    },
  });
  await Promise.all([one.t.start(), two.t.start(), three.t.start()]);
  await until("1 and 3 to reach 2", () => one.t.connectedPeers().includes(2) && three.t.connectedPeers().includes(2));
  return { one, two, three, fromOne };
}

const fromOneValues = (inbox: Array<[number, unknown]>) => inbox.filter(([from]) => from === 1).map(([, m]) => m);

/** 2 closed 1's connection for bad-mac, and then hears 3, and 1 once it has reconnected; nothing else was closed. */
async function onlyThatConnectionClosed({ one, two, three }: Awaited<ReturnType<typeof throughRelay>>): Promise<void> {
  expect(
    two.logs.some((l) => l.includes("(bad-mac)") && /fails its MAC|shorter than its tag/.test(l)),
    two.logs.join("\n"),
  ).toBe(true);
  three.t.send(2, "still here");
  await until("2 to hear 3", () => two.inbox.some(([from, m]) => from === 3 && m === "still here"));
  await until("1 to reconnect to 2", () => one.t.connectedPeers().includes(2));
  one.t.send(2, "after");
  await until("2 to hear 1 again", () => two.inbox.some(([from, m]) => from === 1 && m === "after"));
  expect(two.t.stats.closedCount()).toBe(1);
}

describe("a relay on the path that changes 1's frames to 2", () => {
  const flip = (f: Uint8Array, at: number) => Uint8Array.from(f, (b, j) => (j === at ? b ^ 0x20 : b));
  const tampers: Array<[string, () => Tamper, number]> = [
    ["a byte of the payload flipped", () => (f, i) => [i === 2 ? flip(f, 3) : f], 2],
    ["a byte of the tag flipped", () => (f, i) => [i === 2 ? flip(f, f.length - 1) : f], 2],
    ["the frame sent twice (replay)", () => (f, i) => (i === 2 ? [f, f] : [f]), 3],
    [
      "the frame held back and sent after the next (reorder)",
      () => {
        let held: Uint8Array | undefined;
        return (f, i) => (i === 2 ? ((held = f), []) : i === 3 ? [f, held!] : [f]);
      },
      2,
    ],
    ["the frame dropped", () => (f, i) => (i === 2 ? [] : [f]), 2],
    ["the frame cut short by a byte", () => (f, i) => [i === 2 ? f.subarray(0, f.length - 1) : f], 2],
    ["the tag cut off", () => (f, i) => [i === 2 ? f.subarray(0, f.length - MAC_TAG_BYTES) : f], 2],
  ];
  for (const [name, tamper, receivedBefore] of tampers) {
    it(`${name}: 2 closes that connection (bad-mac), delivers nothing of it from the change on, and goes on hearing 3 and, reconnected, 1`, async () => {
      const ensemble = await throughRelay(tamper());
      for (let n = 0; n < 5; n++) ensemble.one.t.send(2, { n });
      await until("2 to close 1's tampered connection", () => ensemble.two.t.stats.closedCount("bad-mac") === 1);
      expect(fromOneValues(ensemble.two.inbox)).toEqual(Array.from({ length: receivedBefore }, (_, n) => ({ n })));
      await onlyThatConnectionClosed(ensemble);
    });
  }

  it("a forged forward (superuser) injected after a genuine handshake is refused (bad-mac), never delivered", async () => {
    const forged = encode({
      s: [
        {
          type: "forward",
          origin: 1,
          sessionId: 7n,
          cxid: 1,
          request: { type: "create", path: "/owned", data: new Uint8Array(0), acl: [], mode: 0 },
          identities: [],
          superuser: true,
        },
      ],
    }) as Uint8Array;
    for (const tag of [randomBytes(MAC_TAG_BYTES), new Uint8Array(0)]) {
      const ensemble = await throughRelay((f, i) => (i === 1 ? [Buffer.concat([forged, tag]), f] : [f]));
      for (let n = 0; n < 3; n++) ensemble.one.t.send(2, { n });
      await until("2 to close the connection carrying the forged frame", () => ensemble.two.t.stats.closedCount("bad-mac") === 1);
      expect(fromOneValues(ensemble.two.inbox)).toEqual([{ n: 0 }]);
      await onlyThatConnectionClosed(ensemble);
    }
  });

  it("a frame spliced in from an earlier connection of the same two servers (same ids, other nonces) is refused (bad-mac)", async () => {
    const ensemble = await throughRelay((f, i, _c, earlier) => [i === 0 ? earlier[0]!.fromDialer[2]! : f], 1);
    ensemble.one.t.send(2, { n: 0 });
    await until("2 to hear 1's first message", () => fromOneValues(ensemble.two.inbox).length === 1);
    ensemble.fromOne[0]!.dialer.destroy(); // the relay cuts the connection: 1 dials again
    await until("1 to reconnect through the relay", () => ensemble.fromOne.length === 2 && ensemble.one.t.connectedPeers().includes(2));
    ensemble.one.t.send(2, { n: 1 });
    await until("2 to close the spliced connection", () => ensemble.two.t.stats.closedCount("bad-mac") === 1);
    expect(fromOneValues(ensemble.two.inbox)).toEqual([{ n: 0 }]);
    await onlyThatConnectionClosed(ensemble);
  });
});
