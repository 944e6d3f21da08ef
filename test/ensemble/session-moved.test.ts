// SESSION_MOVED, as in ZooKeeper: a session opened on one server of a three-process ensemble
// is reattached on another (a second connection with the same id and password) while its
// first connection stays open. The leader now knows the session's owner is the new server, so
// requests still arriving on the old connection are refused where ZooKeeper refuses them:
// writes at the leader, reads only when the old server is the leader itself (a follower serves
// its reads unchecked). The old connection then ends (ZooKeeper's port: no reply, as
// FinalRequestProcessor only closes it; native port: the reply SESSION_MOVED and a close frame),
// and the session and its ephemerals stay with the new connection.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CreateMode, ErrorCode, OPEN_ACL_UNSAFE, SessionMovedError, type Request, type Response } from "@warden/protocol";
import { createClient, type Client } from "@warden/client";
import { ProcessEnsemble } from "@warden/testing";
import { TEST_ENSEMBLE } from "./workload.js";
import { connectFrame, openNative, openZk } from "../e2e/raw.js";
import { waitFor } from "../e2e/harness.js";
import { fourLetterWord } from "../compat/helpers.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

type Outcome = { err: number; response?: Response | undefined } | "closed without a reply";

/** One raw connection of a session, whichever port: requests answered, or the connection ended. */
interface RawSession {
  sessionId: bigint;
  password: Uint8Array;
  request(xid: number, request: Request): Promise<Outcome>;
  /** The native port's close frame reason, if one came. */
  closeReason(): string | undefined;
  isClosed(): boolean;
  close(): void;
}

type Port = "zookeeper" | "native";

async function openZkSession(port: number, session?: { sessionId: bigint; password: Uint8Array }): Promise<RawSession> {
  const zk = await openZk(port, true, session);
  const first = zk.frames.items[0]!;
  if (first.kind !== "connected") throw new Error("no ConnectResponse");
  const closed = zk.closed.then(() => "closed without a reply" as const);
  return {
    sessionId: first.sessionId,
    password: first.password,
    async request(xid, request) {
      zk.send(xid, request);
      const outcome = await Promise.race([zk.reply(xid).then((r) => ({ err: r.err, response: r.response })), closed]);
      if (outcome === "closed without a reply" && zk.frames.items.some((f) => f.kind === "reply" && f.xid === xid))
        throw new Error(`xid ${xid} was answered before the close`);
      return outcome;
    },
    closeReason: () => undefined,
    isClosed: zk.isClosed,
    close: () => zk.socket.destroy(),
  };
}

async function openNativeSession(port: number, session?: { sessionId: bigint; password: Uint8Array }): Promise<RawSession> {
  const raw = await openNative(port);
  raw.send(connectFrame(session?.sessionId ?? 0n, session?.password ?? new Uint8Array(16)));
  const first = await raw.frames.next("the connected frame");
  if (first.kind !== "connected") throw new Error(`refused: ${JSON.stringify(first)}`);
  const closed = raw.closed.then(() => "closed without a reply" as const);
  return {
    sessionId: first.response.sessionId,
    password: first.response.password,
    async request(xid, request) {
      raw.send({ kind: "request", xid, request });
      const replied = () => raw.frames.items.find((f) => f.kind === "reply" && f.xid === xid);
      const outcome = await Promise.race([waitFor(`the reply to xid ${xid}`, replied, 10_000), closed]);
      // A reply read just before the close counts (the socket's close may win the race above).
      const f = outcome === "closed without a reply" ? replied() : outcome;
      return f?.kind === "reply" ? { err: f.err, response: f.response } : "closed without a reply";
    },
    closeReason: () => raw.frames.items.flatMap((f) => (f.kind === "close" ? [f.reason] : []))[0],
    isClosed: raw.isClosed,
    close: () => raw.close(),
  };
}

