import { describe, expect, it } from "vitest";
import { ConnectionLossError, EventType, KeeperState, OperationTimeoutError, SessionExpiredError } from "@warden/protocol";
import { ClientClosedError, NO_ZXID, type WatchedEvent } from "@warden/client";
import { ManualClock } from "@warden/testing";
import { nodeTransport } from "../src/node.js";
import { connect, countingTransport, nextState, pumpUntil, recordStates, startEnsemble, until } from "./helpers.js";

describe("sessions across connection loss", () => {
  it("reattaches the same session on another server after its server goes away", async () => {
    const { servers } = await startEnsemble(2);
    const c = await connect(servers);
    const states = recordStates(c);
    const id = c.sessionId;
    const current = servers.find((s) => s.connects === 1)!;
    const reconnected = nextState(c, "reconnected");
    await current.stop();
    await reconnected;
    expect(c.sessionId).toBe(id);
    expect(states).toEqual(["disconnected", "reconnected"]);
    expect(await c.exists("/")).not.toBeNull();
  });

  it("re-registers watches with lastZxidSeen so a change made while away is delivered", async () => {
    const { servers, ensemble } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/w", "0");
    await c.create("/gone");
    const events: WatchedEvent[] = [];
    await c.getData("/w", { watch: (e) => events.push(e) });
    await c.exists("/new", { watch: (e) => events.push(e) });
    await c.getChildren("/gone", { watch: (e) => events.push(e) });
    const server = servers[0]!;
    await server.stop();
    ensemble.tree.write({ type: "setData", path: "/w", data: new Uint8Array([1]), version: -1 }, 0n);
    ensemble.tree.write({ type: "create", path: "/new", data: new Uint8Array(0), acl: [], mode: 0 }, 0n);
    ensemble.tree.write({ type: "delete", path: "/gone", version: -1 }, 0n);
    await server.start();
    await until(() => events.length === 3);
    expect(events.map((e) => [e.type, e.path]).sort()).toEqual(
      [
        [EventType.NodeCreated, "/new"],
        [EventType.NodeDataChanged, "/w"],
        [EventType.NodeDeleted, "/gone"],
      ].sort(),
    );
    const setWatches = ensemble.log.filter((l) => l.request.type === "setWatches");
    expect(setWatches).toHaveLength(1);
  });

  it("fails a write in flight with ConnectionLossError and never resends it", async () => {
    const { servers, ensemble } = await startEnsemble();
    const c = await connect(servers);
    servers[0]!.swallow = (r) => r.type === "create";
    const write = c.create("/once");
    await until(() => ensemble.log.some((l) => l.request.type === "create"));
    servers[0]!.swallow = () => false;
    servers[0]!.dropConnections();
    await expect(write).rejects.toBeInstanceOf(ConnectionLossError);
    await nextState(c, "reconnected");
    await c.sync("/");
    expect(ensemble.log.filter((l) => l.request.type === "create")).toHaveLength(1);
  });

  it("retries a read in flight on the next connection only when the caller opts in", async () => {
    const { servers, ensemble } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/r", "v");
    let swallowed = 0;
    servers[0]!.swallow = (r) => r.type === "getData" && swallowed++ < 2;
    const plain = c.getData("/r");
    const retried = c.getData("/r", { retryRead: true });
    await until(() => swallowed === 2);
    servers[0]!.dropConnections();
    await expect(plain).rejects.toBeInstanceOf(ConnectionLossError);
    expect((await retried).stat.version).toBe(0);
    expect(ensemble.log.filter((l) => l.request.type === "getData")).toHaveLength(3);
  });

  it("refuses a server behind its lastZxidSeen and reattaches once one has caught up", async () => {
    const { servers } = await startEnsemble(2);
    const c = await connect(servers);
    await c.create("/x");
    const seen = c.lastZxidSeen;
    expect(seen).toBeGreaterThan(0n);
    const current = servers.find((s) => s.connects === 1)!;
    const other = servers.find((s) => s !== current)!;
    other.zxidCap = seen - 1n;
    const states = recordStates(c);
    await current.stop();
    await until(() => other.connects >= 3);
    expect(states).toEqual(["disconnected"]);
    other.zxidCap = undefined;
    await nextState(c, "reconnected");
    expect(c.sessionId).not.toBe(0n);
    expect(await c.exists("/x")).not.toBeNull();
  });
});

