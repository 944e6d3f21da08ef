import { describe, expect, it } from "vitest";
import { decode, encode } from "cbor-x";
import { DecodeError } from "@warden/protocol";
import type { ServerMessage } from "../src/core/node.js";
import { peerLimits, TOUCH_SESSIONS_MAX } from "../src/peer/limits.js";
import { ServerBatcher } from "../src/peer/server-batches.js";
import { validateServerMessage } from "../src/peer/server-messages.js";
import { MEMBERS_MAX, messageBytesMax, type Message } from "@warden/consensus";
import { messageBytesBound } from "@warden/consensus/internal";

const limits = peerLimits(1024 * 1024);
const forward: ServerMessage = {
  type: "forward",
  origin: 2,
  sessionId: 0x1234n,
  cxid: 7,
  request: {
    type: "multi",
    ops: [
      { type: "create", path: "/a", data: new Uint8Array(3), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], mode: 0 },
      { type: "check", path: "/a", version: -1 },
    ],
  },
  identities: [{ scheme: "digest", id: "u:x" }],
  superuser: false,
};

describe("peer limits", () => {
  it("with the default jute.maxbuffer, peer frames are a few MiB and carry any consensus message and any forwarded request", () => {
    expect(limits.frameBytesMax).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(limits.frameBytesMax).toBeGreaterThanOrEqual(
      messageBytesMax({
        appendEntriesMax: limits.appendEntriesMax,
        appendBytesMax: limits.appendBytesMax,
        entryBytesMax: limits.entryBytesMax,
        snapshotChunkBytes: limits.snapshotChunkBytesMax,
      }),
    );
    expect(limits.entryBytesMax).toBeGreaterThanOrEqual(2 * (1024 * 1024 + 64 * 1024));
    expect(peerLimits(64 * 1024 * 1024).frameBytesMax).toBeGreaterThan(2 * 64 * 1024 * 1024);
  });
});

describe("a consensus message's encoded size (CBOR, in its { c } frame) is within messageBytesBound", () => {
  it("at the largest values of every field", () => {
    const zxid = (1n << 64n) - 1n;
    const head = { from: 0xffffffff, to: 0xffffffff, epoch: 0xffffffff };
    const entries = Array.from({ length: limits.appendEntriesMax }, (_, i) => ({
      zxid: zxid - BigInt(i),
      payload: i === 0 ? null : new Uint8Array(limits.appendBytesMax / limits.appendEntriesMax),
    }));
    // The largest configuration: MEMBERS_MAX ids, each the largest.
    const membership = { version: zxid, voters: Array.from({ length: MEMBERS_MAX - 1 }, () => 0xffffffff), observers: [0xffffffff] };
    const messages: Message[] = [
      { type: "append", ...head, prevZxid: zxid, entries, commitZxid: zxid },
      { type: "append", ...head, prevZxid: zxid, entries: [{ zxid, payload: new Uint8Array(limits.entryBytesMax) }], commitZxid: zxid },
      { type: "append-response", ...head, success: false, matchZxid: zxid, acceptedZxid: zxid, rejectedPrevZxid: zxid, hintZxid: zxid },
      {
        type: "snapshot-chunk",
        ...head,
        snapshotZxid: zxid,
        totalBytes: Number.MAX_SAFE_INTEGER,
        checksum: 0xffffffff,
        offset: Number.MAX_SAFE_INTEGER - 1,
        data: new Uint8Array(limits.snapshotChunkBytesMax),
        membership,
      },
      { type: "append", ...head, prevZxid: zxid, entries: [{ zxid, payload: null, membership }], commitZxid: zxid },
      { type: "vote-request", ...head, lastZxid: zxid, transfer: true },
      { type: "timeout-now", ...head },
      { type: "snapshot-ack", ...head, snapshotZxid: zxid, receivedBytes: Number.MAX_SAFE_INTEGER },
      { type: "prevote-request", ...head, lastZxid: zxid },
      { type: "sync-response", ...head, requestId: Number.MAX_SAFE_INTEGER, zxid },
    ];
    for (const m of messages) {
      expect((encode({ c: m }) as Uint8Array).length, m.type).toBeLessThanOrEqual(messageBytesBound(m));
      expect(messageBytesBound(m)).toBeLessThanOrEqual(limits.frameBytesMax);
    }
  });
});

