// A lone write must not wait a turn of the event loop at each hop: what one callback sends
// leaves (in one write) as soon as that callback and its microtasks return.
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "node:net";
import { freePort } from "../src/index.js";
import { PeerTransport, type PeerAddress } from "../src/peer/transport.js";
import { TurnBatch } from "../src/net/connection.js";

const started: PeerTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.stop()));
});

const nextTick = () => new Promise<void>((r) => process.nextTick(r));

describe("write latency: no turn of the event loop per hop", () => {
  it("TurnBatch hands the frames of one callback to the stream in one write, before the next turn", async () => {
    const sent: Uint8Array[] = [];
    const batch = new TurnBatch((b) => sent.push(b));
    batch.write(Uint8Array.of(1, 2));
    batch.write(Uint8Array.of(3));
    expect(sent).toEqual([]);
    await nextTick();
    expect(sent.map((b) => [...b])).toEqual([[1, 2, 3]]);
  });

  it("the peer transport uncorks the messages of one callback before the next turn, in one write", async () => {
    const peers: PeerAddress[] = [1, 2].map((id) => ({ id, host: "127.0.0.1", port: 0 }));
    for (const p of peers) p.port = await freePort();
    const inbox: unknown[] = [];
    const ts = peers.map(
      (p) =>
        new PeerTransport({
          myId: p.id,
          listenHost: "127.0.0.1",
          listenPort: p.port,
          peers,
          secret: new TextEncoder().encode("s"),
          frameBytesMax: 1 << 20,
          queueMessagesMax: 10,
          onMessage: (_f, m) => inbox.push(m),
          log: () => {},
        }),
    );
    started.push(...ts);
    await Promise.all(ts.map((t) => t.start()));
    const end = Date.now() + 5000;
    while (!ts[0]!.connectedPeers().includes(2)) {
      if (Date.now() > end) throw new Error("peers did not connect");
      await new Promise((r) => setImmediate(r));
    }
    const socket = (ts[0] as unknown as { outgoing: Map<number, { socket: Socket }> }).outgoing.get(2)!.socket;
    ts[0]!.send(2, "a");
    ts[0]!.send(2, "b");
    expect(socket.writableCorked).toBe(1);
    await nextTick();
    expect(socket.writableCorked).toBe(0);
    while (inbox.length < 2) {
      if (Date.now() > end) throw new Error("messages not delivered");
      await new Promise((r) => setImmediate(r));
    }
    expect(inbox).toEqual(["a", "b"]);
  });
});