describe("session expiry", () => {
  it("reports the session lost after its timeout without any server, then opens a new one (the client's time on a manual clock)", async () => {
    const { servers, ensemble } = await startEnsemble();
    ensemble.sessionTimeoutMsMax = 400;
    const clock = new ManualClock();
    const c = await connect(servers, { sessionTimeoutMs: 400, clock });
    expect(c.sessionTimeoutMs).toBe(400);
    const oldId = c.sessionId;
    const watchEvents: WatchedEvent[] = [];
    await c.create("/w");
    await c.getData("/w", { watch: (e) => watchEvents.push(e) });
    const states = recordStates(c);
    const at = new Map<string, number>();
    c.on("state", (s) => at.set(s, at.get(s) ?? clock.now()));
    // Last heard at client time 0: a partition now (the socket stays up, nothing comes back).
    servers[0]!.silent = true;
    await pumpUntil(clock, () => at.has("expired"), "the session's expiry");
    // Disconnected once nothing was heard for the read timeout (2/3 of 400 ms, checked each
    // sixth of it), expired at the deadline: last heard + the negotiated timeout.
    const readTimeoutMs = (400 * 2) / 3;
    expect(at.get("disconnected")).toBeGreaterThanOrEqual(readTimeoutMs - 1e-9);
    expect(at.get("disconnected")).toBeLessThanOrEqual(readTimeoutMs + readTimeoutMs / 6);
    expect(at.get("expired")).toBe(400);
    expect(states.slice(0, 2)).toEqual(["disconnected", "expired"]);
    expect(watchEvents).toEqual([{ type: EventType.None, state: KeeperState.Expired, path: "", zxid: NO_ZXID }]);
    const queued = c.exists("/w");
    servers[0]!.silent = false;
    await pumpUntil(clock, () => at.has("reconnected"), "a new session");
    expect(c.sessionId).not.toBe(oldId);
    expect(await queued).not.toBeNull();
  });

  it("keeps an idle session alive with pings at a third of its timeout (the client's time on a manual clock)", async () => {
    const { servers, ensemble } = await startEnsemble();
    ensemble.sessionTimeoutMsMax = 300;
    const clock = new ManualClock();
    const wire = countingTransport(nodeTransport());
    const c = await connect(servers, { sessionTimeoutMs: 300, clock, transport: wire.transport });
    const states = recordStates(c);
    const pings = () => ensemble.log.filter((l) => l.request.type === "ping" && l.sessionId === c.sessionId).length;
    // One second of the client's time in 10 ms steps; time moves on only once every frame sent
    // so far has its answer, so the server's real-time expiry never sees a client that is slow.
    for (let step = 0; step < 100; step++) {
      clock.advance(10);
      await until(() => wire.received() >= wire.sent());
    }
    expect(states).toEqual([]);
    expect(ensemble.sessions.has(c.sessionId)).toBe(true);
    // Idle for half the read timeout (a third of the session timeout, 100 ms), checked each sixth of it.
    expect(pings()).toBeGreaterThanOrEqual(7);
    expect(pings()).toBeLessThanOrEqual(10);
  });

  it("a manual clock runs timers in due order with now() at each one's due time", () => {
    const clock = new ManualClock(1000);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(["b", clock.now()]), 20);
    const dropped = clock.setTimeout(() => seen.push(["x", clock.now()]), 5);
    clock.setTimeout(() => {
      seen.push(["a", clock.now()]);
      clock.setTimeout(() => seen.push(["a2", clock.now()]), 5);
    }, 10);
    clock.clearTimeout(dropped);
    clock.advance(15);
    expect(seen).toEqual([
      ["a", 1010],
      ["a2", 1015],
    ]);
    expect(clock.now()).toBe(1015);
    clock.advance(100);
    expect(seen.at(-1)).toEqual(["b", 1020]);
    expect(clock.now()).toBe(1115);
    expect(clock.pending).toBe(0);
  });

  it("learns from the server that its session expired: fails queued calls, notifies watches, starts anew", async () => {
    const { servers, ensemble } = await startEnsemble();
    const c = await connect(servers);
    const ephemeralOwner = c.sessionId;
    await c.create("/e", "", { mode: 1 });
    const expired = nextState(c, "expired");
    ensemble.expire(ephemeralOwner);
    await expired;
    expect(ensemble.tree.nodes.has("/e")).toBe(false);
    await nextState(c, "reconnected");
    expect(c.sessionId).not.toBe(ephemeralOwner);
  });

  it("refuses a reattach with a wrong password as an expired session", async () => {
    const { servers, ensemble } = await startEnsemble();
    const c = await connect(servers);
    const id = c.sessionId;
    ensemble.sessions.get(id)!.password = new Uint8Array(16);
    const expired = nextState(c, "expired");
    servers[0]!.dropConnections();
    await expired;
    await nextState(c, "reconnected");
    expect(c.sessionId).not.toBe(id);
  });
});

describe("per-call timeout, abort and close", () => {
  it("fails a call after its timeout, and on abort with the signal's reason", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    servers[0]!.swallow = (r) => r.type === "getData";
    await expect(c.getData("/", { timeoutMs: 30 })).rejects.toBeInstanceOf(OperationTimeoutError);
    const controller = new AbortController();
    const aborted = c.getData("/", { signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
  });

  it("ends a connection whose server skips a reply: the stream can no longer be trusted", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    let skip = true;
    servers[0]!.swallow = (r) => r.type === "getData" && skip;
    const skipped = c.getData("/");
    const next = c.exists("/");
    await expect(next).rejects.toBeInstanceOf(ConnectionLossError);
    await expect(skipped).rejects.toBeInstanceOf(ConnectionLossError);
    skip = false;
    await nextState(c, "reconnected");
    expect(await c.exists("/")).not.toBeNull();
  });

  it("close ends the session (its ephemerals go) and later calls fail with ClientClosedError", async () => {
    const { servers, ensemble } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/e", "", { mode: 1 });
    const states = recordStates(c);
    await c.close();
    expect(states).toEqual(["closed"]);
    expect(ensemble.tree.nodes.has("/e")).toBe(false);
    await expect(c.exists("/")).rejects.toBeInstanceOf(ClientClosedError);
    expect(c.state).toBe("closed");
  });

  it("fails calls queued across a lost session with SessionExpiredError", async () => {
    const { servers, ensemble } = await startEnsemble();
    const c = await connect(servers, { reconnectAfterExpiry: false });
    servers[0]!.swallow = (r) => r.type === "getData";
    const pending = c.getData("/");
    await until(() => ensemble.log.some((l) => l.request.type === "getData"));
    ensemble.expire(c.sessionId);
    await expect(pending).rejects.toBeInstanceOf(SessionExpiredError);
    await until(() => c.state === "closed");
  });
});