describe("server messages from peers are checked against their schema", () => {
  it("valid messages pass as fresh objects", () => {
    expect(validateServerMessage(forward, 2, limits)).toEqual(forward);
    expect(validateServerMessage({ type: "forward-failed", sessionId: 1n, cxid: -10, err: -4 }, 2, limits)).toEqual({
      type: "forward-failed",
      sessionId: 1n,
      cxid: -10,
      err: -4,
    });
    expect(validateServerMessage({ type: "touch", sessions: [1n, 2n] }, 2, limits)).toEqual({ type: "touch", sessions: [1n, 2n] });
    const createSession = { ...forward, request: { type: "createSession", timeoutMs: 4000 } };
    expect(validateServerMessage(createSession, 2, limits)).toEqual(createSession);
    const revalidate = { ...forward, cxid: -11, request: { type: "revalidate" } };
    expect(validateServerMessage(revalidate, 2, limits)).toEqual(revalidate);
  });

  it("a forward must come from its origin; types, ranges and bounds are checked, meanings left to the preparer", () => {
    const refused = (m: unknown) => expect(() => validateServerMessage(m, 2, limits)).toThrow(DecodeError);
    refused({ ...forward, origin: 3 });
    refused({ ...forward, sessionId: 5 });
    refused({ ...forward, cxid: 2 ** 31 });
    refused({ ...forward, superuser: "yes" });
    refused({ ...forward, request: { type: "getData", path: "/a" } });
    refused({ ...forward, request: { type: "multi", ops: [{ type: "setACL", path: "/a", acl: [], version: 0 }] } });
    refused({ ...forward, request: { type: "setData", path: "/a", data: new Uint8Array(limits.dataBytesMax + 1), version: 0 } });
    refused({ ...forward, request: { type: "create", path: 7, data: new Uint8Array(0), acl: [], mode: 0 } });
    refused({ type: "touch", sessions: new Array(limits.listItemsMax + 1).fill(1n) });
    refused({ type: "nope" });
    // An unknown create mode or a bad path is the client's error, answered by the preparer: it passes.
    expect(() =>
      validateServerMessage(
        { ...forward, request: { type: "create", path: "bad", data: new Uint8Array(0), acl: [], mode: 99 } },
        2,
        limits,
      ),
    ).not.toThrow();
    // Null data is a client's to send (zkCli's create without data, setquota's nodes): it passes as null.
    const nullData = {
      ...forward,
      request: {
        type: "multi",
        ops: [
          { type: "create", path: "/n", data: null, acl: [], mode: 0 },
          { type: "setData", path: "/n", data: null, version: -1 },
        ],
      },
    };
    expect(validateServerMessage(nullData, 2, limits)).toEqual(nullData);
    refused({ ...forward, request: { type: "create", path: "/n", data: "text", acl: [], mode: 0 } });
  });

  it("a forwarded reconfig comes from its origin with ZooKeeper's request fields; its result carries an error or a version", () => {
    const refused = (m: unknown) => expect(() => validateServerMessage(m, 2, limits)).toThrow(DecodeError);
    const reconfig = {
      type: "reconfig",
      origin: 2,
      requestId: 7,
      superuser: false,
      identities: [{ scheme: "ip", id: "127.0.0.1" }],
      request: { type: "reconfig", joiningServers: "server.4=h:1:2;3", leavingServers: null, newMembers: null, curConfigId: -1n },
    };
    expect(validateServerMessage(reconfig, 2, limits)).toEqual(reconfig);
    const result = { type: "reconfig-result", requestId: 7, err: 0, version: 0x10000000an, message: "" };
    expect(validateServerMessage(result, 2, limits)).toEqual(result);
    refused({ ...reconfig, origin: 3 });
    refused({ ...reconfig, request: { ...reconfig.request, curConfigId: 1 } });
    refused({ ...reconfig, request: { ...reconfig.request, curConfigId: 1n << 63n } });
    refused({ ...reconfig, request: { ...reconfig.request, newMembers: 5 } });
    refused({ ...reconfig, request: { ...reconfig.request, joiningServers: "x".repeat(limits.stringCharsMax + 1) } });
    refused({ ...reconfig, superuser: "yes" });
    refused({ ...result, version: -1n });
    refused({ ...result, message: null });
  });
});

