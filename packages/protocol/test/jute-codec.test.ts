// What the captured frames mean, and how the codec refuses what ZooKeeper refuses.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode, OpCode } from "../src/codes.js";
import { DecodeError, WardenError } from "../src/errors.js";
import { EMPTY_STAT } from "../src/stat.js";
import {
  JuteDecodeReason,
  decodeConnectRequest,
  decodeConnectResponse,
  decodeRequest,
  decodeServerFrame,
  encodeConnectResponse,
  encodeErrorReply,
  encodeReply,
  encodeRequest,
  type JuteOpRequest,
} from "../src/jute/index.js";
import { JuteWriter } from "../src/jute/writer.js";

const dir = fileURLToPath(new URL("./vectors/zk-3.8/", import.meta.url));
interface VectorFrame {
  conn: number;
  dir: string;
  kind: string;
  hex: string;
}
const frames = (name: string): VectorFrame[] => JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")).frames;
const body = (f: VectorFrame) => Uint8Array.from(Buffer.from(f.hex, "hex")).subarray(4);
const requests = (name: string) =>
  frames(name)
    .filter((f) => f.kind === "frame" && f.dir === "c2s")
    .map((f) => decodeRequest(body(f)));
const op = (name: string, i = 0) => requests(name)[i] as JuteOpRequest;
const raw = (build: (w: JuteWriter) => void) => {
  const w = new JuteWriter();
  build(w);
  return w.frame().subarray(4);
};
const decodeError = (fn: () => unknown): DecodeError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  return expect.fail("no DecodeError");
};

describe("the handshake", () => {
  it("a new session's ConnectRequest carries zeros, the timeout and the readOnly byte", () => {
    const { request, readOnlyField } = decodeConnectRequest(body(frames("connect")[0]!));
    expect(request).toEqual({
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeoutMs: 6000,
      sessionId: 0n,
      password: new Uint8Array(16),
      readOnly: false,
    });
    expect(readOnlyField).toBe(true);
  });

  it("a client without the trailing readOnly byte is answered without it", () => {
    const full = body(frames("connect")[0]!);
    const { readOnlyField } = decodeConnectRequest(full.subarray(0, full.length - 1));
    expect(readOnlyField).toBe(false);
    const response = { protocolVersion: 0, timeoutMs: 6000, sessionId: 5n, password: new Uint8Array(16), readOnly: false };
    expect(encodeConnectResponse(response, false).length).toBe(4 + 36);
    expect(encodeConnectResponse(response, true).length).toBe(4 + 37);
  });

  it("a reattach carries the session id, password and lastZxidSeen; a refused one gets timeout 0", () => {
    const reattach = decodeConnectRequest(body(frames("setWatches").find((f) => f.kind === "connectRequest")!)).request;
    expect(reattach.sessionId).not.toBe(0n);
    expect(reattach.lastZxidSeen).toBeGreaterThan(0n);
    const refused = decodeConnectResponse(body(frames("expiredSession").find((f) => f.kind === "connectResponse")!)).response;
    expect(refused).toMatchObject({ timeoutMs: 0, sessionId: 0n, password: new Uint8Array(16) });
  });
});

