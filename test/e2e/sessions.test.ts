// Sessions against a real standalone server (tickTime 100 ms): negotiated timeouts,
// expiry that removes ephemerals and notifies other sessions' watchers, close, reattach.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloseReason, CreateMode, EventType, KeeperState } from "@warden/protocol";
import { createClient, type WatchedEvent } from "@warden/client";
import { Inbox, startStandalone, waitFor, type Standalone } from "./harness.js";
import { startProxy } from "./proxy.js";
import { connectFrame, openNative } from "./raw.js";

let s: Standalone;
beforeAll(async () => {
  s = await startStandalone(); // minSessionTimeout 400 ms, maxSessionTimeout 10 s
});
afterAll(() => s?.stop());

describe("session timeout negotiation", () => {
  it("clamps the requested timeout into the server's [min, max]", async () => {
    const short = await s.client({ sessionTimeoutMs: 100 });
    const long = await s.client({ sessionTimeoutMs: 60_000 });
    const mid = await s.client({ sessionTimeoutMs: 2_000 });
    expect([short.sessionTimeoutMs, long.sessionTimeoutMs, mid.sessionTimeoutMs]).toEqual([400, 10_000, 2_000]);
  });

  it("a client that keeps pinging keeps its session well past its timeout", async () => {
    const c = await s.client({ sessionTimeoutMs: 400 });
    await c.create("/kept", "", { mode: CreateMode.EPHEMERAL });
    const id = c.sessionId;
    const watcher = await s.client();
    const states = new Inbox<string>();
    c.on("state", states.push);
    // Four timeouts' worth of pings; a watch on the ephemeral would see it go.
    const events = new Inbox<WatchedEvent>();
    await watcher.exists("/kept", { watch: events.push });
    const until = Date.now() + 1600;
    await waitFor("1.6 s of pings", () => Date.now() >= until, 3000);
    await watcher.getData("/kept");
    expect(events.items).toEqual([]);
    expect(states.items).toEqual([]);
    expect(c.sessionId).toBe(id);
  });
});

