import { describe, expect, it } from "vitest";
import { EventType, KeeperState, NativeCodec, type Request, type Response } from "@warden/protocol";
import { clientFrames, requests, responses, serverFrames } from "./samples.js";

const codec = new NativeCodec();

describe("native codec round trip", () => {
  it("covers every request type and every response type of messages.ts", () => {
    // Records keyed by the union: adding a type to messages.ts without a sample fails to compile.
    const allRequests: Record<Request["type"], true> = {
      create: true,
      delete: true,
      setData: true,
      check: true,
      exists: true,
      getData: true,
      getChildren: true,
      getACL: true,
      setACL: true,
      getAllChildrenNumber: true,
      getEphemerals: true,
      sync: true,
      addWatch: true,
      removeWatches: true,
      setWatches: true,
      auth: true,
      whoAmI: true,
      getConfig: true,
      reconfig: true,
      ping: true,
      closeSession: true,
      multi: true,
      multiRead: true,
    };
    const allResponses: Record<Response["type"], true> = {
      create: true,
      delete: true,
      check: true,
      ping: true,
      closeSession: true,
      auth: true,
      addWatch: true,
      removeWatches: true,
      setWatches: true,
      exists: true,
      setData: true,
      setACL: true,
      getData: true,
      getConfig: true,
      reconfig: true,
      getChildren: true,
      getACL: true,
      getAllChildrenNumber: true,
      getEphemerals: true,
      sync: true,
      whoAmI: true,
      multi: true,
      multiRead: true,
    };
    expect(new Set(requests.map((r) => r.type))).toEqual(new Set(Object.keys(allRequests)));
    expect(new Set(responses.map((r) => r.type))).toEqual(new Set(Object.keys(allResponses)));
  });

  it.each(clientFrames.map((f) => [f.kind === "request" ? f.request.type : f.kind, f] as const))(
    "a %s client frame decodes to what was encoded",
    (_, frame) => {
      expect(codec.decodeClientFrame(codec.encodeClientFrame(frame))).toEqual(frame);
    },
  );

  it.each(serverFrames.map((f) => [f.kind === "reply" ? (f.response?.type ?? `error ${f.err}`) : f.kind, f] as const))(
    "a %s server frame decodes to what was encoded",
    (_, frame) => {
      expect(codec.decodeServerFrame(codec.encodeServerFrame(frame))).toEqual(frame);
    },
  );

  it("keeps null data apart from empty data in creates, setData, getData and multiRead", () => {
    const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
    for (const data of [null, new Uint8Array(0)]) {
      const create = { kind: "request" as const, xid: 1, request: { type: "create" as const, path: "/n", data, acl, mode: 0 as const } };
      expect(codec.decodeClientFrame(codec.encodeClientFrame(create))).toEqual(create);
      const set = {
        kind: "request" as const,
        xid: 2,
        request: { type: "multi" as const, ops: [{ type: "setData" as const, path: "/n", data, version: -1 }] },
      };
      expect(codec.decodeClientFrame(codec.encodeClientFrame(set))).toEqual(set);
      const stat = {
        czxid: 1n,
        mzxid: 1n,
        ctime: 0,
        mtime: 0,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeralOwner: 0n,
        dataLength: 0,
        numChildren: 0,
        pzxid: 1n,
      };
      const got = { kind: "reply" as const, xid: 3, zxid: 1n, err: 0, response: { type: "getData" as const, data, stat } };
      expect(codec.decodeServerFrame(codec.encodeServerFrame(got))).toEqual(got);
      const multiRead = {
        kind: "reply" as const,
        xid: 4,
        zxid: 1n,
        err: 0,
        response: { type: "multiRead" as const, results: [{ type: "getData" as const, data, stat }] },
      };
      expect(codec.decodeServerFrame(codec.encodeServerFrame(multiRead))).toEqual(multiRead);
    }
  });

  it("carries a resuming setWatches' resumeAfterZxid, a catch-up event's mark and an EventsLost event", () => {
    const request: Request = {
      type: "setWatches",
      relativeZxid: 9n,
      dataWatches: ["/d"],
      existWatches: [],
      childWatches: [],
      persistentWatches: ["/p"],
      persistentRecursiveWatches: ["/r"],
      resumeAfterZxid: 7n,
    };
    expect(codec.decodeClientFrame(codec.encodeClientFrame({ kind: "request", xid: 1, request }))).toEqual({
      kind: "request",
      xid: 1,
      request,
    });
    const { resumeAfterZxid: _, ...zookeepers } = request;
    expect(codec.decodeClientFrame(codec.encodeClientFrame({ kind: "request", xid: 2, request: zookeepers }))).toEqual({
      kind: "request",
      xid: 2,
      request: zookeepers,
    });
    for (const event of [
      { type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: "/d", zxid: 9n, catchUp: true },
      { type: EventType.EventsLost, state: KeeperState.SyncConnected, path: "/p", zxid: 9n },
    ]) {
      expect(codec.decodeServerFrame(codec.encodeServerFrame({ kind: "event", event }))).toEqual({ kind: "event", event });
    }
  });

  it("decodes data as a plain Uint8Array view, as in a browser", () => {
    const frame = codec.decodeServerFrame(codec.encodeServerFrame(serverFrames[0]!));
    expect(frame.kind === "connected" && frame.response.password.constructor).toBe(Uint8Array);
  });

  it("accepts 64-bit fields written as small CBOR integers by another encoder", () => {
    const bytes = codec.encodeServerFrame({ kind: "reply", xid: 1, zxid: 5n, err: -4 });
    const small = bytes.slice();
    // Re-encode by hand: { kind: "reply", xid: 1, zxid: 5, err: -4 } with zxid as a one-byte integer.
    const hand = new Uint8Array([
      0xa4,
      0x64,
      ...ascii("kind"),
      0x65,
      ...ascii("reply"),
      0x63,
      ...ascii("xid"),
      0x01,
      0x64,
      ...ascii("zxid"),
      0x05,
      0x63,
      ...ascii("err"),
      0x23,
    ]);
    expect(codec.decodeServerFrame(hand)).toEqual(codec.decodeServerFrame(small));
  });
});

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}