describe("requests as the Java client sends them", () => {
  it("create with null data decodes as data null, so it re-encodes as length -1", () => {
    const nodata = requests("create").find(
      (r) => r.kind === "request" && r.request.type === "create" && r.request.path === "/nodata",
    ) as JuteOpRequest;
    expect(nodata.request.type === "create" && nodata.request.data).toBeNull();
    const withBytes = op("create2");
    expect(withBytes.request.type === "create" && withBytes.request.data).toEqual(new TextEncoder().encode("two"));
  });

  it("empty data (length 0) is not null: it decodes as empty bytes and re-encodes as length 0", () => {
    const empty = requests("create").find(
      (r) => r.kind === "request" && r.request.type === "create" && r.request.path === "/a/seq-",
    ) as JuteOpRequest;
    expect(empty.request.type === "create" && empty.request.data).toEqual(new Uint8Array(0));
    const frame = encodeRequest(empty);
    expect(Buffer.from(frame).toString("hex")).toContain(`${Buffer.from("/a/seq-").toString("hex")}00000000`);
  });

  it("setData with null data and a getData reply of a null-data node carry null, as ZooKeeper's", () => {
    const set = requests("setData").find(
      (r) => r.kind === "request" && r.request.type === "setData" && r.request.path === "/nodata",
    ) as JuteOpRequest;
    expect(set.request.type === "setData" && set.request.data).toBeNull();
    // getData.json: the reply to getData("/nodata") is ReplyHeader, then buffer length -1, then the Stat.
    const reply = frames("getData").filter((f) => f.dir === "s2c")[1]!;
    const decoded = decodeServerFrame(body(reply), () => ({ opCode: OpCode.getData }));
    expect(decoded.kind === "reply" && decoded.response).toMatchObject({ type: "getData", data: null, stat: { dataLength: 0 } });
    const ours = encodeReply({ opCode: OpCode.getData }, 0x10, 0xcn, {
      type: "getData",
      data: null,
      stat: (decoded as { response: { stat: typeof EMPTY_STAT } }).response.stat,
    });
    expect(Buffer.from(ours).toString("hex")).toBe(reply.hex);
  });

  it("multi ops and multiRead results keep null data apart from empty data", () => {
    const multi = {
      type: "multi" as const,
      ops: [
        { type: "create" as const, path: "/n", data: null, acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], mode: 0 as const },
        { type: "setData" as const, path: "/n", data: null, version: -1 },
        { type: "setData" as const, path: "/n", data: new Uint8Array(0), version: -1 },
      ],
    };
    const decoded = decodeRequest(encodeRequest({ xid: 1, request: multi }).subarray(4));
    expect(decoded.kind === "request" && decoded.request).toEqual(multi);
    const results = [
      { type: "getData" as const, data: null, stat: EMPTY_STAT },
      { type: "getData" as const, data: new Uint8Array(0), stat: EMPTY_STAT },
    ];
    const frame = encodeReply({ opCode: OpCode.multiRead }, 3, 1n, { type: "multiRead", results });
    const back = decodeServerFrame(frame.subarray(4), () => ({ opCode: OpCode.multiRead }));
    expect(back.kind === "reply" && back.response).toEqual({ type: "multiRead", results });
  });

  it("createTTL carries the ttl; createContainer the container mode", () => {
    expect(op("createTTL").request).toMatchObject({ type: "create", path: "/ttl", mode: 5, ttl: 60000 });
    expect(op("createTTL").opCode).toBe(OpCode.createTTL);
    expect(op("createContainer").request).toMatchObject({ mode: 4 });
  });

  it("getConfig is a getData of /zookeeper/config", () => {
    expect(op("getConfig")).toMatchObject({ opCode: OpCode.getData, request: { type: "getConfig", watch: false } });
  });

  it("multi remembers each op's code: plain creates are op 1, containers 19, TTL 21", () => {
    expect(op("multi").multiOpCodes).toEqual([1, 1, 5, 13, 2]);
    expect(op("multiCreateModes").multiOpCodes).toEqual([19, 21]);
    expect(op("multiRead").multiOpCodes).toEqual([4, 8, 4, 8]);
  });

  it("auth and ping use their reserved xids; setWatches lists the watches to restore", () => {
    const reconnect = requests("setWatches").filter((r) => r.opCode === OpCode.auth || r.opCode === OpCode.setWatches);
    expect(reconnect.map((r) => r.xid)[0]).toBe(-4);
    expect((reconnect[0] as JuteOpRequest).request).toMatchObject({ type: "auth", scheme: "digest" });
    expect((reconnect[1] as JuteOpRequest).request).toMatchObject({
      dataWatches: ["/a", "/nodata"],
      existWatches: ["/gone", "/nope"],
      childWatches: ["/b"],
    });
    expect(requests("ping").every((r) => r.xid === -2 && r.opCode === OpCode.ping)).toBe(true);
  });
});

