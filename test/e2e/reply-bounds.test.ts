// Replies within the client's frame limit (issue: replies too large to encode killed the
// process, and one multiRead of 9 KB took a server to 975 MiB). No reply larger than the
// limit is ever built: the native client gets MARSHALLING_ERROR for that request and its
// session goes on; a ZooKeeper-protocol client has its connection closed, which is what
// ZooKeeper's own client does with a packet over its jute.maxbuffer. The server keeps its
// memory and serves everyone else.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@warden/client";
import { CreateMode, ErrorCode, MarshallingError, OPEN_ACL_UNSAFE, OpCode, type Request, type WriteOp } from "@warden/protocol";
import { startStandalone, waitFor, type Standalone } from "./harness.js";
import { openZk } from "./raw.js";

const JUTE_MAX = 0xfffff;
let s: Standalone;
let c: Client;
const metric = async (name: string, labels: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${s.server.ports.admin}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.split(",").every((p) => l.includes(p)));
  return line ? Number(line.split(" ").pop()) : 0;
};

beforeAll(async () => {
  s = await startStandalone();
  c = await s.client();
  await c.create("/big-700k", new Uint8Array(700 * 1024).fill(7));
  await c.create("/big-max", new Uint8Array(JUTE_MAX).fill(9));
});
afterAll(() => s?.stop());

