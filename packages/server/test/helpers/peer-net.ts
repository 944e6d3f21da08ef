// Sockets for the peer authentication tests: free ports, polling, transports that stop after
// each test, and a man in the middle that relays peer frames both ways and may rewrite them.
import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "../../src/local-ensemble.js";
import { afterEach } from "vitest";
import { PeerTransport, type PeerAddress, type PeerTransportOptions } from "../../src/peer/transport.js";
import { encode, decode } from "cbor-x";
import { FrameSplitter, frameHeader } from "../../src/peer/frames.js";
import { AcceptorHandshake, DialerHandshake, ensembleSecret } from "../../src/peer/handshake.js";
import { FrameOpener, FrameSealer, MAC_TAG_BYTES } from "../../src/peer/frame-mac.js";
import { waitUntil } from "@warden/testing";

export { freePort };

/** Polls `cond` until it holds, or fails naming what it waited for. */
export const until = (what: string, cond: () => boolean, ms = 8000): Promise<unknown> => waitUntil(what, cond, ms, 5);

const started: Array<{ stop(): Promise<void> | void }> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.stop()));
});

export function onCleanup(stop: () => Promise<void> | void): void {
  started.push({ stop });
}

export async function addresses(n: number): Promise<PeerAddress[]> {
  const peers: PeerAddress[] = [];
  for (let id = 1; id <= n; id++) peers.push({ id, host: "127.0.0.1", port: await freePort() });
  return peers;
}

export interface TestPeer {
  t: PeerTransport;
  inbox: Array<[number, unknown]>;
  logs: string[];
}

/** Server `id`'s transport (not started); it listens on its peers entry unless `over.listenPort` says otherwise. */
export function peerTransport(
  peers: PeerAddress[],
  id: number,
  secret: Uint8Array | undefined,
  over: Partial<PeerTransportOptions> = {},
): TestPeer {
  const inbox: Array<[number, unknown]> = [];
  const logs: string[] = [];
  const t = new PeerTransport({
    myId: id,
    listenHost: "127.0.0.1",
    listenPort: peers[id - 1]!.port,
    peers,
    secret,
    frameBytesMax: 64 * 1024,
    queueMessagesMax: 100,
    onMessage: (from, m) => void inbox.push([from, m]),
    log: (l) => void logs.push(l),
    ...over,
  });
  onCleanup(() => t.stop());
  return { t, inbox, logs };
}

/** A frame on the wire: header and payload. */
export function frameBytes(payload: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(payload.length), payload]);
}

/** One relayed connection: its frames so far, each way, and its two sockets. */
export interface RelayedConnection {
  index: number;
  fromDialer: Uint8Array[];
  fromAcceptor: Uint8Array[];
  dialer: Socket;
  acceptor: Socket;
}

export interface RelayHooks {
  /** What to pass on for the dialer's frame (default: the frame); several frames, or none. */
  dialerFrame?(frame: Uint8Array, c: RelayedConnection): Uint8Array[];
  acceptorFrame?(frame: Uint8Array, c: RelayedConnection): Uint8Array[];
  /** The dialer closed its side (before the relay closes the acceptor's side). */
  dialerClosed?(c: RelayedConnection): void;
}

/**
 * Listens on `port` and relays each connection to `targetPort`, frame by frame: whoever holds
 * the address of a server can do this without knowing any secret.
 */
