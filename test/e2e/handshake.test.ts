// The handshake and the life of a session's server-side state (issue: 5,000 ConnectRequests
// in one write created 5,000 sessions and left 4,999 "alive connections" behind; 150
// connections from one address each held a partial 1.1 MB frame; nothing timed out).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloseReason, CreateMode, ErrorCode, OPEN_ACL_UNSAFE, jute } from "@warden/protocol";
import { startStandalone, waitFor, type Standalone } from "./harness.js";
import { connectFrame, openNative, openTcp, openZk, type RawTcp } from "./raw.js";

const HANDSHAKE_TIMEOUT_MS = 400;
let s: Standalone;
beforeAll(async () => {
  s = await startStandalone({ clientHandshakeTimeoutMs: String(HANDSHAKE_TIMEOUT_MS) });
});
afterAll(() => s?.stop());

const connectRequest = () =>
  jute.encodeConnectRequest({
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeoutMs: 4000,
    sessionId: 0n,
    password: new Uint8Array(16),
    readOnly: false,
  });
const closedCount = async (cause: string, port: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${s.server.ports.admin}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith("warden_connections_closed_total{") && l.includes(`cause="${cause}"`) && l.includes(`port="${port}"`));
  return line ? Number(line.split(" ").pop()) : 0;
};
/** Waits until the server's state is `before` again; fails showing what differs. */
async function backTo(before: ReturnType<typeof baseline>, timeoutMs: number): Promise<void> {
  await waitFor(
    "the server's state to return to its baseline",
    () => JSON.stringify(baseline()) === JSON.stringify(before) || undefined,
    timeoutMs,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: before ${JSON.stringify(before)}, now ${JSON.stringify(baseline())}`);
  });
}

/** What the server holds for clients once every connection and session of a test has gone. */
const baseline = () => {
  const {
    sessions,
    trackedSessions,
    connections,
    handshaking,
    attached,
    connecting,
    pendingWrites,
    pendingSyncs,
    outstanding,
    watchingSessions,
    watches,
  } = s.server.stateCounts();
  return {
    sessions,
    trackedSessions,
    connections,
    handshaking,
    attached,
    connecting,
    pendingWrites,
    pendingSyncs,
    outstanding,
    watchingSessions,
    watches,
  };
};

describe("exactly one ConnectRequest per connection", () => {
  it("creates at most one session from 5,000 ConnectRequests in one write, closes that connection, and leaves nothing behind", async () => {
    const before = baseline();
    const t = await openTcp(s.server.ports.client);
    const one = connectRequest();
    t.socket.write(Buffer.concat(Array.from({ length: 5000 }, () => one)));
    await t.closed;
    // The first was answered; the second reads as op code 0, which ZooKeeper answers UNIMPLEMENTED and closes.
    const reply = t.received();
    expect(reply.readInt32BE(0)).toBeGreaterThan(0);
    expect(s.server.stateCounts().sessions).toBeLessThanOrEqual(before.sessions + 1);
    // The one session expires (its connection is gone); then every count is back where it was.
    await backTo(before, 10_000);
  });

  it("closes a native connection that sends connect twice, and one that sends a request before connect", async () => {
    const twice = await openNative(s.server.ports.native);
    twice.send(connectFrame());
    twice.send(connectFrame());
    await twice.closed;
    const early = await openNative(s.server.ports.native);
    early.send({ kind: "request", xid: 1, request: { type: "ping" } });
    const close = await early.frames.next("the close frame");
    expect(close).toMatchObject({ kind: "close", reason: CloseReason.BAD_FRAME });
    await early.closed;
  });

  it("answers requests sent right behind the ConnectRequest after it, in order (as the Java client's reconnect does)", async () => {
    const zk = await openZk(s.server.ports.client, false);
    zk.socket.write(connectRequest());
    zk.send(1, {
      type: "create",
      path: "/pipelined",
      data: new Uint8Array([1, 2, 3]),
      acl: [...OPEN_ACL_UNSAFE],
      mode: CreateMode.EPHEMERAL,
    });
    zk.send(2, { type: "getData", path: "/pipelined", watch: false });
    expect((await zk.frames.next("the ConnectResponse")).kind).toBe("connected");
    expect(await zk.reply(1)).toMatchObject({ kind: "reply", err: ErrorCode.OK, response: { type: "create", path: "/pipelined" } });
    const read = await zk.reply(2);
    expect(read.kind === "reply" && read.response?.type === "getData" && [...read.response.data]).toEqual([1, 2, 3]);
    zk.socket.destroy();
    const native = await openNative(s.server.ports.native);
    native.send(connectFrame());
    native.send({ kind: "request", xid: 1, request: { type: "exists", path: "/", watch: false } });
    native.send({ kind: "request", xid: 2, request: { type: "getChildren", path: "/", watch: false, withStat: false } });
    expect((await native.frames.next("connected", 1)).kind).toBe("connected");
    expect(await native.frames.next("reply 1", 2)).toMatchObject({ kind: "reply", xid: 1, err: ErrorCode.OK });
    expect(await native.frames.next("reply 2", 3)).toMatchObject({ kind: "reply", xid: 2, err: ErrorCode.OK });
    native.close();
  });
});

describe("nothing is held before the handshake", () => {
  it("closes a connection whose first frame announces 1.1 MB, at its length, on both ports", async () => {
    const before = await closedCount("bad_frame", "zookeeper");
    const t = await openTcp(s.server.ports.client);
    const header = Buffer.alloc(4);
    header.writeInt32BE(1_100_000);
    t.socket.write(Buffer.concat([header, Buffer.alloc(1000)]));
    await t.closed;
    expect(await closedCount("bad_frame", "zookeeper")).toBe(before + 1);
    const n = await openNative(s.server.ports.native);
    n.sendBytes(new Uint8Array(1_100_000));
    await n.closed;
    expect(await closedCount("handshake_too_large", "native")).toBeGreaterThanOrEqual(1);
  });

  it("holds at most maxClientCnxns connections from one address, counted when accepted: 150 with partial 1.1 MB frames all end", async () => {
    const sockets: RawTcp[] = [];
    for (let n = 0; n < 150; n++) sockets.push(await openTcp(s.server.ports.client));
    expect(s.server.stateCounts().connections).toBeLessThanOrEqual(60);
    const header = Buffer.alloc(4);
    header.writeInt32BE(1_100_000);
    for (const t of sockets) if (!t.isClosed()) t.socket.write(Buffer.concat([header, Buffer.alloc(60_000)]));
    await Promise.all(sockets.map((t) => t.closed));
    await waitFor("every connection to be released", () => s.server.stateCounts().connections === 0);
  });

  it("closes connections that do not complete their handshake within clientHandshakeTimeoutMs, on both ports", async () => {
    const before = (await closedCount("handshake_timeout", "zookeeper")) + (await closedCount("handshake_timeout", "native"));
    const idle = await openTcp(s.server.ports.client);
    const partial = await openTcp(s.server.ports.client);
    partial.socket.write(connectRequest().subarray(0, 20));
    const native = await openNative(s.server.ports.native);
    expect(s.server.stateCounts().handshaking).toBeGreaterThanOrEqual(3);
    // Before the upgrade too: a WebSocket request whose headers never end.
    const upgrade = await openTcp(s.server.ports.native);
    upgrade.socket.write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n");
    await Promise.all([idle.closed, partial.closed, native.closed, upgrade.closed]);
    expect((await closedCount("handshake_timeout", "zookeeper")) + (await closedCount("handshake_timeout", "native"))).toBe(before + 3);
    expect(s.server.stateCounts().handshaking).toBe(0);
  });
});

describe("a session's server-side state goes when the session does", () => {
  it("is back at its baseline, mntr included, after 10,000 sessions are opened and closed or expired", async () => {
    // A server of its own: no session of another test expires during this one.
    await s.stop();
    s = await startStandalone({ clientHandshakeTimeoutMs: String(HANDSHAKE_TIMEOUT_MS) });
    const before = baseline();
    const mntr = async () =>
      (await (await fetch(`http://127.0.0.1:${s.server.ports.admin}/commands/mntr`)).json()) as Record<string, number>;
    const mntrBefore = await mntr();
    expect(Object.keys(mntrBefore)).toEqual(
      expect.arrayContaining(["num_alive_connections", "global_sessions", "watch_count", "ephemerals_count"]),
    );
    const SESSIONS = 10_000;
    const CONCURRENT = 40;
    let next = 0;
    const worker = async () => {
      while (next < SESSIONS) {
        const n = next++;
        const zk = await openZk(s.server.ports.client);
        // Some watch something and own an ephemeral; half close, half just drop the connection.
        zk.send(1, { type: "exists", path: `/gone-${n}`, watch: true });
        if (n % 10 === 0)
          zk.send(2, { type: "create", path: `/eph-${n}`, data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.EPHEMERAL });
        await zk.reply(1);
        if (n % 2 === 0) {
          zk.send(3, { type: "closeSession" });
          await zk.closed;
        } else {
          zk.socket.destroy();
          await zk.closed;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT }, worker));
    await backTo(before, 20_000);
    const after = await mntr();
    expect(after.num_alive_connections).toBe(mntrBefore.num_alive_connections);
    expect(after.global_sessions).toBe(mntrBefore.global_sessions);
    expect(after.watch_count).toBe(mntrBefore.watch_count);
    expect(after.ephemerals_count).toBe(mntrBefore.ephemerals_count);
  }, 120_000);
});
