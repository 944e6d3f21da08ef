import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { freePort } from "../src/local-ensemble.js";
import { PeerTransport, type PeerAddress } from "../src/peer/transport.js";
import { FrameSplitter, frameHeader, PeerFrameError } from "../src/peer/frames.js";
import { waitUntil } from "@warden/testing";

const started: PeerTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.stop()));
});

async function ensemble(secrets: Array<Uint8Array | undefined>, extra: { tcpKeepAlive?: boolean } = {}) {
  const peers: PeerAddress[] = [];
  for (let i = 0; i < secrets.length; i++) peers.push({ id: i + 1, host: "127.0.0.1", port: await freePort() });
  const inbox: Array<Array<[number, unknown]>> = secrets.map(() => []);
  const logs: string[] = [];
  const ts = secrets.map(
    (secret, i) =>
      new PeerTransport({
        myId: i + 1,
        listenHost: "127.0.0.1",
        listenPort: peers[i]!.port,
        peers,
        secret,
        frameBytesMax: 1 << 20,
        queueMessagesMax: 100,
        onMessage: (from, m) => inbox[i]!.push([from, m]),
        log: (l) => logs.push(l),
        ...extra,
      }),
  );
  started.push(...ts);
  await Promise.all(ts.map((t) => t.start()));
  return { ts, inbox, logs };
}

const until = (cond: () => boolean, ms = 5000): Promise<unknown> => waitUntil("the peers' condition", cond, ms, 1);

describe("peer transport", () => {
  it("tcpKeepAlive turns TCP keep-alive on for the connections it dials and accepts (ZooKeeper's tcpKeepAlive); off by default", async () => {
    for (const keepAlive of [true, false]) {
      const { ts, inbox } = await ensemble([undefined, undefined], { tcpKeepAlive: keepAlive });
      ts[0]!.send(2, "a");
      ts[1]!.send(1, "b");
      await until(() => inbox[0]!.length === 1 && inbox[1]!.length === 1);
      const port = (ts[0] as unknown as { opts: { listenPort: number } }).opts.listenPort;
      const established = () =>
        execFileSync("ss", ["-tnoH", `( sport = :${port} or dport = :${port} )`], { encoding: "utf8" })
          .split("\n")
          .filter((l) => l.startsWith("ESTAB"));
      // ss shows one timer a socket: a retransmission in flight hides the keep-alive timer for a moment.
      const idle = (lines: string[]) => lines.length === 2 && lines.every((l) => /\s0\s+0\s/.test(l));
      await until(() => idle(established()));
      const lines = established();
      expect(lines.filter((l) => l.includes("timer:(keepalive")).length, lines.join("\n")).toBe(keepAlive ? 2 : 0);
      await Promise.all(started.splice(0).map((t) => t.stop()));
    }
  });

  it("delivers messages between peers that share the secret, in order", async () => {
    const secret = new TextEncoder().encode("s3cret");
    const { ts, inbox } = await ensemble([secret, secret, secret]);
    for (let i = 0; i < 50; i++) ts[0]!.send(2, { n: i, big: new Uint8Array(i * 1000) });
    ts[2]!.send(1, "hello");
    await until(() => inbox[1]!.length === 50 && inbox[0]!.length === 1);
    expect(inbox[1]!.map(([from, m]) => [from, (m as { n: number }).n])).toEqual(Array.from({ length: 50 }, (_, i) => [1, i]));
    expect(inbox[0]).toEqual([[3, "hello"]]);
  });

  it("refuses a peer that does not know the secret: with another secret, each dialer refuses the acceptor's proof first", async () => {
    const { ts, inbox, logs } = await ensemble([new TextEncoder().encode("a"), new TextEncoder().encode("b")]);
    ts[0]!.send(2, "x");
    await until(
      () => logs.filter((l) => l.includes("(handshake-failed)") && l.includes("does not prove it knows the ensemble secret")).length >= 2,
    );
    expect(inbox[1]).toEqual([]);
    expect(ts[0]!.connectedPeers()).toEqual([]);
  });

  it("without a secret, admits the server.N addresses and warns loudly", async () => {
    const { ts, inbox, logs } = await ensemble([undefined, undefined]);
    ts[1]!.send(1, { ok: 1 });
    await until(() => inbox[0]!.length === 1);
    expect(logs.some((l) => l.startsWith("WARNING: no ensembleSecretFile"))).toBe(true);
  });
});

/** Two peers' addresses, and a maker of each one's transport (not started); 2's messages land in `inbox`. */
async function pair() {
  const secret = new TextEncoder().encode("s");
  const peers: PeerAddress[] = [
    { id: 1, host: "127.0.0.1", port: await freePort() },
    { id: 2, host: "127.0.0.1", port: await freePort() },
  ];
  const inbox: unknown[] = [];
  const make = (id: number) => {
    const t = new PeerTransport({
      myId: id,
      listenHost: "127.0.0.1",
      listenPort: peers[id - 1]!.port,
      peers,
      secret,
      frameBytesMax: 1 << 20,
      queueMessagesMax: 100,
      onMessage: (_f, m) => id === 2 && inbox.push(m),
      log: () => {},
    });
    started.push(t);
    return t;
  };
  return { inbox, make };
}

describe("peer transport after a peer restarts", () => {
  it("dials the restarted peer at once when it connects, not after the backoff", async () => {
    const { inbox, make } = await pair();
    const one = make(1);
    await one.start();
    // Peer 2 stays down until just after 1's attempt at ~3.15 s: its next would be at ~5.15 s.
    await new Promise((r) => setTimeout(r, 3300));
    const two = make(2);
    const upAtMs = Date.now();
    await two.start();
    await until(() => one.connectedPeers().includes(2), 1000);
    one.send(2, "hello");
    await until(() => inbox.length === 1);
    expect(Date.now() - upAtMs).toBeLessThan(1000);
  });
});

describe("peer transport while a peer is down", () => {
  it("keeps queueable messages for when it is back, and drops the others (snapshot chunks)", async () => {
    const { inbox, make } = await pair();
    const one = make(1);
    await one.start();
    one.send(2, "stale chunk", false);
    one.send(2, "kept");
    const two = make(2);
    await two.start();
    await until(() => inbox.length === 1);
    one.send(2, "chunk while up", false);
    await until(() => inbox.length === 2);
    expect(inbox).toEqual(["kept", "chunk while up"]);
  });
});

describe("peer frames", () => {
  const frame = (payload: number[]) => [...frameHeader(payload.length), ...payload];

  it("splits frames fed in one chunk and byte by byte alike", () => {
    const bytes = new Uint8Array([...frame([1, 2, 3]), ...frame([]), ...frame([9])]);
    const whole = new FrameSplitter(10).feed(bytes).map((f) => [...f]);
    const s = new FrameSplitter(10);
    const bytewise = [...bytes].flatMap((b) => s.feed(new Uint8Array([b]))).map((f) => [...f]);
    expect(whole).toEqual([[1, 2, 3], [], [9]]);
    expect(bytewise).toEqual(whole);
  });

  it("refuses a length over the bound before buffering it", () => {
    expect(() => new FrameSplitter(10).feed(frameHeader(11))).toThrow(PeerFrameError);
    expect(new FrameSplitter(10).feed(frameHeader(10))).toEqual([]);
    expect(() => new FrameSplitter(10).feed(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(/exceeds 10/);
  });
});
