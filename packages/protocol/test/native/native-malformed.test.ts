import { describe, expect, it } from "vitest";
import { CreateMode, NativeCodec, NativeDecodeReason as R, type Request } from "@warden/protocol";
import { cbor, concat, expectDecodeError } from "./helpers.js";
import { stat } from "./samples.js";

const codec = new NativeCodec();
const request = (req: Record<string, unknown>, xid: unknown = 1) => cbor({ kind: "request", xid, request: req });
const reply = (response: Record<string, unknown>) => () =>
  codec.decodeServerFrame(cbor({ kind: "reply", xid: 1, zxid: 1n, err: 0, response }));
const data = new Uint8Array(0);
const create = (fields: Record<string, unknown>) => ({ type: "create", path: "/a", data, acl: [], mode: 0, ...fields });

describe("native decoding rejects frames that are too large", () => {
  it("accepts a frame of exactly frameBytesMax bytes and rejects one byte more, before parsing", () => {
    const bytes = codec.encodeClientFrame({ kind: "request", xid: 1, request: { type: "sync", path: "/abc" } });
    expect(new NativeCodec({ frameBytesMax: bytes.length }).decodeClientFrame(bytes).kind).toBe("request");
    expectDecodeError(() => new NativeCodec({ frameBytesMax: bytes.length - 1 }).decodeClientFrame(bytes), R.FRAME_TOO_LARGE);
    // Garbage of one byte more than the bound is refused for its size, not its content.
    expectDecodeError(() => new NativeCodec({ frameBytesMax: 4 }).decodeClientFrame(new Uint8Array(5).fill(0xff)), R.FRAME_TOO_LARGE);
  });

  it("refuses to encode a frame larger than frameBytesMax", () => {
    const small = new NativeCodec({ frameBytesMax: 64 });
    const big: Request = { type: "setData", path: "/a", data: new Uint8Array(100), version: -1 };
    expect(() => small.encodeClientFrame({ kind: "request", xid: 1, request: big })).toThrow(/exceeds frameBytesMax/);
  });
});

describe("native decoding rejects malformed CBOR before cbor-x sees it", () => {
  it.each([
    ["an empty frame", [], R.CBOR_TRUNCATED],
    ["a byte string header claiming 2^32-1 bytes", [0x5a, 0xff, 0xff, 0xff, 0xff, 0x00], R.CBOR_TRUNCATED],
    ["a text string header claiming 2^32 bytes", [0x7b, 0, 0, 0, 1, 0, 0, 0, 0, 0x61], R.CBOR_TRUNCATED],
    ["an array header claiming 2^32-1 items", [0x9a, 0xff, 0xff, 0xff, 0xff, 0x00], R.CBOR_TRUNCATED],
    ["a map header claiming 2^64-1 entries", [0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], R.CBOR_TRUNCATED],
    ["an 8-byte integer cut short", [0x1b, 0, 0, 0], R.CBOR_TRUNCATED],
    ["reserved additional info 28", [0x1c], R.CBOR_MALFORMED],
    ["an indefinite-length array", [0x9f, 0x01, 0xff], R.CBOR_MALFORMED],
    ["a lone break byte", [0xff], R.CBOR_MALFORMED],
    ["a map with an integer key", [0xa1, 0x01, 0x02], R.CBOR_MALFORMED],
    ["a tag (epoch date)", [0xc1, 0x00], R.CBOR_UNSUPPORTED],
    ["a cbor-x record tag", [0xd9, 0xdf, 0xff, 0x80], R.CBOR_UNSUPPORTED],
    ["a simple value", [0xf0], R.CBOR_UNSUPPORTED],
    ["a one-byte simple value", [0xf8, 0x20], R.CBOR_UNSUPPORTED],
    ["two items", [0xa0, 0xa0], R.CBOR_TRAILING_BYTES],
  ])("%s", (_, bytes, reason) => {
    expectDecodeError(() => codec.decodeClientFrame(Uint8Array.from(bytes)), reason);
    expectDecodeError(() => codec.decodeServerFrame(Uint8Array.from(bytes)), reason);
  });

  it("rejects a valid frame cut short at every byte", () => {
    const bytes = codec.encodeServerFrame({ kind: "reply", xid: 1, zxid: 2n, err: 0, response: { type: "exists", stat } });
    for (let end = 0; end < bytes.length; end++) expectDecodeError(() => codec.decodeServerFrame(bytes.subarray(0, end)), R.CBOR_TRUNCATED);
  });

  it("rejects containers nested deeper than any message", () => {
    const deep = concat(Array(12).fill(0x81), [0x00]);
    expectDecodeError(() => codec.decodeClientFrame(deep), R.CBOR_TOO_DEEP);
  });

  it("never reads fields through a __proto__ key", () => {
    const bytes = concat(
      [0xa2, 0x64],
      ascii("kind"),
      [0x67],
      ascii("request"),
      [0x69],
      ascii("__proto__"),
      cbor({ xid: 1, request: { type: "ping" } }),
    );
    expectDecodeError(() => codec.decodeClientFrame(bytes), R.FIELD_TYPE);
    expect(({} as Record<string, unknown>).xid).toBeUndefined();
  });
});

