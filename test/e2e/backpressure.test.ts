// Output is bounded like input (issue: a client that sent 400 getData of a 1 MB node and never
// read took RSS from 212 to 483 MiB). Past clientOutputBytesSoft of queued replies the server
// stops reading that connection and holds its reads unanswered (a reply is built when it can
// be sent); past clientOutputBytesMax (events keep coming to a client that does not read) it
// closes the connection and counts it. Memory itself is measured by `npm run bench`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddWatchMode, CreateMode, type ServerFrame } from "@warden/protocol";
import type { Client } from "@warden/client";
import { startStandalone, waitFor, type Standalone } from "./harness.js";
import { connectFrame, openNative, openZk } from "./raw.js";

const SOFT = 256 * 1024;
const MAX = 2 * 1024 * 1024;
const DATA = 512 * 1024;
/** One reply may take the queue past the soft bound before reading pauses. */
const QUEUED_BOUND = SOFT + DATA + 64 * 1024;
const REQUESTS = 400;
let s: Standalone;
let c: Client;
beforeAll(async () => {
  s = await startStandalone({ clientOutputBytesSoft: String(SOFT), clientOutputBytesMax: String(MAX) });
  c = await s.client();
  await c.create("/big", new Uint8Array(DATA).fill(3));
});
afterAll(() => s?.stop());

/** Replies (and events) the server has sent, as mntr's zk_packets_sent. */
function repliesSent(): number {
  return Number(/zk_packets_sent\t(\d+)/.exec(s.server.diagnostics())![1]);
}

/** While a client does not read: the server's queue for it passes the soft bound once, then never grows past one reply more. */
async function queueStaysBounded(repliesSentBefore: number): Promise<void> {
  await waitFor(
    "the server to queue past the soft bound for the client that does not read",
    () => s.server.stateCounts().queuedOutputBytesMax > SOFT || undefined,
    15_000,
  );
  for (let n = 0; n < 50; n++) {
    const counts = s.server.stateCounts();
    expect(counts.queuedOutputBytesMax).toBeLessThanOrEqual(QUEUED_BOUND);
    await new Promise((r) => setTimeout(r, 5));
  }
  // Requests still wait unanswered: the server is not building their replies (nor decoding the
  // requests: they wait as the bytes they came in, see decode-ahead.test.ts). How many were
  // answered depends on how much the kernel's socket buffers took, tens of MB on loopback.
  expect(repliesSent() - repliesSentBefore).toBeLessThan(REQUESTS);
  // Other clients are served meanwhile.
  expect((await c.getData("/big")).data.length).toBe(DATA);
}

describe("a client that does not read its replies", () => {
  it("is slowed on the ZooKeeper port: its reads wait, its queue stays bounded, and it gets every reply in order once it reads", async () => {
    const zk = await openZk(s.server.ports.client);
    const sentBefore = repliesSent();
    zk.socket.pause();
    for (let xid = 1; xid <= REQUESTS; xid++) zk.send(xid, { type: "getData", path: "/big", watch: false });
    await queueStaysBounded(sentBefore);
    zk.socket.resume();
    for (let xid = 1; xid <= REQUESTS; xid++) {
      const f = await zk.frames.next(`reply ${xid}`, xid + 1, 20_000);
      expect(f.kind === "reply" && f.xid === xid && f.response?.type === "getData" && f.response.data.length).toBe(DATA);
    }
    expect(zk.isClosed()).toBe(false);
    zk.socket.destroy();
  });

  it("is slowed on the native port the same way", async () => {
    const n = await openNative(s.server.ports.native);
    n.send(connectFrame());
    await n.frames.next("connected");
    const sentBefore = repliesSent();
    n.pause();
    for (let xid = 1; xid <= REQUESTS; xid++) n.send({ kind: "request", xid, request: { type: "getData", path: "/big", watch: false } });
    await queueStaysBounded(sentBefore);
    n.resume();
    for (let xid = 1; xid <= REQUESTS; xid++) {
      const f = (await n.frames.next(`reply ${xid}`, xid + 1, 20_000)) as ServerFrame;
      expect(
        f.kind === "reply" && f.xid === xid && f.response?.type === "getData" && f.response.data.length,
        JSON.stringify(f, (_k, v) => (typeof v === "bigint" ? String(v) : v instanceof Uint8Array ? `bytes(${v.length})` : v)).slice(
          0,
          300,
        ),
      ).toBe(DATA);
    }
    n.close();
  });

  it("is closed, and counted, when events for it pile up past clientOutputBytesMax", async () => {
    // 100 nodes with 4,000-character names: one multi sends the watcher 100 events of 4 KB.
    const paths = Array.from({ length: 100 }, (_, n) => `/ev-${n}-${"e".repeat(4000)}`);
    for (const p of paths) await c.create(p, "");
    const n = await openNative(s.server.ports.native);
    n.send(connectFrame());
    await n.frames.next("connected");
    n.send({ kind: "request", xid: 1, request: { type: "addWatch", path: "/", mode: AddWatchMode.PERSISTENT_RECURSIVE } });
    await n.frames.next("the addWatch reply", 2);
    n.pause();
    // The kernel's socket buffers take tens of MB first; past them the server's queue grows to the bound.
    // (A paused client does not see the close: watch for it on the server's side.)
    const overflowed = () => s.log.some((l) => l.includes("output_overflow"));
    for (let round = 0; !overflowed() && round < 5000; round++) {
      const tx = c.transaction();
      for (const p of paths) tx.setData(p, "x");
      await tx.commit();
    }
    expect(overflowed()).toBe(true);
    n.resume();
    await n.closed;
    expect(s.server.stateCounts().queuedOutputBytesMax).toBeLessThanOrEqual(QUEUED_BOUND);
    await c.create("/still-", "", { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
  }, 60_000);
});