describe("session expiry", () => {
  it("removes the session's ephemerals and notifies watchers of other sessions", async () => {
    const proxy = await startProxy(s.server.ports.native);
    const doomed = createClient(`127.0.0.1:${proxy.port}`, { sessionTimeoutMs: 400, reconnectDelayMsMin: 10, reconnectDelayMsMax: 50 });
    try {
      await doomed.connected({ timeoutMs: 5000 });
      const doomedId = doomed.sessionId;
      await doomed.create("/members");
      await doomed.create("/members/m-", "", { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
      await doomed.create("/lone", "", { mode: CreateMode.EPHEMERAL });
      const watcher = await s.client();
      const deleted = new Inbox<WatchedEvent>();
      const children = new Inbox<WatchedEvent>();
      await watcher.getData("/lone", { watch: deleted.push });
      await watcher.getChildren("/members", { watch: children.push });
      const states = new Inbox<string>();
      doomed.on("state", states.push);

      const cutAt = Date.now();
      proxy.cut(true); // the client can reach no server: its session times out
      expect(await deleted.next("NodeDeleted of the expired session's ephemeral", 1, 5000)).toEqual({
        type: EventType.NodeDeleted,
        state: KeeperState.SyncConnected,
        path: "/lone",
        zxid: expect.any(BigInt),
      });
      expect(Date.now() - cutAt).toBeGreaterThanOrEqual(300);
      expect(await children.next("NodeChildrenChanged of the ephemeral's parent")).toEqual({
        type: EventType.NodeChildrenChanged,
        state: KeeperState.SyncConnected,
        path: "/members",
        zxid: expect.any(BigInt),
      });
      expect(await watcher.getChildren("/members")).toEqual([]);
      expect(await watcher.exists("/lone")).toBeNull();
      // The client, alone, decides its session is lost after the timeout (Curator's LOST).
      await states.next("expired", 2);
      expect(states.items.slice(0, 2)).toEqual(["disconnected", "expired"]);
      // Back in reach, it opens a new session.
      proxy.heal();
      await doomed.connected({ timeoutMs: 5000 });
      expect(doomed.sessionId).not.toBe(doomedId);
      expect(await doomed.getEphemerals()).toEqual([]);
    } finally {
      await doomed.close().catch(() => undefined);
      await proxy.close();
    }
  });

  it("a reattach to an expired session, or with a wrong password, is refused as sessionExpired", async () => {
    const proxy = await startProxy(s.server.ports.native);
    const c = createClient(`127.0.0.1:${proxy.port}`, { sessionTimeoutMs: 400, reconnectAfterExpiry: false });
    const live = await s.client();
    try {
      await c.connected({ timeoutMs: 5000 });
      const [id, password] = [c.sessionId, c.sessionPassword];
      await c.create("/gone-soon", "", { mode: CreateMode.EPHEMERAL });
      proxy.cut(true);
      await waitFor("the server to expire the session", async () => (await live.exists("/gone-soon")) === null, 5000);
      const late = await openNative(s.server.ports.native);
      late.send(connectFrame(id, password));
      expect(await late.frames.next("the refusal")).toMatchObject({ kind: "close", reason: CloseReason.SESSION_EXPIRED });
      await late.closed;

      const forged = await openNative(s.server.ports.native);
      const wrong = new Uint8Array(live.sessionPassword);
      wrong[0] ^= 1;
      forged.send(connectFrame(live.sessionId, wrong));
      expect(await forged.frames.next("the refusal")).toMatchObject({ kind: "close", reason: CloseReason.SESSION_EXPIRED });
      await forged.closed;
      await live.getData("/"); // the live session is untouched
    } finally {
      await c.close().catch(() => undefined);
      await proxy.close();
    }
  });
});

describe("close and reattach", () => {
  it("a second connection of a session on the same server ends the first as sessionMoved, not sessionExpired; the session lives on", async () => {
    const first = await openNative(s.server.ports.native);
    first.send(connectFrame());
    const opened = await first.frames.next("connected");
    if (opened.kind !== "connected") throw new Error("refused");
    const { sessionId, password } = opened.response;
    const second = await openNative(s.server.ports.native);
    try {
      second.send(connectFrame(sessionId, password));
      expect(await second.frames.next("connected")).toMatchObject({ kind: "connected", response: { sessionId } });
      expect(await first.frames.next("the close", 2)).toMatchObject({ kind: "close", reason: CloseReason.SESSION_MOVED });
      await first.closed;
      second.send({
        kind: "request",
        xid: 1,
        request: {
          type: "create",
          path: "/second",
          data: new Uint8Array(0),
          acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
          mode: CreateMode.EPHEMERAL,
        },
      });
      expect(await second.frames.next("the reply", 2)).toMatchObject({ kind: "reply", xid: 1, err: 0 });
    } finally {
      first.close();
      second.close();
    }
  });

  it("close ends the session at once: ephemerals go and watchers are told", async () => {
    const c = await s.client();
    await c.create("/closing", "", { mode: CreateMode.EPHEMERAL });
    const watcher = await s.client();
    const events = new Inbox<WatchedEvent>();
    await watcher.exists("/closing", { watch: events.push });
    await c.close();
    expect(await events.next("NodeDeleted after close")).toMatchObject({ type: EventType.NodeDeleted, path: "/closing" });
    expect(c.state).toBe("closed");
  });

  it("a dropped connection reattaches the same session, keeping its ephemerals", async () => {
    const proxy = await startProxy(s.server.ports.native);
    const c = createClient(`127.0.0.1:${proxy.port}`, { sessionTimeoutMs: 4000, reconnectDelayMsMin: 10, reconnectDelayMsMax: 50 });
    try {
      await c.connected({ timeoutMs: 5000 });
      await c.create("/stays", "", { mode: CreateMode.EPHEMERAL });
      const id = c.sessionId;
      const states = new Inbox<string>();
      c.on("state", states.push);
      proxy.cut();
      await states.next("reconnected", 2);
      expect(states.items.slice(0, 2)).toEqual(["disconnected", "reconnected"]);
      expect(c.sessionId).toBe(id);
      expect(await c.getEphemerals()).toEqual(["/stays"]);
      expect(proxy.accepted).toBe(2);
    } finally {
      await c.close().catch(() => undefined);
      await proxy.close();
    }
  });
});
