// Every peer connection is a containment boundary: whatever goes wrong with one connection's
// input or output closes that connection, logged and counted, and the server goes on serving
// its other peers. Each guarantee is shown on real sockets (loopback, free ports).
import { describe, expect, it } from "vitest";
import { encode } from "cbor-x";
import fc from "fast-check";
import type { PeerTransport, PeerAddress, PeerTransportOptions } from "../src/peer/transport.js";
import { frameHeader } from "../src/peer/frames.js";
import { addresses, peerTransport, rawPeer as rawPeerWith, stalledAcceptor, until } from "./helpers/peer-net.js";
import { peerInbound } from "../src/peer/inbound.js";
import { peerLimits } from "../src/peer/limits.js";
import { PeerMessageRefusedError, type Message } from "@warden/consensus";

const secret = new TextEncoder().encode("containment");

function transport(peers: PeerAddress[], id: number, over: Partial<PeerTransportOptions> = {}) {
  return peerTransport(peers, id, secret, over);
}

/**
 * Servers 1 and 3, started, with 2's address left for a hand-made peer. `validating`: 1 hands
 * what it hears to the server's checks (peerInbound) first, and `handled` gets what passes.
 */
async function oneAndThree(validating = false, handled: unknown[] = [], step: (m: Message) => void = (m) => void handled.push(m)) {
  const peers = await addresses(3);
  const limits = peerLimits(1024 * 1024);
  const inbound = peerInbound(limits, [1, 2, 3], {
    step,
    onServerMessage: (_from, m) => void handled.push(m),
    invariantBroken: (e) => void handled.push(e),
  });
  const checked: Partial<PeerTransportOptions> = {
    frameBytesMax: limits.frameBytesMax,
    onMessage: (from, m) => (inbound(from, m), void one.inbox.push([from, m])),
  };
  const one = transport(peers, 1, validating ? checked : {});
  const three = transport(peers, 3);
  await Promise.all([one.t.start(), three.t.start()]);
  return { peers, one, three };
}

/** Peer 2, hand-made, dialing server 1 (what a broken or hostile peer holding the secret would send). */
const rawPeer = (port: number, id: number) => rawPeerWith(port, id, 1, secret);

let touches = 0n;

/** Peer 3 keeps being heard by 1 while something happens to another connection (a valid message: a touch). */
async function stillHears(three: PeerTransport, one: { inbox: Array<[number, unknown]> }, what: string): Promise<void> {
  const session = ++touches;
  three.send(1, { s: [{ type: "touch", sessions: [session] }] });
  const heard = ([from, m]: [number, unknown]) =>
    from === 3 && (m as { s?: Array<{ sessions: bigint[] }> }).s?.[0]?.sessions[0] === session;
  await until(`peer 1 to hear peer 3 ${what}`, () => one.inbox.some(heard));
}

