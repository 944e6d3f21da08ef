// FIFO order of a session's pipelined requests, and the limits that protect the server:
// data size, outstanding requests per session (back-pressure), connections per address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CloseReason,
  ConnectionLossError,
  ErrorCode,
  OPEN_ACL_UNSAFE,
  jute,
  type ReplyFrame,
  type Request,
  type ServerFrame,
} from "@warden/protocol";
import type { Client } from "@warden/client";
import { startStandalone, text, waitFor, type Standalone } from "./harness.js";
import { connectFrame, openNative, openTcp, openZk, type RawNative } from "./raw.js";

const OUTSTANDING_MAX = 8;
const MIB = 1024 * 1024;
/** ZooKeeper's default jute.maxbuffer: 0xfffff bytes. */
const JUTE_MAX = 0xfffff;
const utf8 = (v: string) => new TextEncoder().encode(v);
let s: Standalone;
let c: Client;
beforeAll(async () => {
  s = await startStandalone({ maxOutstandingPerSession: String(OUTSTANDING_MAX) });
  c = await s.client();
});
afterAll(() => s?.stop());

describe("FIFO client order", () => {
  // On the wire, below the client library: replies must come back in the order sent.
  it("answers a pipelined burst of writes and reads in the order sent, each read seeing the session's earlier writes", async () => {
    await c.create("/fifo");
    const raw = await openNative(s.server.ports.native);
    try {
      raw.send(connectFrame());
      expect(await raw.frames.next("connected")).toMatchObject({ kind: "connected" });
      const sent: Array<{ xid: number; expect: (f: ReplyFrame) => unknown }> = [];
      let xid = 1;
      const send = (request: Request, expect: (f: ReplyFrame) => unknown) => {
        sent.push({ xid, expect });
        raw.send({ kind: "request", xid: xid++, request });
      };
      const data = (f: ReplyFrame) => (f.err === 0 && f.response.type === "getData" ? text(f.response.data) : `err ${f.err}`);
      for (let n = 0; n < 60; n++) {
        const path = `/fifo/n${n}`;
        send({ type: "create", path, data: utf8("a"), acl: [...OPEN_ACL_UNSAFE], mode: 0 }, (f) => f.err);
        send({ type: "getData", path, watch: false }, data);
        send({ type: "setData", path, data: utf8(`b${n}`), version: 0 }, (f) => f.err);
        send({ type: "getData", path, watch: false }, data);
        send({ type: "delete", path: `${path}/none`, version: -1 }, (f) => f.err);
        send({ type: "exists", path, watch: false }, (f) => f.err);
      }
      const replies: ReplyFrame[] = [];
      for (let k = 1; k <= sent.length; k++) {
        const f = await raw.frames.next(`reply ${k} of ${sent.length}`, k + 1);
        if (f.kind === "reply") replies.push(f);
      }
      expect(replies.map((f) => f.xid)).toEqual(sent.map((r) => r.xid));
      const outcomes = replies.map((f, k) => sent[k]!.expect(f));
      const expected = Array.from({ length: 60 }, (_, n) => [0, "a", 0, `b${n}`, ErrorCode.NO_NODE, 0]).flat();
      expect(outcomes).toEqual(expected);
      // zxids never go back.
      const zxids = replies.map((f) => f.zxid);
      expect(zxids).toEqual([...zxids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    } finally {
      raw.close();
    }
  });
});

describe("data size", () => {
  it("accepts data of exactly jute.maxbuffer (0xfffff bytes, ZooKeeper's default)", async () => {
    const big = await s.client({ limits: { dataBytesMax: 2 * MIB, frameBytesMax: 3 * MIB } });
    await big.create("/one-mib", new Uint8Array(JUTE_MAX));
    expect((await big.exists("/one-mib"))!.dataLength).toBe(JUTE_MAX);
  });

  it("refuses data over jute.maxbuffer: the connection is closed, nothing is written, the session goes on", async () => {
    // A client whose own bound is larger, so that the request reaches the server.
    const big = await s.client({ limits: { dataBytesMax: 2 * MIB, frameBytesMax: 3 * MIB } });
    const id = big.sessionId;
    await expect(big.create("/too-big", new Uint8Array(JUTE_MAX + 1))).rejects.toBeInstanceOf(ConnectionLossError);
    await big.create("/small");
    await expect(big.setData("/small", new Uint8Array(JUTE_MAX + 1))).rejects.toBeInstanceOf(ConnectionLossError);
    await big.connected({ timeoutMs: 5000 });
    expect(big.sessionId).toBe(id);
    expect(await big.exists("/too-big")).toBeNull();
    expect((await big.exists("/small"))!.dataLength).toBe(0);
  });
});

describe("outstanding requests per session", () => {
  it("pauses reading at the bound and answers everything once it drains", async () => {
    await c.create("/bp");
    const admin = `http://127.0.0.1:${s.server.ports.admin}/commands/cons`;
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const body = (await (await fetch(admin)).json()) as { connections: Array<{ outstanding_requests: number }> };
        for (const conn of body.connections) peak = Math.max(peak, conn.outstanding_requests);
      }
    })();
    // 16 KiB each, so that a socket read holds only a few frames past the bound.
    const payload = new Uint8Array(16 * 1024);
    const writes = Array.from({ length: 300 }, (_, n) => c.create(`/bp/n${n}`, payload));
    const results = await Promise.all(writes);
    sampling = false;
    await sampler;
    expect(results).toEqual(Array.from({ length: 300 }, (_, n) => `/bp/n${n}`));
    expect(peak).toBeGreaterThan(0);
    expect(peak, "outstanding requests seen on the server").toBeLessThanOrEqual(OUTSTANDING_MAX + 8);
  });
});

