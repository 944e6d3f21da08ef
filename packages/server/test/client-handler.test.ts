// The client handler against a recording connection: what a client is told, in which order.
import { describe, expect, it } from "vitest";
import { CloseReason, ErrorCode, WatcherType, type Response } from "@warden/protocol";
import { DataTree } from "@warden/tree";
import { ClientHandler } from "../src/core/client-handler.js";
import { OutstandingLimit, type ServerContext, type SyncResult } from "../src/core/context.js";
import { RequestMetrics } from "../src/admin/request-metrics.js";
import { loadConfig } from "../src/config/index.js";
import type { ClientConnection, CloseCause } from "../src/net/connection.js";
import { ConnectionStats } from "../src/admin/connection-stats.js";
import { buildClientContext, type ContextInput } from "../src/start/context.js";

class RecordingConnection implements ClientConnection {
  readonly protocol = "native" as const;
  readonly remote = "127.0.0.1:1";
  readonly remoteIp = "127.0.0.1";
  readonly tlsIdentities = [];
  readonly replyBytesMax = 1 << 20;
  readonly writable = true;
  readonly bufferedBytes = 0;
  readonly readingPaused = false;
  readonly stats = new ConnectionStats();
  closed = false;
  readonly sent: string[] = [];
  readonly responses: Response[] = [];
  sendConnected(): void {
    this.sent.push("connected");
  }
  sendReply(xid: number, _zxid: bigint, err: number, response: Response | undefined): void {
    this.sent.push(`reply ${xid} err ${err}${response ? ` ${response.type}` : ""}`);
    if (response) this.responses.push(response);
  }
  refuseReply(xid: number): void {
    this.sent.push(`refused ${xid}`);
  }
  multiReplyBytesMax(): number {
    return 0;
  }
  sendEvent(): void {
    this.sent.push("event");
  }
  sessionMoved(xid: number): void {
    this.sent.push(`moved ${xid}`);
    this.closed = true;
  }
  close(reason: CloseReason): void {
    this.sent.push(`close ${reason}`);
    this.closed = true;
  }
  fail(cause: CloseCause): void {
    this.sent.push(`fail ${cause}`);
    this.closed = true;
  }
  pause(): void {}
  resume(): void {}
}

function setup() {
  const syncs: Array<(r: SyncResult) => void> = [];
  const tree = new DataTree();
  const node = {
    serving: true,
    lastZxid: 7n,
    tree,
    touch: () => undefined,
    isWrite: () => false,
    readRefusal: () => undefined,
  } as unknown as ServerContext["node"];
  const ctx: ServerContext = {
    config: loadConfig(undefined, { dataDir: "/nonexistent" }),
    node,
    sessionIds: { take: () => 1n } as unknown as ServerContext["sessionIds"],
    connecting: new Map(),
    metrics: new RequestMetrics(),
    outstanding: new OutstandingLimit(1000),
    password: () => new Uint8Array(16),
    attach: () => false,
    detach: () => true,
    sync: (done) => void syncs.push(done),
  };
  const connection = new RecordingConnection();
  const handler = new ClientHandler(ctx, connection);
  handler.open(0x100n, 4000);
  return { handler, connection, syncs, ctx };
}

describe("sync", () => {
  it("is answered once the server has applied what the leader had committed", () => {
    const { handler, connection, syncs } = setup();
    handler.onRequest(1, { type: "sync", path: "/" });
    syncs[0]!({ ok: true, zxid: 9n });
    expect(connection.sent).toEqual(["connected", "reply 1 err 0 sync"]);
  });

  it("that fails is never answered as a success: the connection ends, as when a write loses its leader", () => {
    const { handler, connection, syncs, ctx } = setup();
    handler.onRequest(1, { type: "sync", path: "/" });
    handler.onRequest(2, { type: "exists", path: "/", watch: false });
    syncs[0]!({ ok: false, reason: "the leader was lost" });
    expect(connection.sent).toEqual(["connected", `close ${CloseReason.NOT_SERVING}`]);
    handler.onClose();
    expect(ctx.outstanding.value).toBe(0);
  });
});

describe("containment", () => {
  it("ends the connection, and only it, when handling its request throws", () => {
    const { handler, connection, ctx } = setup();
    (ctx.node.tree as unknown as { read: () => never }).read = () => {
      throw new Error("injected fault");
    };
    handler.onRequest(1, { type: "getData", path: "/", watch: false });
    expect(connection.sent).toEqual(["connected", "fail internal_error"]);
  });
});

describe("the leader's check of a read (PrepRequestProcessor's checkSession)", () => {
  it("answers SESSION_EXPIRED to a read of a session being closed, and the connection stays for the close", () => {
    const { handler, connection, ctx } = setup();
    (ctx.node as { readRefusal: () => number | undefined }).readRefusal = () => ErrorCode.SESSION_EXPIRED;
    handler.onRequest(1, { type: "exists", path: "/", watch: false });
    expect(connection.sent).toEqual(["connected", `reply 1 err ${ErrorCode.SESSION_EXPIRED}`]);
  });

  it("answers SESSION_MOVED to a read of a session that moved, and ends the connection", () => {
    const { handler, connection, ctx } = setup();
    (ctx.node as { readRefusal: () => number | undefined }).readRefusal = () => ErrorCode.SESSION_MOVED;
    handler.onRequest(1, { type: "exists", path: "/", watch: false });
    expect(connection.sent).toEqual(["connected", "moved 1"]);
  });
});