describe("a session reattached on another server of a process ensemble", () => {
  let ensemble: ProcessEnsemble;
  const opened: Array<{ close(): void }> = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    // A leader change drops every client (as in ZooKeeper), which would end these connections
    // early: give the leader 2 s of silence before it is replaced, so a loaded machine's pauses do not.
    ensemble = await ProcessEnsemble.start({ ...TEST_ENSEMBLE, syncLimit: 20 });
  }, 60_000);
  afterEach(async () => {
    for (const c of opened.splice(0)) c.close();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await ensemble?.stop();
  });

  const open = async (port: Port, id: number, session?: { sessionId: bigint; password: Uint8Array }) => {
    const ports = ensemble.server(id).ports;
    const s = port === "zookeeper" ? await openZkSession(ports.client, session) : await openNativeSession(ports.native, session);
    opened.push(s);
    return s;
  };

  const closedForMoves = async (id: number, port: Port): Promise<number> => {
    const metrics = await (await fetch(`http://127.0.0.1:${ensemble.server(id).ports.admin}/metrics`)).text();
    const line = metrics
      .split("\n")
      .find((l) => l.startsWith("warden_connections_closed_total{") && l.includes('cause="session_moved"') && l.includes(`port="${port}"`));
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  };

  /** The session opened on `oldId` with an ephemeral, reattached on `newId`; returns both connections. */
  async function moveSession(port: Port, oldId: number, newId: number, path: string) {
    const old = await open(port, oldId);
    expect(
      await old.request(1, { type: "create", path, data: bytes("opened"), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.EPHEMERAL }),
    ).toMatchObject({ err: 0 });
    const moved = await open(port, newId, old);
    // Answered at the new server: the leader has taken its revalidation (sent ahead of this write).
    const outcome = await moved.request(1, { type: "setData", path, data: bytes("moved"), version: -1 });
    // Seen once in CI under load, unexplained: the servers' logs say whether a leader changed.
    const logs = () =>
      ensemble.servers.map((s) => `--- server ${s.id} (old ${oldId}, new ${newId}):\n${ensemble.logTail(s.id, 25)}`).join("\n");
    expect(
      outcome,
      outcome === "closed without a reply" ? `the moved connection's write was not answered\n${logs()}` : undefined,
    ).toMatchObject({ err: 0 });
    return { old, moved };
  }

  /** The session, its ephemeral and its data are the new connection's; the stale write changed nothing. */
  async function expectSessionStayed(moved: RawSession, newId: number, oldId: number, path: string) {
    const read = await moved.request(2, { type: "getData", path, watch: false });
    expect(read).toMatchObject({ err: 0 });
    const r = (read as { response: Extract<Response, { type: "getData" }> }).response;
    expect(text(r.data)).toBe("moved");
    expect(r.stat.ephemeralOwner).toBe(moved.sessionId);
    expect(await moved.request(3, { type: "setData", path, data: bytes("still mine"), version: -1 })).toMatchObject({ err: 0 });
    expect(moved.isClosed()).toBe(false);
    const hex = moved.sessionId.toString(16);
    const holds = async (id: number) =>
      (await fourLetterWord(`127.0.0.1:${ensemble.server(id).ports.client}`, "cons")).includes(`sid=0x${hex}`);
    expect(await holds(newId)).toBe(true);
    // The old server lets go of the connection once its socket has closed on its side too.
    await waitFor("the old server to let go of the session", async () => !(await holds(oldId)), 5000);
  }

  async function roles() {
    const leader = await ensemble.waitForLeader();
    const followers = ensemble.servers.map((s) => s.id).filter((id) => id !== leader);
    return { leader, followers: followers as [number, number] };
  }

  for (const port of ["zookeeper", "native"] as const) {
    // ZooKeeper's server closes without answering; the native port answers, then closes.
    const refused = port === "zookeeper" ? "closed without a reply" : { err: ErrorCode.SESSION_MOVED };
    const expectMovedEnd = (old: RawSession) => {
      expect(old.isClosed()).toBe(true);
      if (port === "native") expect(old.closeReason()).toBe("sessionMoved");
    };

    it(`${port} port, old connection on a follower: its read is still served, its write is refused with SESSION_MOVED and the connection ends`, async () => {
      const { followers } = await roles();
      const [oldId, newId] = followers;
      const path = `/moved-${port}-follower`;
      const { old, moved } = await moveSession(port, oldId, newId, path);
      const closesBefore = await closedForMoves(oldId, port);

      expect(await old.request(2, { type: "getData", path, watch: false })).toMatchObject({ err: 0 });
      expect(await old.request(3, { type: "setData", path, data: bytes("stale"), version: -1 })).toEqual(refused);
      await waitFor("the old connection to end", () => old.isClosed());
      expectMovedEnd(old);
      expect(await closedForMoves(oldId, port)).toBe(closesBefore + 1);
      await expectSessionStayed(moved, newId, oldId, path);
    }, 30_000);

    it(`${port} port, old connection on the leader: its read is refused with SESSION_MOVED and the connection ends`, async () => {
      const { leader, followers } = await roles();
      const path = `/moved-${port}-leader-read`;
      const { old, moved } = await moveSession(port, leader, followers[0], path);
      expect(await old.request(2, { type: "getData", path, watch: false })).toEqual(refused);
      await waitFor("the old connection to end", () => old.isClosed());
      expectMovedEnd(old);
      await expectSessionStayed(moved, followers[0], leader, path);
    }, 30_000);

    it(`${port} port, old connection on the leader: its write is refused with SESSION_MOVED and the connection ends`, async () => {
      const { leader, followers } = await roles();
      const path = `/moved-${port}-leader-write`;
      const { old, moved } = await moveSession(port, leader, followers[1], path);
      expect(await old.request(2, { type: "setData", path, data: bytes("stale"), version: -1 })).toEqual(refused);
      await waitFor("the old connection to end", () => old.isClosed());
      expectMovedEnd(old);
      await expectSessionStayed(moved, followers[1], leader, path);
    }, 30_000);
  }

  it("a write that waited at a paused server while its session moved on is never applied: the old connection does not resurrect anything", async () => {
    const { followers } = await roles();
    const [oldId, newId] = followers;
    const old = await open("native", oldId);
    expect(
      await old.request(1, {
        type: "create",
        path: "/paused-eph",
        data: bytes("opened"),
        acl: [...OPEN_ACL_UNSAFE],
        mode: CreateMode.EPHEMERAL,
      }),
    ).toMatchObject({ err: 0 });
    ensemble.pause(oldId);
    let stale: Promise<Outcome>;
    try {
      // Sent while the old server cannot read it (ZOOKEEPER-710's slow server); it reads it later.
      stale = old.request(2, {
        type: "create",
        path: "/resurrected",
        data: bytes("stale"),
        acl: [...OPEN_ACL_UNSAFE],
        mode: CreateMode.PERSISTENT,
      });
      const moved = await open("native", newId, old);
      expect(await moved.request(1, { type: "setData", path: "/paused-eph", data: bytes("moved"), version: -1 })).toMatchObject({ err: 0 });
    } finally {
      ensemble.resume(oldId);
    }
    const outcome = await stale;
    await waitFor("the old connection to end", () => old.isClosed(), 10_000);
    expect(outcome).toEqual({ err: ErrorCode.SESSION_MOVED });
    expect(old.closeReason()).toBe("sessionMoved");
    const check = await open("native", newId);
    expect(await check.request(1, { type: "sync", path: "/" })).toMatchObject({ err: 0 });
    expect(await check.request(2, { type: "exists", path: "/resurrected", watch: false })).toEqual({
      err: ErrorCode.NO_NODE,
      response: undefined,
    });
    expect(await check.request(3, { type: "exists", path: "/paused-eph", watch: false })).toMatchObject({
      err: 0,
      response: { stat: { ephemeralOwner: old.sessionId } },
    });
  }, 30_000);

  it("the client library sees SessionMovedError for the request that found its session moved, then reconnects with the same session", async () => {
    const { followers } = await roles();
    const [first, other] = followers;
    const client = createClient(`${ensemble.nativeAddress(first)},${ensemble.nativeAddress(other)}`, {
      sessionTimeoutMs: 6000,
      reconnectDelayMsMin: 10,
      reconnectDelayMsMax: 100,
      random: () => 0.999,
    });
    clients.push(client);
    await client.connected({ timeoutMs: 10_000 });
    await client.create("/lib-moved", "mine", { mode: CreateMode.EPHEMERAL });
    const sessionId = client.sessionId;
    const states: string[] = [];
    client.on("state", (e) => void states.push(String(e)));

    // Another connection takes the session over on the other server.
    const taker = await open("native", other, { sessionId, password: client.sessionPassword });
    expect(await taker.request(1, { type: "setData", path: "/lib-moved", data: bytes("taken"), version: -1 })).toMatchObject({ err: 0 });

    const refused = await client.setData("/lib-moved", "stale").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SessionMovedError);
    expect((refused as SessionMovedError).zkCode).toBe(ErrorCode.SESSION_MOVED);
    // The client reconnects (as ZooKeeper's does after SESSION_MOVED) and its session goes on.
    await waitFor("a write after the reconnect", () => client.setData("/lib-moved", "back").catch(() => false), 15_000);
    expect(client.sessionId).toBe(sessionId);
    expect(states).toContain("disconnected");
    const { data, stat } = await client.getData("/lib-moved");
    expect([text(data), stat.ephemeralOwner]).toEqual(["back", sessionId]);
  }, 30_000);

  it("the client library's own failover reattaches elsewhere and its session keeps writing (the leader follows it)", async () => {
    const { followers } = await roles();
    const [first, other] = followers;
    // random near 1: the connect string's order is kept, so the client starts on `first`.
    const client = createClient(`${ensemble.nativeAddress(first)},${ensemble.nativeAddress(other)}`, {
      sessionTimeoutMs: 6000,
      reconnectDelayMsMin: 10,
      reconnectDelayMsMax: 100,
      random: () => 0.999,
    });
    clients.push(client);
    await client.connected({ timeoutMs: 10_000 });
    await client.create("/failover-eph", "here", { mode: CreateMode.EPHEMERAL });
    const sessionId = client.sessionId;
    const hex = sessionId.toString(16);
    expect((await fourLetterWord(`127.0.0.1:${ensemble.server(first).ports.client}`, "cons")).includes(`sid=0x${hex}`)).toBe(true);

    await ensemble.kill(first);
    try {
      // Writes go on from the other server: it revalidated the session, so the leader takes them.
      await waitFor("a write after the failover", () => client.setData("/failover-eph", "moved").catch(() => false), 15_000);
      expect(client.sessionId).toBe(sessionId);
      const { data, stat: after } = await client.getData("/failover-eph");
      expect(text(data)).toBe("moved");
      expect(after.ephemeralOwner).toBe(sessionId);
    } finally {
      ensemble.restart(first);
      await ensemble.waitForLeader({ timeoutMs: 20_000 });
    }
  }, 60_000);
});