describe("server messages leave in frames within the limits", () => {
  const collect = (l = limits) => {
    const frames: Uint8Array[][] = [];
    const oversize: ServerMessage[] = [];
    const b = new ServerBatcher(l, {
      sendParts: (_to, parts) => void frames.push([...parts]),
      oversize: (_to, m) => void oversize.push(m),
    });
    return { b, frames, oversize };
  };
  const decodeFrame = (parts: Uint8Array[]) => decode(Buffer.concat(parts)) as { s: ServerMessage[] };

  it("forwards of up to 1 MiB each are split into frames of at most serverBatchBytesMax, each decoding to the items, in order", () => {
    const { b, frames } = collect();
    const big = (cxid: number): ServerMessage => ({
      ...forward,
      cxid,
      request: { type: "setData", path: "/r", data: new Uint8Array(1024 * 1024), version: -1 },
    });
    const items = [big(1), big(2), { type: "touch", sessions: [1n] } as ServerMessage, big(3)];
    for (const m of items) b.add(2, m);
    b.flush();
    expect(frames.length).toBeGreaterThanOrEqual(3);
    for (const f of frames) expect(f.reduce((n, p) => n + p.length, 0)).toBeLessThanOrEqual(limits.frameBytesMax);
    const summary = (m: ServerMessage) =>
      m.type === "forward" && m.request.type === "setData" ? `${m.cxid}:${m.request.data.length}` : m.type;
    expect(frames.flatMap((f) => decodeFrame(f).s).map(summary)).toEqual(items.map(summary));
  });

  it("many small items: at most serverBatchItemsMax per frame; a touch of too many sessions becomes several", () => {
    const { b, frames } = collect();
    for (let i = 0; i < limits.serverBatchItemsMax + 5; i++) b.add(2, { type: "forward-failed", sessionId: BigInt(i), cxid: i, err: -4 });
    b.add(2, { type: "touch", sessions: Array.from({ length: TOUCH_SESSIONS_MAX + 1 }, (_, i) => BigInt(i)) });
    b.flush();
    const decoded = frames.map((f) => decodeFrame(f).s);
    expect(Math.max(...decoded.map((s) => s.length))).toBeLessThanOrEqual(limits.serverBatchItemsMax);
    const touches = decoded.flat().filter((m) => m.type === "touch");
    expect(touches.map((t) => (t.type === "touch" ? t.sessions.length : 0))).toEqual([TOUCH_SESSIONS_MAX, 1]);
  });

  it("an item no frame can carry is never sent, and is reported", () => {
    const { b, frames, oversize } = collect({ ...limits, frameBytesMax: 1000 });
    b.add(2, { ...forward, request: { type: "setData", path: "/r", data: new Uint8Array(2000), version: -1 } });
    b.add(2, { type: "touch", sessions: [1n] });
    b.flush();
    expect(oversize.length).toBe(1);
    expect(b.oversizeDropped).toBe(1);
    expect(frames.flatMap((f) => decodeFrame(f).s)).toEqual([{ type: "touch", sessions: [1n] }]);
  });
});