/** The server still answers this client and a new one. */
async function stillServing(client: Client): Promise<void> {
  await client.create("/alive-", "x", { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
  const fresh = await s.client();
  expect((await fresh.getData("/big-700k")).data.length).toBe(700 * 1024);
  await fresh.close();
}

describe("native protocol: a reply over the limit is refused for that request only", () => {
  it("answers a multiRead of two getData of a 700 KB node with MARSHALLING_ERROR, and the session goes on", async () => {
    const id = c.sessionId;
    const outcome = c.multiRead([
      { type: "getData", path: "/big-700k" },
      { type: "getData", path: "/big-700k" },
    ]);
    await expect(outcome).rejects.toBeInstanceOf(MarshallingError);
    expect(c.sessionId).toBe(id);
    expect((await c.getData("/big-700k")).data.length).toBe(700 * 1024);
    await stillServing(c);
  });

  it("refuses a multiRead naming a 1 MiB node 400 times without building its reply", async () => {
    const before = s.server.stateCounts().queuedOutputBytesMax;
    const outcome = c.multiRead(Array.from({ length: 400 }, () => ({ type: "getData" as const, path: "/big-max" })));
    await expect(outcome).rejects.toBeInstanceOf(MarshallingError);
    expect(s.server.stateCounts().queuedOutputBytesMax).toBeLessThanOrEqual(Math.max(before, 64 * 1024));
    await stillServing(c);
  });

  it("refuses a multi of 10,000 sequential creates (its reply would be about 2 MB) before anything is written", async () => {
    await c.create("/q");
    const tx = c.transaction();
    for (let n = 0; n < 10_000; n++) tx.create("/q/item-", "", { mode: CreateMode.PERSISTENT_SEQUENTIAL });
    await expect(tx.commit()).rejects.toBeInstanceOf(MarshallingError);
    expect(await c.getChildren("/q")).toEqual([]);
    // A multi whose reply fits is served as before.
    const small = c.transaction();
    for (let n = 0; n < 1000; n++) small.create("/q/item-", "", { mode: CreateMode.PERSISTENT_SEQUENTIAL });
    expect(await small.commit()).toHaveLength(1000);
    await stillServing(c);
  });

  it("reads a node of exactly jute.maxbuffer bytes", async () => {
    expect((await c.getData("/big-max")).data.length).toBe(JUTE_MAX);
  });
});

describe("ZooKeeper protocol: a reply over the limit closes that connection, as ZooKeeper's client would", () => {
  it("closes the connection of a multiRead naming a 1 MiB node 400 times, and counts it", async () => {
    const before = await metric("warden_connections_closed_total", 'cause="reply_too_large",port="zookeeper"');
    const zk = await openZk(s.server.ports.client);
    const request: Request = {
      type: "multiRead",
      ops: Array.from({ length: 400 }, () => ({ type: "getData" as const, path: "/big-max", watch: false })),
    };
    zk.send(1, request);
    await zk.closed;
    expect(s.log.some((l) => l.includes("reply_too_large"))).toBe(true);
    expect(await metric("warden_connections_closed_total", 'cause="reply_too_large",port="zookeeper"')).toBe(before + 1);
    await stillServing(c);
  });

  it("answers a multi of 10,000 sequential creates whose results carry only their paths (about 320 KB), as ZooKeeper does", async () => {
    await c.create("/zq");
    const zk = await openZk(s.server.ports.client);
    const ops: WriteOp[] = Array.from({ length: 10_000 }, () => ({
      type: "create",
      path: "/zq/item-",
      data: new Uint8Array(0),
      acl: [...OPEN_ACL_UNSAFE],
      mode: CreateMode.PERSISTENT_SEQUENTIAL,
    }));
    zk.send(1, { type: "multi", ops });
    const reply = await zk.reply(1);
    expect(reply.kind === "reply" && reply.response?.type === "multi" && reply.response.results.length).toBe(10_000);
    expect(await c.getAllChildrenNumber("/zq")).toBe(10_000);
    zk.socket.destroy();
  });

  it("closes the connection of a multi of 10,000 create2 ops whose reply (with a Stat each) would pass the limit, before anything is written", async () => {
    await c.create("/zq2");
    const zk = await openZk(s.server.ports.client);
    const ops: WriteOp[] = Array.from({ length: 10_000 }, () => ({
      type: "create",
      path: "/zq2/item-with-a-longer-name-",
      data: new Uint8Array(0),
      acl: [...OPEN_ACL_UNSAFE],
      mode: CreateMode.PERSISTENT_SEQUENTIAL,
    }));
    zk.send(
      1,
      { type: "multi", ops },
      OpCode.multi,
      ops.map(() => OpCode.create2),
    );
    await zk.closed;
    expect(await c.getChildren("/zq2")).toEqual([]);
    expect(s.log.some((l) => /reply_too_large.*multi of 10000 ops/.test(l))).toBe(true);
    await stillServing(c);
  });

  it("answers a getData of a node of exactly jute.maxbuffer bytes", async () => {
    const zk = await openZk(s.server.ports.client);
    zk.send(1, { type: "getData", path: "/big-max", watch: false });
    const reply = await zk.reply(1);
    expect(reply.kind === "reply" && reply.response?.type === "getData" && reply.response.data.length).toBe(JUTE_MAX);
    zk.socket.destroy();
  });

  it("closes a connection whose create carries 1,114,000 bytes of data (over jute.maxbuffer), as ZooKeeper does, and writes nothing", async () => {
    const zk = await openZk(s.server.ports.client);
    zk.send(1, { type: "create", path: "/over", data: new Uint8Array(1_114_000), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT });
    await zk.closed;
    expect(await c.exists("/over")).toBeNull();
    expect(s.log.some((l) => /bad_frame.*exceeds frameBytesMax 1048575/.test(l))).toBe(true);
  });

  it("answers an exists watch on a 1 MB path with BAD_ARGUMENTS and registers no watch", async () => {
    const zk = await openZk(s.server.ports.client);
    const watchesBefore = s.server.stateCounts().watches;
    zk.send(1, { type: "exists", path: `/${"a".repeat(1_000_000)}`, watch: true });
    const reply = await zk.reply(1);
    expect(reply.kind === "reply" && reply.err).toBe(ErrorCode.BAD_ARGUMENTS);
    expect(s.server.stateCounts().watches).toBe(watchesBefore);
    zk.socket.destroy();
  });

  it("answers reads with invalid paths with BAD_ARGUMENTS on every op", async () => {
    const zk = await openZk(s.server.ports.client);
    const bad = ["", "no-slash", "/a//b", "/a/", "/a\u0000b", "/.", "/a/.."];
    const reads: Array<(path: string) => [Request, number?]> = [
      (path) => [{ type: "getData", path, watch: false }],
      (path) => [{ type: "exists", path, watch: true }],
      (path) => [{ type: "getChildren", path, watch: true, withStat: true }],
      (path) => [{ type: "getACL", path }],
      (path) => [{ type: "getAllChildrenNumber", path }],
      (path) => [{ type: "sync", path }],
      (path) => [{ type: "addWatch", path, mode: 1 }],
      (path) => [{ type: "multiRead", ops: [{ type: "getData", path, watch: false }] }, OpCode.multiRead],
    ];
    let xid = 1;
    for (const path of bad) {
      for (const make of reads) {
        const [request, opCode] = make(path);
        zk.send(xid, request, opCode);
        const reply = await zk.reply(xid);
        expect(reply.kind === "reply" && reply.err, `${request.type} "${path}"`).toBe(ErrorCode.BAD_ARGUMENTS);
        xid++;
      }
    }
    zk.socket.destroy();
  });
});

describe("watches per session", () => {
  it("refuses a watch past maxWatchesPerSession with THROTTLED, on both protocols, and keeps the ones it has", async () => {
    const t = await startStandalone({ maxWatchesPerSession: "5" });
    try {
      const w = await t.client();
      for (let n = 0; n < 5; n++) await w.exists(`/w${n}`, { watch: () => undefined });
      // Another watch on a path already watched costs nothing.
      await w.exists("/w0", { watch: () => undefined });
      await expect(w.exists("/w5", { watch: () => undefined })).rejects.toMatchObject({ zkCode: ErrorCode.THROTTLED });
      expect(await w.exists("/w5")).toBeNull();
      const zk = await openZk(t.server.ports.client);
      for (let n = 0; n < 5; n++) zk.send(n + 1, { type: "exists", path: `/z${n}`, watch: true });
      zk.send(6, { type: "getData", path: "/", watch: true });
      const reply = await zk.reply(6);
      expect(reply.kind === "reply" && reply.err).toBe(ErrorCode.THROTTLED);
      zk.socket.destroy();
      await waitFor("the ZooKeeper connection's watches to be dropped", () => t.server.stateCounts().watchingSessions === 1);
    } finally {
      await t.stop();
    }
  });
});

describe("a txn larger than a log entry", () => {
  it("is refused with MARSHALLING_ERROR instead of stopping every server: a multi of 3,000 creates whose 'auth' ACLs expand to 63 identities each", async () => {
    const t = await startStandalone();
    try {
      const zk = await openZk(t.server.ports.client);
      const auth = (n: number) => zk.send(-4, { type: "auth", scheme: "digest", auth: new TextEncoder().encode(`user-${n}:secret-${n}`) });
      for (let n = 0; n < 63; n++) auth(n);
      zk.send(1, { type: "create", path: "/acl", data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT });
      expect((await zk.reply(1)).err).toBe(0);
      const ops: WriteOp[] = Array.from({ length: 3000 }, (_, n) => ({
        type: "create",
        path: `/acl/n-${n}`,
        data: new Uint8Array(0),
        acl: [{ perms: 31, id: { scheme: "auth", id: "" } }],
        mode: CreateMode.PERSISTENT,
      }));
      zk.send(2, { type: "multi", ops });
      expect((await zk.reply(2)).err).toBe(ErrorCode.MARSHALLING_ERROR);
      expect(t.log.some((l) => /would be a log record of \d+ bytes: refused/.test(l))).toBe(true);
      // Writes go on, prepared against the tree as it is.
      zk.send(3, { type: "create", path: "/acl/after", data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT });
      expect((await zk.reply(3)).err).toBe(0);
      zk.send(4, { type: "getChildren", path: "/acl", watch: false, withStat: false });
      const children = await zk.reply(4);
      expect(children.kind === "reply" && children.response?.type === "getChildren" && children.response.children).toEqual(["after"]);
      // A 64th identity is one too many: AUTH_FAILED, and the connection ends, as a failed addauth does.
      auth(63);
      await zk.closed;
    } finally {
      await t.stop();
    }
  });
});