export async function relay(
  port: number,
  targetPort: number,
  hooks: RelayHooks = {},
): Promise<{ server: Server; connections: RelayedConnection[] }> {
  const connections: RelayedConnection[] = [];
  const server = createServer((dialer) => {
    const acceptor = connect({ host: "127.0.0.1", port: targetPort });
    const c: RelayedConnection = { index: connections.length, fromDialer: [], fromAcceptor: [], dialer, acceptor };
    connections.push(c);
    const fromDialer = new FrameSplitter(1 << 24);
    const fromAcceptor = new FrameSplitter(1 << 24);
    dialer.on("data", (chunk: Buffer) => {
      for (const f of fromDialer.feed(chunk)) {
        const frame = new Uint8Array(f);
        c.fromDialer.push(frame);
        for (const out of hooks.dialerFrame?.(frame, c) ?? [frame]) acceptor.write(frameBytes(out));
      }
    });
    acceptor.on("data", (chunk: Buffer) => {
      for (const f of fromAcceptor.feed(chunk)) {
        const frame = new Uint8Array(f);
        c.fromAcceptor.push(frame);
        for (const out of hooks.acceptorFrame?.(frame, c) ?? [frame]) dialer.write(frameBytes(out));
      }
    });
    dialer.on("close", () => {
      hooks.dialerClosed?.(c);
      acceptor.end();
    });
    acceptor.on("close", () => dialer.destroy());
    dialer.on("error", () => {});
    acceptor.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  onCleanup(
    () => new Promise<void>((r) => (connections.forEach((c) => (c.dialer.destroy(), c.acceptor.destroy())), server.close(() => r()))),
  );
  return { server, connections };
}

/** A hand-made peer past the handshake: its socket, and `frame(payload)` = the next frame's bytes (MAC'd with a secret). */
export interface RawPeer {
  s: Socket;
  frame(payload: Uint8Array): Buffer;
}

/**
 * A hand-made peer `id` dialing `port` with `secret` (undefined: none): it does the handshake,
 * then writes whatever a test gives it (what a broken or hostile peer would send).
 */
export async function rawPeer(port: number, id: number, to: number, secret: Uint8Array | undefined): Promise<RawPeer> {
  const s = connect({ host: "127.0.0.1", port });
  onCleanup(() => void s.destroy());
  const handshake = new DialerHandshake(id, to, secret ? ensembleSecret(secret) : undefined);
  const splitter = new FrameSplitter(1024);
  let sealer: FrameSealer | undefined;
  let opener: FrameOpener | undefined;
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => s.write(frameBytes(encode(handshake.hello()) as Uint8Array)));
    s.once("error", reject);
    s.once("close", () => reject(new Error("the acceptor closed the handshake")));
    let stage = 0;
    s.on("data", (chunk: Buffer) => {
      for (const f of splitter.feed(chunk)) {
        if (stage++ === 0) {
          const { reply, keys } = handshake.challenge(decode(f));
          if (keys) (sealer = new FrameSealer(keys.dialerToAcceptor)), (opener = new FrameOpener(keys.acceptorToDialer));
          s.write(frameBytes(encode(reply) as Uint8Array));
        } else if ((decode(opener ? opener.open(f) : f) as { ok?: boolean }).ok) resolve();
      }
    });
  });
  s.removeAllListeners("close");
  return {
    s,
    frame: (payload) =>
      sealer ? Buffer.concat([frameHeader(payload.length + MAC_TAG_BYTES), payload, sealer.seal([payload])]) : frameBytes(payload),
  };
}

/** An acceptor at `port` that is server `id` and knows `secret`: it answers the handshake, then never reads again. */
export async function stalledAcceptor(port: number, id: number, secret: Uint8Array): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    const splitter = new FrameSplitter(1024);
    const peerIds = [1, 2, 3].filter((p) => p !== id).concat(id);
    const handshake = new AcceptorHandshake(id, peerIds, ensembleSecret(secret));
    let stage = 0;
    s.on("error", () => {});
    s.on("data", (chunk: Buffer) => {
      for (const f of splitter.feed(chunk)) {
        if (stage++ === 0) {
          s.write(frameBytes(encode(handshake.hello(decode(f))) as Uint8Array));
          continue;
        }
        const keys = handshake.proof(decode(f))!;
        const ok = encode({ ok: true }) as Uint8Array;
        s.write(Buffer.concat([frameHeader(ok.length + MAC_TAG_BYTES), ok, new FrameSealer(keys.acceptorToDialer).seal([ok])]));
        s.pause();
        return;
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  onCleanup(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))));
  return server;
}