describe("writes beyond consensus' in-flight bound", () => {
  it("wait at the leader instead of failing: 4 sessions x 2,500 pipelined creates all succeed", async () => {
    const big = await startStandalone({ maxOutstandingPerSession: "5000" });
    try {
      const sessions = await Promise.all([big.client(), big.client(), big.client(), big.client()]);
      await sessions[0]!.create("/many");
      const ids = Array.from({ length: 2500 }, (_, n) => n);
      const created = await Promise.all(sessions.map((cl, i) => Promise.all(ids.map((n) => cl.create(`/many/s${i}-${n}`, "x")))));
      created.forEach((paths, i) => expect(paths).toEqual(ids.map((n) => `/many/s${i}-${n}`)));
      for (const cl of sessions) expect(cl.state).toBe("connected");
    } finally {
      await big.stop();
    }
  });
});

describe("outstanding requests across sessions (globalOutstandingLimit)", () => {
  it("pauses the busiest connections at the bound and answers every session once they drain", async () => {
    const limited = await startStandalone({ globalOutstandingLimit: "6" });
    try {
      const sessions = await Promise.all([limited.client(), limited.client(), limited.client()]);
      await sessions[0]!.create("/g");
      const payload = new Uint8Array(16 * 1024);
      const all = sessions.flatMap((cl, i) => Array.from({ length: 60 }, (_, n) => cl.create(`/g/s${i}-${n}`, payload)));
      expect((await Promise.all(all)).length).toBe(180);
      expect(await sessions[1]!.getAllChildrenNumber("/g")).toBe(180);
    } finally {
      await limited.stop();
    }
  });
});

describe("connections per client address", () => {
  it("refuses a connection beyond maxClientCnxns and admits one again when a slot frees", async () => {
    const limited = await startStandalone({ maxClientCnxns: "3" });
    const raws: RawNative[] = [];
    const open = async () => {
      const r = await openNative(limited.server.ports.native);
      raws.push(r);
      r.send(connectFrame());
      return (await r.frames.next("the answer to connect")) as ServerFrame;
    };
    try {
      for (let n = 0; n < 3; n++) expect(await open(), limited.log.join("\n")).toMatchObject({ kind: "connected" });
      expect(await open()).toMatchObject({ kind: "close", reason: CloseReason.TOO_MANY_CONNECTIONS });
      raws[0]!.close();
      const next = await waitFor("a slot to free", async () => {
        const answer = await open();
        return answer.kind === "connected" ? answer : undefined;
      });
      expect(next.kind).toBe("connected");
      // The ZooKeeper port shares the count.
      const zk = await openTcp(limited.server.ports.client);
      zk.socket.write(
        jute.encodeConnectRequest({
          protocolVersion: 0,
          lastZxidSeen: 0n,
          timeoutMs: 4000,
          sessionId: 0n,
          password: new Uint8Array(16),
          readOnly: false,
        }),
      );
      await zk.closed;
      expect(zk.received().length).toBe(0);
      raws[1]!.close();
      const admittedZk = await waitFor("a ZooKeeper connection to be admitted", async () => {
        const t = await openTcp(limited.server.ports.client);
        t.socket.write(
          jute.encodeConnectRequest({
            protocolVersion: 0,
            lastZxidSeen: 0n,
            timeoutMs: 4000,
            sessionId: 0n,
            password: new Uint8Array(16),
            readOnly: false,
          }),
        );
        await Promise.race([t.closed, waitFor("a connect response", () => t.received().length > 0, 1000).catch(() => undefined)]);
        if (t.received().length > 0) return t;
        t.socket.destroy();
        return undefined;
      });
      admittedZk.socket.destroy();
    } finally {
      for (const r of raws) r.close();
      await limited.stop();
    }
  });
});

describe("a write whose xid is still outstanding", () => {
  // Found by the fuzz campaign: setData xid 7, then delete xid 7, then ping wedged the session
  // (the second write took the first's place, so the first was never answered, nor anything after).
  it("ends the connection instead of wedging the session, on both ports", async () => {
    await c.create("/dup-xid", "v");
    const zk = await openZk(s.server.ports.client);
    zk.send(7, { type: "setData", path: "/dup-xid", data: new Uint8Array([1]), version: -1 });
    zk.send(7, { type: "delete", path: "/dup-xid", version: -1 });
    zk.send(8, { type: "ping" });
    await zk.closed;
    const n = await openNative(s.server.ports.native);
    n.send(connectFrame());
    await n.frames.next("connected");
    n.send({ kind: "request", xid: 7, request: { type: "setData", path: "/dup-xid", data: new Uint8Array([2]), version: -1 } });
    n.send({ kind: "request", xid: 7, request: { type: "setData", path: "/dup-xid", data: new Uint8Array([3]), version: -1 } });
    await n.closed;
    expect(s.log.some((l) => l.includes("xid 7 is already in use"))).toBe(true);
  });
});