describe("native decoding checks every frame against its schema", () => {
  it.each([
    ["a frame that is not a map", cbor([1, 2]), R.FRAME_KIND],
    ["an unknown frame kind", cbor({ kind: "hello" }), R.FRAME_KIND],
    ["a server frame sent by a client", cbor({ kind: "event", event: {} }), R.FRAME_KIND],
    ["a missing xid", cbor({ kind: "request", request: { type: "ping" } }), R.FIELD_TYPE],
    ["a negative xid", request({ type: "ping" }, -1), R.FIELD_RANGE],
    ["an xid beyond int32", request({ type: "ping" }, 2 ** 31), R.FIELD_RANGE],
    ["a fractional xid", request({ type: "ping" }, 1.5), R.FIELD_TYPE],
    ["an unknown request type", request({ type: "rmr", path: "/a" }), R.UNKNOWN_TYPE],
    ["a path that is a number", request({ type: "sync", path: 7 }), R.FIELD_TYPE],
    ["a relative path", request({ type: "sync", path: "a" }), R.BAD_PATH],
    ["a path ending in /", request({ type: "delete", path: "/a/", version: -1 }), R.BAD_PATH],
    ["a path with ..", request({ type: "getData", path: "/a/../b", watch: false }), R.BAD_PATH],
    ["a path with a NUL", request({ type: "exists", path: "/a\u0000", watch: false }), R.BAD_PATH],
    ["a version beyond int32", request({ type: "delete", path: "/a", version: 2 ** 31 }), R.FIELD_RANGE],
    ["a watch flag that is a number", request({ type: "getData", path: "/a", watch: 1 }), R.FIELD_TYPE],
    ["data that is a string", request({ type: "setData", path: "/a", data: "x", version: 0 }), R.FIELD_TYPE],
    ["an unknown create mode", request(create({ mode: 7 })), R.FIELD_RANGE],
    ["an ACL that is not an array", request(create({ acl: {} })), R.FIELD_TYPE],
    ["an ACL entry without an id", request(create({ acl: [{ perms: 31 }] })), R.FIELD_TYPE],
    ["a negative ttl", request(create({ ttl: -5 })), R.FIELD_RANGE],
    ["a getData inside a multi", request({ type: "multi", ops: [{ type: "getData", path: "/a", watch: false }] }), R.UNKNOWN_TYPE],
    ["a create inside a multiRead", request({ type: "multiRead", ops: [create({})] }), R.UNKNOWN_TYPE],
    ["a bad path inside a multi", request({ type: "multi", ops: [{ type: "check", path: "", version: 0 }] }), R.BAD_PATH],
    ["an unknown addWatch mode", request({ type: "addWatch", path: "/a", mode: 2 }), R.FIELD_RANGE],
    ["an unknown watcher type", request({ type: "removeWatches", path: "/a", watcherType: 0, checkOnly: false }), R.FIELD_RANGE],
    [
      "a negative relativeZxid",
      request({
        type: "setWatches",
        relativeZxid: -1,
        dataWatches: [],
        existWatches: [],
        childWatches: [],
        persistentWatches: [],
        persistentRecursiveWatches: [],
      }),
      R.FIELD_RANGE,
    ],
    [
      "a missing setWatches list",
      request({ type: "setWatches", relativeZxid: 0, dataWatches: [], existWatches: [], childWatches: [], persistentWatches: [] }),
      R.FIELD_TYPE,
    ],
    [
      "a connect without a password",
      cbor({ kind: "connect", request: { protocolVersion: 0, lastZxidSeen: 0, timeoutMs: 1, sessionId: 0, readOnly: false } }),
      R.FIELD_TYPE,
    ],
  ])("rejects %s", (_, bytes, reason) => {
    expectDecodeError(() => codec.decodeClientFrame(bytes), reason);
  });

  it("accepts a sequential create path ending in /", () => {
    const frame = codec.decodeClientFrame(request(create({ path: "/q/", mode: CreateMode.PERSISTENT_SEQUENTIAL })));
    expect(frame.kind === "request" && frame.request.type === "create" && frame.request.path).toBe("/q/");
  });

  it.each([
    ["an unknown response type", { type: "bogus" }, R.UNKNOWN_TYPE],
    ["a stat with a negative zxid", { type: "exists", stat: { ...stat, czxid: -1 } }, R.FIELD_RANGE],
    ["a stat missing a field", { type: "exists", stat: { ...stat, pzxid: undefined } }, R.FIELD_TYPE],
    ["a child name with a slash", { type: "getChildren", children: ["a/b"] }, R.BAD_PATH],
    ["an empty child name", { type: "getChildren", children: [""] }, R.BAD_PATH],
    ["a created path that is relative", { type: "create", path: "a", stat }, R.BAD_PATH],
    ["an unknown multi result type", { type: "multi", results: [{ type: "getData" }] }, R.UNKNOWN_TYPE],
    ["a multi error without a code", { type: "multi", results: [{ type: "error" }] }, R.FIELD_TYPE],
    ["a negative children count", { type: "getAllChildrenNumber", totalNumber: -1 }, R.FIELD_RANGE],
  ])("rejects a reply with %s", (_, response, reason) => {
    expectDecodeError(reply(response), reason);
  });

  it.each([
    ["a reply with an error and a response", { kind: "reply", xid: 1, zxid: 1, err: -101, response: { type: "ping" } }, R.FIELD_TYPE],
    ["a reply without a response", { kind: "reply", xid: 1, zxid: 1, err: 0 }, R.FIELD_TYPE],
    ["an event of unknown type", { kind: "event", event: { type: 42, state: 3, path: "/a", zxid: 1 } }, R.FIELD_RANGE],
    ["an event of unknown state", { kind: "event", event: { type: 1, state: 42, path: "/a", zxid: 1 } }, R.FIELD_RANGE],
    ["a node event without a path", { kind: "event", event: { type: 1, state: 3, path: "", zxid: 1 } }, R.BAD_PATH],
    ["a close with an unknown reason", { kind: "close", reason: "bored", message: "" }, R.FIELD_RANGE],
    ["a client frame sent by a server", { kind: "connect", request: {} }, R.FRAME_KIND],
  ])("rejects %s", (_, frame, reason) => {
    expectDecodeError(() => codec.decodeServerFrame(cbor(frame)), reason);
  });
});