describe("replies", () => {
  const replies = (name: string, shapes: Map<number, JuteOpRequest>) =>
    frames(name)
      .filter((f) => f.kind === "frame" && f.dir === "s2c")
      .map((f) => decodeServerFrame(body(f), (xid) => shapes.get(xid)));
  const shapesOf = (name: string) => new Map(requests(name).map((r) => [r.xid, r as JuteOpRequest]));

  it("a failed multi has err 0 in its header and one error result per op", () => {
    const [reply] = replies("multiFailing", shapesOf("multiFailing"));
    expect(reply).toMatchObject({
      kind: "reply",
      err: 0,
      response: {
        type: "multi",
        results: [
          { type: "error", err: 0 },
          { type: "error", err: -103 },
          { type: "error", err: -2 },
        ],
      },
    });
  });

  it("a watch event comes with xid -1 and zxid -1 before the reply of the write that fired it", () => {
    const [event, reply] = replies("notification", shapesOf("notification"));
    expect(event).toEqual({ kind: "notification", zxid: -1n, event: { type: 4, state: 3, path: "/a", zxid: -1n } });
    expect(reply).toMatchObject({ kind: "reply", response: { type: "create", path: "/a/child", stat: EMPTY_STAT } });
  });

  it("addWatch is answered with ErrorResponse(0): four bytes after the header", () => {
    const reply = frames("addWatch").find((f) => f.dir === "s2c")!;
    expect(body(reply).length).toBe(16 + 4);
    expect(encodeReply({ opCode: OpCode.addWatch }, 7, 1n, { type: "addWatch" }).length).toBe(4 + 20);
  });

  it("a ping is answered with xid -2 whatever xid it came with", () => {
    const frame = encodeReply({ opCode: OpCode.ping }, 99, 3n, { type: "ping" });
    expect(new DataView(frame.buffer, frame.byteOffset).getInt32(4)).toBe(-2);
  });

  it("an error reply is the header alone", () => {
    expect(Buffer.from(encodeErrorReply(5, 0x1cn, ErrorCode.NO_NODE)).toString("hex")).toBe(
      "00000010" + "00000005" + "000000000000001c" + "ffffff9b",
    );
  });

  it("an error reply written in place is byte for byte what the writer makes, for every int and long", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        (xid, zxid, err) => {
          const expected = new JuteWriter(undefined, 20).int(xid).long(zxid).int(err).frame();
          expect([...encodeErrorReply(xid, zxid, err)]).toEqual([...expected]);
        },
      ),
    );
  });

  it("a response that does not fit the op code is a bug, reported loudly", () => {
    expect(() => encodeReply({ opCode: OpCode.exists }, 1, 0n, { type: "delete" })).toThrow(WardenError);
    expect(() => encodeReply({ opCode: 4242 }, 1, 0n, { type: "ping" })).toThrow(WardenError);
  });

  it("a reply to an xid nobody asked for is a DecodeError", () => {
    expect(decodeError(() => decodeServerFrame(encodeErrorReply(9, 0n, 0).subarray(4), () => undefined)).reason).toBe(
      JuteDecodeReason.UNKNOWN_XID,
    );
  });
});

