// Peers prove who they are, both ways: a process without the ensemble secret that holds a
// server's peer address (it stopped, or the network lets someone take its address) can neither
// speak as a server nor hear one. Real sockets on loopback, free ports.
import { describe, expect, it } from "vitest";
import { createServer, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { decode, encode } from "cbor-x";
import { FrameSplitter } from "../src/peer/frames.js";
import { ensembleSecret, handshakeProof } from "../src/peer/handshake.js";
import { addresses, frameBytes, onCleanup, peerTransport, rawPeer, relay, until, type RelayedConnection } from "./helpers/peer-net.js";

const secret = new TextEncoder().encode("peer-auth-test-secret");

/** A forwarded write as superuser: what the relay wants server 3 to apply as if server 1 sent it. */
const FORGED = {
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
};
const isForged = ([, m]: [number, unknown]) => (m as { s?: Array<{ superuser?: boolean }> }).s?.[0]?.superuser === true;

/** Decodes a CBOR frame, changes it, encodes it again (a relay that knows the protocol, not the secret). */
const rewrite = (frame: Uint8Array, change: (m: Record<string, unknown>) => void): Uint8Array => {
  const m = decode(frame) as Record<string, unknown>;
  change(m);
  return encode(m) as Uint8Array;
};

describe("a relay without the secret at a stopped server's peer address", () => {
  // Server 2 is down; the relay listens at its address. Server 1 dials "2" and gets the relay,
  // which passes 1's frames to server 3 and back, as the probe that found the bug did.
  const modes = {
    "passes the bytes unchanged": {},
    "rewrites the hello's `to` so server 3 answers": { hello: (m: Record<string, unknown>) => void (m.to = 3) },
    "rewrites the hello's `to` and the challenge's id": {
      hello: (m: Record<string, unknown>) => void (m.to = 3),
      challenge: (m: Record<string, unknown>) => void (m.id = 2),
    },
  } as const;
  for (const [name, mode] of Object.entries(modes) as Array<
    [string, { hello?: (m: Record<string, unknown>) => void; challenge?: (m: Record<string, unknown>) => void }]
  >) {
    it(`${name}: server 3 delivers no forged message, and server 1 sends the relay nothing after its hello`, async () => {
      const peers = await addresses(3);
      const one = peerTransport(peers, 1, secret);
      const three = peerTransport(peers, 3, secret);
      await Promise.all([one.t.start(), three.t.start()]);
      const injected: RelayedConnection[] = [];
      const inject = (c: RelayedConnection) => {
        if (injected.includes(c)) return;
        injected.push(c);
        c.acceptor.write(frameBytes(encode(FORGED) as Uint8Array));
      };
      const { connections } = await relay(peers[1]!.port, peers[2]!.port, {
        dialerFrame: (f, c) => {
          const out = c.fromDialer.length === 1 && mode.hello ? rewrite(f, mode.hello) : f;
          if (c.fromDialer.length === 2) queueMicrotask(() => inject(c)); // right behind 1's proof, as the old handshake allowed
          return [out];
        },
        acceptorFrame: (f, c) => [c.fromAcceptor.length === 1 && mode.challenge ? rewrite(f, mode.challenge) : f],
        dialerClosed: inject,
      });
      one.t.send(2, { c: { type: "vote-request", from: 1, to: 2, epoch: 1, lastZxid: 0n } });
      await until(
        "server 3 to deliver the forged message or to refuse two relayed connections",
        () => three.inbox.some(isForged) || three.t.stats.closedCount("handshake-failed") >= 2,
      );
      expect(three.inbox.filter(isForged)).toEqual([]);
      // A fake acceptor hears the hello and nothing else: no proof, no consensus message.
      expect(connections.map((c) => c.fromDialer.length)).toEqual(connections.map(() => 1));
    });
  }
});

/** A process at server 2's address answering 1's dial with `challenge(hello)`; records what 1 sends after. */
async function fakeAcceptor(port: number, challenge: (hello: { nonce: Uint8Array; id: number }) => Record<string, unknown>) {
  const afterHello: Uint8Array[][] = [];
  const sockets: Socket[] = [];
  const state = { silent: false };
  const server = createServer((s) => {
    sockets.push(s);
    const seen: Uint8Array[] = [];
    afterHello.push(seen);
    const splitter = new FrameSplitter(1 << 20);
    let helloSeen = false;
    s.on("error", () => {});
    s.on("data", (chunk: Buffer) => {
      for (const f of splitter.feed(chunk)) {
        if (helloSeen) seen.push(new Uint8Array(f));
        else if (!state.silent) s.write(frameBytes(encode(challenge(decode(f) as { nonce: Uint8Array; id: number })) as Uint8Array));
        helloSeen = true;
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  onCleanup(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))));
  return {
    afterHello,
    sockets,
    set silent(v: boolean) {
      state.silent = v;
    },
  };
}

describe("the dialer checks the acceptor before it sends anything", () => {
  const cases: Array<[string, RegExp, (hello: { nonce: Uint8Array; id: number }) => Record<string, unknown>]> = [
    [
      "an acceptor without the secret (a proof of random bytes)",
      /does not prove it knows the ensemble secret/,
      () => ({ id: 2, nonce: randomBytes(16), proof: randomBytes(32) }),
    ],
    ["an acceptor without the secret (no proof)", /does not prove it knows the ensemble secret/, () => ({ id: 2, nonce: randomBytes(16) })],
    [
      "an acceptor that knows the secret but is server 3 (a wrong id claimed)",
      /claims to be server 3, but this connection dialed server 2/,
      (hello) => {
        const nonce = randomBytes(16);
        return { id: 3, nonce, proof: handshakeProof(ensembleSecret(secret).handshakeKey, "accept", hello.id, 3, hello.nonce, nonce) };
      },
    ],
    [
      "an acceptor that claims id 2 with server 3's proof",
      /does not prove it knows the ensemble secret/,
      (hello) => {
        const nonce = randomBytes(16);
        return { id: 2, nonce, proof: handshakeProof(ensembleSecret(secret).handshakeKey, "accept", hello.id, 3, hello.nonce, nonce) };
      },
    ],
    [
      "an acceptor that replays the dialer's own kind of proof (the dial label)",
      /does not prove it knows the ensemble secret/,
      (hello) => {
        const nonce = randomBytes(16);
        return { id: 2, nonce, proof: handshakeProof(ensembleSecret(secret).handshakeKey, "dial", hello.id, 2, hello.nonce, nonce) };
      },
    ],
  ];
  for (const [name, why, challenge] of cases) {
    it(`${name} is refused: the connection closes (handshake-failed) and it gets no proof and no consensus traffic`, async () => {
      const peers = await addresses(2);
      const fake = await fakeAcceptor(peers[1]!.port, challenge);
      const one = peerTransport(peers, 1, secret);
      await one.t.start();
      one.t.send(2, { c: { type: "vote-request", from: 1, to: 2, epoch: 1, lastZxid: 0n } });
      await until("server 1 to refuse the acceptor twice", () => one.t.stats.closedCount("handshake-failed") >= 2);
      expect(
        one.logs.some((l) => why.test(l)),
        one.logs.join("\n"),
      ).toBe(true);
      expect(one.t.connectedPeers()).toEqual([]);
      expect(fake.afterHello.flat()).toEqual([]);
    });
  }

  it("an acceptor that never answers the hello is dropped after handshakeTimeoutMs (handshake-failed), and the dialer dials again", async () => {
    const peers = await addresses(2);
    const fake = await fakeAcceptor(peers[1]!.port, () => ({}));
    fake.silent = true;
    const one = peerTransport(peers, 1, secret, { handshakeTimeoutMs: 200 });
    await one.t.start();
    await until("server 1 to give up on two silent acceptors", () => one.t.stats.closedCount("handshake-failed") >= 2);
    expect(one.logs.some((l) => /no answer to the hello in 200 ms/.test(l))).toBe(true);
    expect(fake.afterHello.flat()).toEqual([]);
  });

  it("an acceptor that knows the secret and is the server dialed gets the proof, and then the messages", async () => {
    const peers = await addresses(2);
    const keys = ensembleSecret(secret);
    const fake = await fakeAcceptor(peers[1]!.port, (hello) => {
      const nonce = randomBytes(16);
      return { id: 2, nonce, proof: handshakeProof(keys.handshakeKey, "accept", hello.id, 2, hello.nonce, nonce) };
    });
    const one = peerTransport(peers, 1, secret);
    await one.t.start();
    await until("server 1 to send its proof", () => fake.afterHello.some((f) => f.length === 1));
    expect(one.t.stats.closedCount()).toBe(0);
  });
});

describe("without a secret (no ensembleSecretFile)", () => {
  it("peers are admitted by address with a loud warning, and frames carry no MAC (a bare frame is delivered)", async () => {
    const peers = await addresses(2);
    const one = peerTransport(peers, 1, undefined);
    await one.t.start();
    const raw = await rawPeer(peers[0]!.port, 2, 1, undefined);
    raw.s.write(frameBytes(encode({ s: [] }) as Uint8Array));
    await until("1 to deliver the bare frame", () => one.inbox.length === 1);
    expect(one.inbox).toEqual([[2, { s: [] }]]);
    expect(one.logs.some((l) => l.startsWith("WARNING: no ensembleSecretFile"))).toBe(true);
  });

  it("a dialer with a secret refuses an acceptor without one, and an acceptor with a secret refuses a dialer without one", async () => {
    const peers = await addresses(2);
    const one = peerTransport(peers, 1, secret);
    const two = peerTransport(peers, 2, undefined);
    await Promise.all([one.t.start(), two.t.start()]);
    await until(
      "both refusals",
      () =>
        one.logs.some((l) => /\(handshake-failed\).*does not prove it knows/.test(l)) &&
        one.logs.some((l) => /\(handshake-failed\).*peer 2 does not know the ensemble secret/.test(l)),
    );
    expect(one.t.connectedPeers()).toEqual([]);
    expect(two.t.connectedPeers()).toEqual([]);
  });
});