describe("a peer connection is a containment boundary", () => {
  it("a throw while handling one peer's input closes only that connection; the others keep being served, and the peer reconnects", async () => {
    const peers = await addresses(3);
    let fail = true;
    const one = transport(peers, 1, {
      onMessage: (from, m) => {
        if (from === 2 && fail) {
          fail = false;
          throw new Error("injected fault");
        }
        one.inbox.push([from, m]);
      },
    });
    const two = transport(peers, 2);
    const three = transport(peers, 3);
    await Promise.all([one.t.start(), two.t.start(), three.t.start()]);
    await until("peers 2 and 3 to connect to 1", () => two.t.connectedPeers().includes(1) && three.t.connectedPeers().includes(1));
    two.t.send(1, { s: [] });
    await until("the injected fault to close 2's connection", () => one.t.stats.closedCount("handler-error") === 1);
    expect(one.logs.some((l) => l.includes("handler-error") && l.includes("injected fault"))).toBe(true);
    await stillHears(three.t, one, "after the fault");
    await until("peer 2 to reconnect", () => two.t.connectedPeers().includes(1));
    two.t.send(1, { s: [] });
    await until("peer 1 to hear 2 again", () => one.inbox.some(([from]) => from === 2));
    expect(one.t.stats.closedCount()).toBe(1);
  });

  it("a frame over frameBytesMax closes that connection before anything of it is buffered (frame-too-large)", async () => {
    const { peers, one, three } = await oneAndThree();
    const raw = await rawPeer(peers[0]!.port, 2);
    raw.s.write(frameHeader(64 * 1024 + 1 + 16));
    await until("the oversized frame to close the connection", () => one.t.stats.closedCount("frame-too-large") === 1);
    await stillHears(three.t, one, "after the big frame");
  });

  it("bytes that are not CBOR close that connection (undecodable)", async () => {
    const { peers, one, three } = await oneAndThree();
    const raw = await rawPeer(peers[0]!.port, 2);
    raw.s.write(raw.frame(new Uint8Array([0xff, 0xff, 0x1c])));
    await until("the undecodable frame to close the connection", () => one.t.stats.closedCount("undecodable") === 1);
    await stillHears(three.t, one, "after garbage");
  });

  it("a message that fails its schema closes that connection (invalid-message) and reaches neither the Replica nor the node", async () => {
    const stepped: unknown[] = [];
    const { peers, one, three } = await oneAndThree(true, stepped);
    const bad = [
      { c: { type: "append", from: 2, to: 1, epoch: 1, prevZxid: 5, entries: [], commitZxid: 0n } }, // a zxid that is not a bigint
      { c: { type: "vote-request", from: 3, to: 1, epoch: 1, lastZxid: 0n } }, // another server's id on 2's connection
      {
        s: [
          {
            type: "forward",
            origin: 2,
            sessionId: 1n,
            cxid: 1,
            request: { type: "create", path: "/a", data: "x", acl: [], mode: 0 },
            identities: [],
            superuser: false,
          },
        ],
      },
      { s: [{ type: "touch", sessions: [-1n] }] },
    ];
    for (let i = 0; i < bad.length; i++) {
      const raw = await rawPeer(peers[0]!.port, 2);
      raw.s.write(raw.frame(encode(bad[i]) as Uint8Array));
      await until(`bad message ${i} to close its connection`, () => one.t.stats.closedCount("invalid-message") === i + 1);
    }
    expect(stepped).toEqual([]);
    await stillHears(three.t, one, "after bad messages");
  });

  it("a well-formed message the Replica refuses (no correct peer sends it) closes that connection (refused); the server goes on", async () => {
    const handled: unknown[] = [];
    const { peers, one, three } = await oneAndThree(true, handled, (m) => {
      if (m.type === "append") throw new PeerMessageRefusedError(m.from, `it claims to lead epoch ${m.epoch}, which this server leads`);
      handled.push(m);
    });
    const raw = await rawPeer(peers[0]!.port, 2);
    raw.s.write(
      raw.frame(encode({ c: { type: "append", from: 2, to: 1, epoch: 1, prevZxid: 0n, entries: [], commitZxid: 0n } }) as Uint8Array),
    );
    await until("the refused message to close its connection", () => one.t.stats.closedCount("refused") === 1);
    expect(one.logs.some((l) => l.includes("(refused)") && l.includes("refused a message from peer 2: it claims to lead epoch 1"))).toBe(
      true,
    );
    expect(handled).toEqual([]); // invariantBroken was not called: the server is not stopped
    await stillHears(three.t, one, "after the refusal");
  });

  it("whatever bytes an authenticated peer sends, nothing escapes the connection's handlers", async () => {
    const { peers, one, three } = await oneAndThree(true);
    await fc.assert(
      // Frames with a right MAC reach the decoder and the checks; bare bytes fail the MAC.
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }).map((b) => ({ sealed: true, b })),
            fc.uint8Array({ maxLength: 64 }).map((b) => ({ sealed: false, b })),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        async (chunks) => {
          const raw = await rawPeer(peers[0]!.port, 2);
          for (const c of chunks) raw.s.write(c.sealed ? raw.frame(c.b) : c.b);
          raw.s.end();
          await new Promise((r) => raw.s.once("close", r));
        },
      ),
      { numRuns: 25, seed: 42 },
    );
    await stillHears(three.t, one, "after random bytes");
  });

  it("a message over frameBytesMax is never sent: it is counted and logged as a bug, and the transport goes on", async () => {
    const peers = await addresses(2);
    const one = transport(peers, 1);
    const two = transport(peers, 2);
    await Promise.all([one.t.start(), two.t.start()]);
    await until("1 to connect to 2", () => one.t.connectedPeers().includes(2));
    expect(() => one.t.send(2, { big: new Uint8Array(64 * 1024) })).not.toThrow();
    expect(one.t.stats.oversizeDropped).toBe(1);
    expect(one.logs.some((l) => l.startsWith("BUG:"))).toBe(true);
    one.t.send(2, { small: 1 });
    await until("2 to hear the next message", () => two.inbox.length === 1);
  });

  it("a peer that stops reading is cut off once our unsent bytes pass writeBufferBytesMax (write-buffer-full)", async () => {
    const peers = await addresses(2);
    const stalled = await stalledAcceptor(peers[1]!.port, 2, secret);
    const one = transport(peers, 1, { writeBufferBytesMax: 256 * 1024 });
    await one.t.start();
    await until("1 to connect to the stalled peer", () => one.t.connectedPeers().includes(2));
    for (let i = 0; i < 2000 && one.t.stats.closedCount("write-buffer-full") === 0; i++) {
      one.t.send(2, { fill: new Uint8Array(32 * 1024) });
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(one.t.stats.closedCount("write-buffer-full")).toBe(1);
    stalled.close();
  });
});