describe("native decoding bounds every size and count", () => {
  const bounded = new NativeCodec({
    dataBytesMax: 10,
    multiOpsMax: 3,
    listItemsMax: 2,
    aclEntriesMax: 2,
    stringCharsMax: 8,
    credentialBytesMax: 4,
  });
  const acl = (n: number) => Array.from({ length: n }, () => ({ perms: 1, id: { scheme: "world", id: "anyone" } }));
  const check = { type: "check", path: "/a", version: 0 };
  const watches = (n: number) => ({
    type: "setWatches",
    relativeZxid: 0,
    dataWatches: Array(n).fill("/a"),
    existWatches: [],
    childWatches: [],
    persistentWatches: [],
    persistentRecursiveWatches: [],
  });

  it.each([
    ["data", (n: number) => request({ type: "setData", path: "/a", data: new Uint8Array(n), version: 0 }), 10, R.DATA_TOO_LARGE],
    ["multi ops", (n: number) => request({ type: "multi", ops: Array(n).fill(check) }), 3, R.TOO_MANY_ITEMS],
    [
      "multiRead ops",
      (n: number) => request({ type: "multiRead", ops: Array(n).fill({ type: "getData", path: "/a", watch: false }) }),
      3,
      R.TOO_MANY_ITEMS,
    ],
    ["ACL entries", (n: number) => request(create({ acl: acl(n) })), 2, R.TOO_MANY_ITEMS],
    ["setWatches paths", (n: number) => request(watches(n)), 2, R.TOO_MANY_ITEMS],
    [
      "ACL scheme characters",
      (n: number) => request(create({ acl: [{ perms: 1, id: { scheme: "s".repeat(n), id: "" } }] })),
      8,
      R.STRING_TOO_LONG,
    ],
    ["auth credential bytes", (n: number) => request({ type: "auth", scheme: "digest", auth: new Uint8Array(n) }), 4, R.DATA_TOO_LARGE],
  ])("accepts %s at the bound and rejects the bound plus one", (_, frame, bound, reason) => {
    expect(bounded.decodeClientFrame(frame(bound)).kind).toBe("request");
    expectDecodeError(() => bounded.decodeClientFrame(frame(bound + 1)), reason);
  });

  it.each([
    ["children", (n: number) => ({ type: "getChildren", children: Array(n).fill("c") }), 2, R.TOO_MANY_ITEMS],
    ["ephemerals", (n: number) => ({ type: "getEphemerals", ephemerals: Array(n).fill("/e") }), 2, R.TOO_MANY_ITEMS],
    ["multi results", (n: number) => ({ type: "multi", results: Array(n).fill({ type: "check" }) }), 3, R.TOO_MANY_ITEMS],
    ["getData bytes", (n: number) => ({ type: "getData", data: new Uint8Array(n), stat }), 10, R.DATA_TOO_LARGE],
  ])("accepts reply %s at the bound and rejects the bound plus one", (_, response, bound, reason) => {
    const frame = (n: number) => cbor({ kind: "reply", xid: 1, zxid: 1, err: 0, response: response(n) });
    expect(bounded.decodeServerFrame(frame(bound)).kind).toBe("reply");
    expectDecodeError(() => bounded.decodeServerFrame(frame(bound + 1)), reason);
  });

  it("rejects a limit that is not a positive integer", () => {
    expect(() => new NativeCodec({ frameBytesMax: 0 })).toThrow(RangeError);
    expect(() => new NativeCodec({ dataBytesMax: 1.5 })).toThrow(RangeError);
  });
});

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}
