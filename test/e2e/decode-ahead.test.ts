// A connection is decoded no further ahead than its session may have outstanding (issue 11:
// the jute fuzz target's many-watches case passed the RSS bound). Reading pauses once
// maxOutstandingPerSession requests are unanswered (or queued output passes its soft bound);
// the requests already read but not yet handed on stay bytes, and are decoded as room frees.
// Before, every request of a read chunk (64 KiB: thousands of small requests) was decoded and
// queued however full the session was. Observed in the server's outstanding count and its
// high-water mark (stateCounts().outstandingPeak), not in time or memory.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jute, type ServerFrame } from "@warden/protocol";
import type { Client } from "@warden/client";
import { startStandalone, waitFor, type Standalone } from "./harness.js";
import { connectFrame, openNative, openTcp, openZk } from "./raw.js";

const OUTSTANDING_MAX = 20;
const SOFT = 64 * 1024;
const DATA = 256 * 1024;
/** Far more replies than the kernel's loopback buffers take (tens of MiB): most must wait. */
const REQUESTS = 600;
let s: Standalone;
let c: Client;
beforeAll(async () => {
  s = await startStandalone({
    maxOutstandingPerSession: String(OUTSTANDING_MAX),
    clientOutputBytesSoft: String(SOFT),
    clientOutputBytesMax: String(64 * 1024 * 1024),
  });
  c = await s.client();
  await c.create("/big", new Uint8Array(DATA).fill(5));
});
afterAll(() => s?.stop());

/** While the client does not read: its output passes the soft bound, and what it wrote after waits unread. */
async function outstandingStaysAtTheBound(): Promise<void> {
  await waitFor(
    "the server to queue past the soft bound for the client that does not read",
    () => s.server.stateCounts().queuedOutputBytesMax > SOFT || undefined,
    15_000,
  );
  for (let n = 0; n < 50; n++) {
    expect(s.server.stateCounts().outstanding).toBeLessThanOrEqual(OUTSTANDING_MAX);
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(s.server.stateCounts().outstandingPeak).toBeLessThanOrEqual(OUTSTANDING_MAX);
}

/** A raw ZooKeeper-port socket, the first int (xid) of each reply frame it receives, and a ConnectRequest to send. */
async function rawZkSession() {
  const tcp = await openTcp(s.server.ports.client, false);
  const splitter = new jute.JuteFrameSplitter();
  const xids: number[] = [];
  tcp.socket.on("data", (chunk: Buffer) => {
    for (const f of splitter.feed(chunk)) xids.push(Buffer.from(f.buffer, f.byteOffset, f.length).readInt32BE(0));
  });
  const connect = jute.encodeConnectRequest({
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeoutMs: 4000,
    sessionId: 0n,
    password: new Uint8Array(16),
    readOnly: false,
  });
  return { tcp, xids, connect };
}

describe("requests read ahead of a full session", () => {
  it("are not decoded past maxOutstandingPerSession: reads queued behind a write in one 1,000-request write are all answered, in order, never more than the bound outstanding", async () => {
    const { tcp, xids, connect } = await rawZkSession();
    tcp.socket.write(connect);
    await waitFor("the ConnectResponse", () => xids.length === 1 || undefined);
    // The write waits for its commit; every read behind it waits for the write (the session's order).
    const write = jute.encodeRequest({
      xid: 1,
      request: {
        type: "create",
        path: "/decode-ahead",
        data: new Uint8Array(0),
        acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
        mode: 0,
      },
    });
    const reads = Array.from({ length: 999 }, (_, i) =>
      jute.encodeRequest({ xid: i + 2, request: { type: "exists", path: `/absent-${i}`, watch: false } }),
    );
    tcp.socket.write(Buffer.concat([write, ...reads]));
    await waitFor("1,000 replies", () => xids.length >= 1001 || undefined, 20_000);
    expect(xids).toEqual([0, ...Array.from({ length: 1000 }, (_, i) => i + 1)]);
    expect(s.server.stateCounts().outstandingPeak).toBeLessThanOrEqual(OUTSTANDING_MAX);
    expect(s.server.stateCounts().outstanding).toBe(0);
    tcp.socket.destroy();
  });

  it("are not decoded on the ZooKeeper port while the client does not read its replies, and every reply comes in order once it reads", async () => {
    const zk = await openZk(s.server.ports.client);
    zk.socket.pause();
    // One write: the server reads it in a few chunks, each holding hundreds of requests.
    for (let xid = 1; xid <= REQUESTS; xid++) zk.send(xid, { type: "getData", path: "/big", watch: false });
    await outstandingStaysAtTheBound();
    zk.socket.resume();
    for (let xid = 1; xid <= REQUESTS; xid++) {
      const f = await zk.frames.next(`reply ${xid}`, xid + 1, 20_000);
      expect(f.kind === "reply" && f.xid === xid && f.response?.type === "getData" && f.response.data.length).toBe(DATA);
    }
    expect(zk.isClosed()).toBe(false);
    zk.socket.destroy();
  });

  it("are not decoded on the native port either while its client does not read", async () => {
    const n = await openNative(s.server.ports.native);
    n.send(connectFrame());
    await n.frames.next("connected");
    n.pause();
    for (let xid = 1; xid <= REQUESTS; xid++) n.send({ kind: "request", xid, request: { type: "getData", path: "/big", watch: false } });
    await outstandingStaysAtTheBound();
    n.resume();
    for (let xid = 1; xid <= REQUESTS; xid++) {
      const f = (await n.frames.next(`reply ${xid}`, xid + 1, 20_000)) as ServerFrame;
      expect(f.kind === "reply" && f.xid === xid && f.response?.type === "getData" && f.response.data.length).toBe(DATA);
    }
    n.close();
  });

  it("wait behind the handshake as bytes and are all answered after it (the ConnectRequest and 2,000 requests in one write)", async () => {
    const { tcp, xids, connect } = await rawZkSession();
    const requests = Array.from({ length: 2000 }, (_, i) =>
      jute.encodeRequest({ xid: i + 1, request: { type: "exists", path: `/absent-${i}`, watch: true } }),
    );
    tcp.socket.write(Buffer.concat([connect, ...requests]));
    // The ConnectResponse first (its first int is the protocol version, 0), then every reply in order.
    await waitFor("2,000 replies after the ConnectResponse", () => xids.length >= 2001 || undefined, 20_000);
    expect(xids).toEqual([0, ...Array.from({ length: 2000 }, (_, i) => i + 1)]);
    expect(s.server.stateCounts().outstanding).toBe(0);
    expect(tcp.isClosed()).toBe(false);
    tcp.socket.destroy();
  });
});