describe("refusals ZooKeeper answers with an error code", () => {
  const create = (flags: number) => raw((w) => w.int(1).int(OpCode.create).string("/x").buffer(new Uint8Array(0)).int(0).int(flags));

  it("invalid create flags are BAD_ARGUMENTS, and the connection stays", () => {
    expect(decodeRequest(create(7))).toMatchObject({ kind: "rejected", xid: 1, err: ErrorCode.BAD_ARGUMENTS, closeSession: false });
    expect(decodeRequest(create(3))).toMatchObject({ kind: "request" });
  });

  it("unknown op codes and a lone check are UNIMPLEMENTED and close the session", () => {
    expect(decodeRequest(raw((w) => w.int(3).int(4242)))).toMatchObject({
      kind: "rejected",
      err: ErrorCode.UNIMPLEMENTED,
      closeSession: true,
    });
    expect(decodeRequest(raw((w) => w.int(3).int(OpCode.check).string("/a").int(1)))).toMatchObject({
      kind: "rejected",
      err: ErrorCode.UNIMPLEMENTED,
    });
  });

  it("an unknown watcher type or addWatch mode is MARSHALLING_ERROR", () => {
    expect(decodeRequest(raw((w) => w.int(3).int(OpCode.removeWatches).string("/a").int(9)))).toMatchObject({
      err: ErrorCode.MARSHALLING_ERROR,
    });
    expect(decodeRequest(raw((w) => w.int(3).int(OpCode.addWatch).string("/a").int(2)))).toMatchObject({
      err: ErrorCode.MARSHALLING_ERROR,
    });
  });

  it("a multi with a read op, or a multiRead with a write op, is a DecodeError", () => {
    const multi = raw((w) =>
      w.int(1).int(OpCode.multi).int(OpCode.getData).bool(false).int(-1).string("/a").bool(false).int(-1).bool(true).int(-1),
    );
    expect(decodeError(() => decodeRequest(multi)).reason).toBe(JuteDecodeReason.BAD_MULTI);
    const read = raw((w) => w.int(1).int(OpCode.multiRead).int(OpCode.delete).bool(false).int(-1).string("/a").int(-1).bool(true).int(-1));
    expect(decodeError(() => decodeRequest(read)).reason).toBe(JuteDecodeReason.BAD_MULTI);
  });

  // Each expectation is what ZooKeeper 3.8 answered to the same bytes (raw frames sent to Debian's 3.8.0);
  // the connection stayed open in every case but a failed auth.
  it("a null path is answered with ZooKeeper's code for the op and the connection stays", () => {
    const nullPath = (op: number, rest: (w: JuteWriter) => void = () => undefined) =>
      decodeRequest(
        raw((w) => {
          w.int(1).int(op).string(null);
          rest(w);
        }),
      );
    const expected: [number, (w: JuteWriter) => void, number][] = [
      [OpCode.create, (w) => w.buffer(new Uint8Array(0)).int(0).int(0), ErrorCode.MARSHALLING_ERROR],
      [OpCode.delete, (w) => w.int(-1), ErrorCode.MARSHALLING_ERROR],
      [OpCode.exists, (w) => w.bool(false), ErrorCode.MARSHALLING_ERROR],
      [OpCode.getData, (w) => w.bool(false), ErrorCode.MARSHALLING_ERROR],
      [OpCode.setData, (w) => w.buffer(null).int(-1), ErrorCode.BAD_ARGUMENTS],
      [OpCode.getACL, () => undefined, ErrorCode.MARSHALLING_ERROR],
      [OpCode.setACL, (w) => w.int(0).int(-1), ErrorCode.BAD_ARGUMENTS],
      [OpCode.getChildren, (w) => w.bool(false), ErrorCode.MARSHALLING_ERROR],
      [OpCode.getChildren2, (w) => w.bool(false), ErrorCode.MARSHALLING_ERROR],
      [OpCode.getAllChildrenNumber, () => undefined, ErrorCode.MARSHALLING_ERROR],
      [OpCode.removeWatches, (w) => w.int(1), ErrorCode.NO_WATCHER],
      [OpCode.checkWatches, (w) => w.int(1), ErrorCode.MARSHALLING_ERROR],
    ];
    for (const [op, rest, err] of expected)
      expect(nullPath(op, rest), `op ${op}`).toMatchObject({ kind: "rejected", xid: 1, err, closeSession: false });
    const setWatches = raw((w) => w.int(-8).int(OpCode.setWatches).long(0n).int(1).string(null).int(0).int(0));
    expect(decodeRequest(setWatches)).toMatchObject({ kind: "rejected", err: ErrorCode.MARSHALLING_ERROR, closeSession: false });
    expect(decodeRequest(raw((w) => w.int(1).int(OpCode.getEphemerals).string(null)))).toMatchObject({
      request: { type: "getEphemerals", prefix: "/" },
    });
    expect(decodeRequest(raw((w) => w.int(1).int(OpCode.sync).string(null)))).toMatchObject({ request: { type: "sync", path: "/" } });
  });

  it("a null path in a multi refuses the whole multi, with the op's code", () => {
    const multi = (op: (w: JuteWriter) => void) =>
      decodeRequest(
        raw((w) => {
          w.int(1).int(OpCode.multi);
          op(w);
          w.int(-1).bool(true).int(-1);
        }),
      );
    const createNull = (w: JuteWriter) =>
      w
        .int(OpCode.create)
        .bool(false)
        .int(-1)
        .string(null)
        .buffer(new Uint8Array(0))
        .int(1)
        .int(31)
        .string("world")
        .string("anyone")
        .int(0);
    expect(multi(createNull)).toMatchObject({ kind: "rejected", err: ErrorCode.MARSHALLING_ERROR });
    expect(multi((w) => w.int(OpCode.setData).bool(false).int(-1).string(null).buffer(null).int(-1))).toMatchObject({
      kind: "rejected",
      err: ErrorCode.BAD_ARGUMENTS,
    });
  });

  it("an auth with a null scheme reads as an unknown scheme (authentication fails)", () => {
    expect(
      decodeRequest(
        raw((w) =>
          w
            .int(-4)
            .int(OpCode.auth)
            .int(0)
            .string(null)
            .buffer(new Uint8Array([1])),
        ),
      ),
    ).toMatchObject({ request: { type: "auth", scheme: "" } });
    expect(decodeRequest(raw((w) => w.int(-4).int(OpCode.auth).int(0).string("ip").buffer(null)))).toMatchObject({
      request: { type: "auth", scheme: "ip", auth: null },
    });
  });

  describe("an ACL entry with a null string", () => {
    type Entry = [number, string | null, string | null];
    const createWith = (entries: Entry[]) =>
      decodeRequest(
        raw((w) => {
          w.int(1).int(OpCode.create).string("/p").buffer(new Uint8Array(0)).int(entries.length);
          for (const [p, s, i] of entries) w.int(p).string(s).string(i);
          w.int(0);
        }),
      );
    const setACLWith = (entries: Entry[]) =>
      decodeRequest(
        raw((w) => {
          w.int(1).int(OpCode.setACL).string("/p").int(entries.length);
          for (const [p, s, i] of entries) w.int(p).string(s).string(i);
          w.int(-1);
        }),
      );

    it("(auth, null) is accepted as the auth scheme, whose id ZooKeeper never reads", () => {
      expect(createWith([[31, "auth", null]])).toMatchObject({
        kind: "request",
        request: { acl: [{ perms: 31, id: { scheme: "auth", id: "" } }] },
      });
      expect(setACLWith([[31, "auth", null]])).toMatchObject({
        kind: "request",
        request: { type: "setACL", acl: [{ perms: 31, id: { scheme: "auth", id: "" } }] },
      });
      expect(
        createWith([
          [1, "auth", null],
          [31, "auth", null],
        ]),
      ).toMatchObject({ kind: "request" });
    });

    it("a null id of world, digest or ip is MARSHALLING_ERROR (ZooKeeper dereferences it)", () => {
      for (const scheme of ["world", "digest", "ip"]) {
        expect(createWith([[31, scheme, null]]), scheme).toMatchObject({
          kind: "rejected",
          err: ErrorCode.MARSHALLING_ERROR,
          closeSession: false,
        });
        expect(setACLWith([[31, scheme, null]]), scheme).toMatchObject({ kind: "rejected", err: ErrorCode.MARSHALLING_ERROR });
      }
    });

    it("two entries of the same perms where removeDuplicates meets the null are MARSHALLING_ERROR", () => {
      expect(
        createWith([
          [31, "auth", null],
          [31, "auth", null],
        ]),
      ).toMatchObject({ kind: "rejected", err: ErrorCode.MARSHALLING_ERROR });
      expect(
        createWith([
          [31, "world", "anyone"],
          [31, null, "x"],
        ]),
      ).toMatchObject({ kind: "rejected", err: ErrorCode.MARSHALLING_ERROR });
    });

    it('a null scheme, or a null id of a scheme without a provider, reads as "" for the tree to refuse as INVALID_ACL', () => {
      expect(createWith([[31, null, "x"]])).toMatchObject({
        kind: "request",
        request: { acl: [{ perms: 31, id: { scheme: "", id: "x" } }] },
      });
      expect(createWith([[31, "foo", null]])).toMatchObject({
        kind: "request",
        request: { acl: [{ perms: 31, id: { scheme: "foo", id: "" } }] },
      });
    });
  });

  it("every request type survives encodeRequest then decodeRequest", () => {
    const all: JuteOpRequest["request"][] = [
      { type: "ping" },
      { type: "whoAmI" },
      { type: "closeSession" },
      { type: "sync", path: "/s" },
      { type: "getAllChildrenNumber", path: "/" },
      { type: "getEphemerals", prefix: "/e" },
      { type: "addWatch", path: "/w", mode: 1 },
      { type: "removeWatches", path: "/w", watcherType: 3, checkOnly: true },
      { type: "setACL", path: "/a", acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], version: 2 },
      { type: "create", path: "/t", data: new Uint8Array([1, 2]), acl: [], mode: 6, ttl: 99 },
      {
        type: "setWatches",
        relativeZxid: 5n,
        dataWatches: [],
        existWatches: ["/x"],
        childWatches: [],
        persistentWatches: ["/p"],
        persistentRecursiveWatches: [],
      },
    ];
    for (const request of all)
      expect(decodeRequest(encodeRequest({ xid: 1, request }).subarray(4))).toMatchObject({ kind: "request", request });
  });
});

describe("strings", () => {
  it("keep a leading byte order mark, as Java's String does", () => {
    const frame = encodeRequest({ xid: 1, request: { type: "sync", path: "\ufeff/a" } });
    expect(decodeRequest(frame.subarray(4))).toMatchObject({ request: { path: "\ufeff/a" } });
  });
});
