// The client's read-only mode, as ZooKeeper's ClientCnxn with canBeReadOnly: against the test
// fixture's read-only servers (TestServer.readOnly), which behave as ZooKeeper's
// ReadOnlyZooKeeperServer with local sessions.
import { describe, expect, it } from "vitest";
import { ConnectionLossError, EventType, NotReadOnlyError } from "@warden/protocol";
import { createClient, type WatchedEvent } from "@warden/client";
import { nodeTransport } from "../src/node.js";
import { connectString } from "./fixtures/test-server.js";
import { connect, recordStates, seeded, startEnsemble, text, until } from "./helpers.js";

describe("a canBeReadOnly client", () => {
  it("connects to a read-only server: state connectedReadOnly, reads answer, writes and sync fail with NotReadOnlyError", async () => {
    const { servers, ensemble } = await startEnsemble(1);
    ensemble.tree.write({ type: "create", path: "/kept", data: new TextEncoder().encode("v"), acl: [], mode: 0 }, 0n);
    servers[0]!.readOnly = true;
    const c = await connect(servers, { canBeReadOnly: true });
    expect(c.state).toBe("connectedReadOnly");
    expect(servers[0]!.connectRequests[0]!.readOnly).toBe(true);
    expect(text((await c.getData("/kept")).data)).toBe("v");
    await expect(c.create("/new", "x")).rejects.toBeInstanceOf(NotReadOnlyError);
    await expect(c.setData("/kept", "w")).rejects.toBeInstanceOf(NotReadOnlyError);
    await expect(c.sync("/")).rejects.toBeInstanceOf(NotReadOnlyError);
    expect(c.state).toBe("connectedReadOnly");
  });

  it("connected({ readWrite: true }) waits for a read-write server; connected() accepts a read-only one", async () => {
    const { servers } = await startEnsemble(1);
    servers[0]!.readOnly = true;
    const c = await connect(servers, { canBeReadOnly: true });
    await expect(c.connected({ timeoutMs: 5000 })).resolves.toBeUndefined();
    await expect(c.connected({ timeoutMs: 200, readWrite: true })).rejects.toThrow(/not connected in time/);
  });

  it("sends a session of a read-only server to no other server: the next handshake asks for a new session, which continues it without an expiry", async () => {
    const { servers } = await startEnsemble(1);
    const server = servers[0]!;
    server.readOnly = true;
    const c = await connect(servers, { canBeReadOnly: true });
    const states = recordStates(c);
    const readOnlyId = c.sessionId;
    const events: WatchedEvent[] = [];
    await c.exists("/later", { watch: (e) => events.push(e) });
    // The quorum returns: the server ends read-only mode and closes its read-only connections.
    server.endReadOnly();
    await until(() => c.state === "connected");
    await until(() => states.length === 2);
    const retry = server.connectRequests.at(-1)!;
    expect(retry.sessionId).toBe(0n);
    expect(c.sessionId).not.toBe(readOnlyId);
    expect(states).not.toContain("expired");
    // The session goes on: "reconnected" (ZooKeeper's SyncConnected after ConnectedReadOnly), never "expired".
    expect(states).toEqual(["disconnected", "reconnected"]);
    // The watch set while read-only was carried to the new session (setWatches) and fires.
    await c.create("/later", "x");
    await until(() => events.length === 1);
    expect(events[0]!.type).toBe(EventType.NodeCreated);
  });

  it("looks for a read-write server in the background and moves to it without waiting for its read-only server to close", async () => {
    const { servers, ensemble } = await startEnsemble(2);
    const [readOnly, readWrite] = servers as [(typeof servers)[0], (typeof servers)[0]];
    readOnly.readOnly = true;
    const port = readWrite.port;
    await readWrite.stop();
    const c = createClient(connectString([readOnly, readWrite]), {
      transport: nodeTransport(),
      sessionTimeoutMs: 2000,
      reconnectDelayMsMin: 10,
      reconnectDelayMsMax: 50,
      random: seeded(3),
      canBeReadOnly: true,
    });
    try {
      await c.connected({ timeoutMs: 5000 });
      expect(c.state).toBe("connectedReadOnly");
      const readOnlyId = c.sessionId;
      // Probes fail while the read-write server is down: the search goes on (with backoff).
      await until(() => c.readWriteProbes >= 2);
      expect(c.state).toBe("connectedReadOnly");
      await readWrite.start(port);
      await until(() => c.state === "connected", 10_000);
      // The probe's handshake is the one that opened the session there: no read-only allowed, a new session asked for.
      const probe = readWrite.connectRequests.find((r) => !r.readOnly)!;
      expect(probe.sessionId).toBe(0n);
      expect(readWrite.connectRequests.every((r) => !r.readOnly)).toBe(true);
      expect(c.sessionId).not.toBe(readOnlyId);
      expect(ensemble.sessions.get(c.sessionId)?.readOnlyOf).toBeUndefined();
      // The read-only server still serves read-only: the client left it on its own.
      expect(readOnly.readOnly).toBe(true);
      await c.create("/written", "w");
      expect(text((await c.getData("/written")).data)).toBe("w");
    } finally {
      await c.close();
    }
  });

  it("a request in flight on the read-only connection when it moves fails with ConnectionLossError", async () => {
    const { servers } = await startEnsemble(2);
    const [readOnly, readWrite] = servers as [(typeof servers)[0], (typeof servers)[0]];
    readOnly.readOnly = true;
    const port = readWrite.port;
    await readWrite.stop();
    const c = createClient(connectString([readOnly, readWrite]), {
      transport: nodeTransport(),
      sessionTimeoutMs: 2000,
      reconnectDelayMsMin: 10,
      reconnectDelayMsMax: 50,
      random: seeded(3),
      canBeReadOnly: true,
    });
    try {
      await c.connected({ timeoutMs: 5000 });
      readOnly.swallow = (r) => r.type === "getData";
      const lost = c.getData("/");
      await readWrite.start(port);
      await expect(lost).rejects.toBeInstanceOf(ConnectionLossError);
      await until(() => c.state === "connected", 10_000);
    } finally {
      await c.close();
    }
  });
});

describe("a client without canBeReadOnly", () => {
  it("is refused by a read-only server and keeps trying: never connectedReadOnly", async () => {
    const { servers } = await startEnsemble(1);
    servers[0]!.readOnly = true;
    const c = createClient(connectString(servers), {
      transport: nodeTransport(),
      sessionTimeoutMs: 2000,
      reconnectDelayMsMin: 10,
      reconnectDelayMsMax: 50,
      random: seeded(1),
    });
    try {
      await until(() => servers[0]!.connects >= 2);
      expect(servers[0]!.connectRequests.every((r) => !r.readOnly)).toBe(true);
      expect(c.state).toBe("connecting");
      // The server regains its quorum: the client gets a read-write session.
      servers[0]!.readOnly = false;
      await c.connected({ timeoutMs: 5000 });
      expect(c.state).toBe("connected");
    } finally {
      await c.close();
    }
  });
});