describe("the connection's figures for cons", () => {
  it("record each answered request's xid, zxid and operation, as ZooKeeper's updateStatsForResponse", () => {
    const { handler, connection, ctx } = setup();
    (ctx.node as { lastZxid: bigint }).lastZxid = 0x500000009n;
    handler.onRequest(5, { type: "getChildren", path: "/", watch: false, stat: false } as never);
    expect(connection.stats).toMatchObject({ lastCxid: 5, lastZxid: 0x500000009n, lastOp: "GETC" });
    expect(connection.stats.lastResponseMs).toBeGreaterThan(0);
    // A ping's xid (-2) is not a request's: lcxid stays, the operation and zxid move.
    handler.onRequest(-2, { type: "ping" });
    expect(connection.stats).toMatchObject({ lastCxid: 5, lastOp: "PING" });
    connection.stats.reset();
    expect(connection.stats).toMatchObject({ lastCxid: -1, lastZxid: -1n, lastOp: "NA", received: 0, sent: 0, latencyMsMax: 0 });
  });
});

describe("addAuth", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it("ip answers OK whatever its bytes (null too) and proves the connection's address, once, as IPAuthenticationProvider", () => {
    const { handler, connection } = setup();
    handler.onRequest(1, { type: "auth", scheme: "ip", auth: bytes("anything at all") });
    handler.onRequest(2, { type: "auth", scheme: "ip", auth: null });
    handler.onRequest(3, { type: "whoAmI" });
    expect(connection.sent).toEqual(["connected", "reply 1 err 0 auth", "reply 2 err 0 auth", "reply 3 err 0 whoAmI"]);
    expect(connection.responses.at(-1)).toEqual({ type: "whoAmI", clientInfo: [{ scheme: "ip", id: "127.0.0.1" }] });
  });

  it("digest with null bytes fails authentication and ends the connection, as ZooKeeper", () => {
    const { handler, connection } = setup();
    handler.onRequest(1, { type: "auth", scheme: "digest", auth: null });
    expect(connection.sent).toEqual(["connected", "reply 1 err -115", "close authFailed"]);
  });

  // ZooKeeper 3.8 answered these whoAmI replies to the same addAuth bytes (raw frames).
  it("digest user:password adds the digest identity after the ip one; whoAmI names its user, as DigestAuthenticationProvider.getUserName", () => {
    const { handler, connection } = setup();
    handler.onRequest(1, { type: "auth", scheme: "digest", auth: bytes("u:p") });
    handler.onRequest(2, { type: "whoAmI" });
    expect(connection.responses.at(-1)).toEqual({
      type: "whoAmI",
      clientInfo: [
        { scheme: "ip", id: "127.0.0.1" },
        { scheme: "digest", id: "u" },
      ],
    });
  });

  it("digest credentials without a colon are accepted, as ZooKeeper's generateDigest hashes the whole text", () => {
    const { handler, connection } = setup();
    handler.onRequest(1, { type: "auth", scheme: "digest", auth: bytes("nocolon") });
    handler.onRequest(2, { type: "whoAmI" });
    expect(connection.sent).toEqual(["connected", "reply 1 err 0 auth", "reply 2 err 0 whoAmI"]);
    expect(connection.responses.at(-1)).toEqual({
      type: "whoAmI",
      clientInfo: [
        { scheme: "ip", id: "127.0.0.1" },
        { scheme: "digest", id: "nocolon" },
      ],
    });
  });
});

describe("a session that reconnects to the same server", () => {
  /** Two connections of one session on one server, sharing the server's real attach and detach. */
  function twoConnections() {
    const { ctx } = setup();
    const local = new Map<bigint, ClientHandler>();
    const built = buildClientContext({
      config: ctx.config,
      node: ctx.node,
      audit: undefined,
      reconfig: undefined as unknown as ContextInput["reconfig"],
      readOnly: undefined as unknown as ContextInput["readOnly"],
      metrics: ctx.metrics,
      sasl: undefined,
      secret: new Uint8Array(16),
      local,
      connecting: new Map(),
      late: { driver: { get: () => undefined } } as unknown as ContextInput["late"],
      log: () => undefined,
    }).ctx;
    const older = new ClientHandler(built, new RecordingConnection());
    const newer = new ClientHandler(built, new RecordingConnection());
    return { tree: ctx.node.tree, older, newer, local };
  }
  const watched = (tree: DataTree) => tree.watches.containsWatch(0x100n, "/", WatcherType.Data);

  it("keeps the watches its new connection set when the older connection's socket closes late", () => {
    const { tree, older, newer, local } = twoConnections();
    older.open(0x100n, 4000);
    newer.open(0x100n, 4000);
    expect(older.connection.closed).toBe(true);
    newer.onRequest(1, { type: "exists", path: "/", watch: true });
    expect(watched(tree)).toBe(true);
    older.onClose();
    expect(watched(tree)).toBe(true);
    expect(local.get(0x100n)).toBe(newer);
    newer.onClose();
    expect(watched(tree)).toBe(false);
    expect(local.size).toBe(0);
  });

  it("drops the older connection's watches when the new one takes over, as ZooKeeper drops a closed connection's", () => {
    const { tree, older, newer } = twoConnections();
    older.open(0x100n, 4000);
    older.onRequest(1, { type: "exists", path: "/", watch: true });
    expect(watched(tree)).toBe(true);
    newer.open(0x100n, 4000);
    expect(watched(tree)).toBe(false);
  });
});
