// Reply records (ReplyHeader + the op's *Response) and watch notifications.
// Server side: encodeReply, encodeErrorReply, encodeNotification.
// Client side: decodeServerFrame.
import { ErrorCode, OpCode, type EventType, type KeeperState } from "../codes.js";
import { WardenError } from "../errors.js";
import type { EmptyResponse, MultiReadResult, MultiResult, Response, WatchEvent } from "../messages.js";
import { EMPTY_STAT, type Stat } from "../stat.js";
import { decodeMultiResults, encodeMultiReadResults, encodeMultiResults } from "./multi.js";
import { JuteReader } from "./reader.js";
import { juteError, JuteDecodeReason as R } from "./reasons.js";
import { readACL, readClientInfos, readStat, writeACL, writeId, writeStat } from "./records.js";
import { Xid, type JuteReplyShape, type JuteServerFrame } from "./types.js";
import { JuteWriter } from "./writer.js";

interface ReplyCodec {
  /** The internal response types this op's reply is written from. */
  types: readonly Response["type"][];
  write(w: JuteWriter, response: Response, shape: JuteReplyShape): void;
  read(r: JuteReader): Response;
}

const empty = (type: EmptyResponse["type"]): ReplyCodec => ({
  types: [type],
  write: () => {},
  read: () => ({ type }),
});

const withStat = (type: "exists" | "setData" | "setACL"): ReplyCodec => ({
  types: [type],
  write: (w, res) => writeStat(w, (res as { stat: Stat }).stat),
  read: (r) => ({ type, stat: readStat(r) }),
});

const getDataShaped: ReplyCodec = {
  types: ["getData", "getConfig"],
  write: (w, res) => {
    const { data, stat } = res as Extract<Response, { type: "getData" }>;
    w.buffer(data);
    writeStat(w, stat);
  },
  read: (r) => ({ type: "getData", data: r.buffer("data"), stat: readStat(r) }),
};

/** Reconfig's reply is a GetDataResponse too (ZooKeeperAdmin.reconfigure reads one). */
const reconfigShaped: ReplyCodec = {
  ...getDataShaped,
  types: ["reconfig"],
  read: (r) => ({ type: "reconfig", data: r.buffer("data"), stat: readStat(r) }),
};

const create = (withStatRecord: boolean): ReplyCodec => ({
  types: ["create"],
  write: (w, res) => {
    const { path, stat } = res as Extract<Response, { type: "create" }>;
    w.string(path);
    if (withStatRecord) writeStat(w, stat);
  },
  // CreateResponse (op create) carries no Stat: the internal response gets EMPTY_STAT.
  read: (r) => ({ type: "create", path: r.string("path"), stat: withStatRecord ? readStat(r) : { ...EMPTY_STAT } }),
});

const children = (withStatRecord: boolean): ReplyCodec => ({
  types: ["getChildren"],
  write: (w, res) => {
    const { children: names, stat } = res as Extract<Response, { type: "getChildren" }>;
    w.strings(names);
    if (withStatRecord) writeStat(w, stat ?? assertFailed("getChildren2 reply without a stat"));
  },
  read: (r) => {
    const names = r.strings("children");
    return withStatRecord ? { type: "getChildren", children: names, stat: readStat(r) } : { type: "getChildren", children: names };
  },
});

const codecs = new Map<number, ReplyCodec>([
  [OpCode.create, create(false)],
  [OpCode.create2, create(true)],
  [OpCode.createTTL, create(true)],
  [OpCode.createContainer, create(true)],
  [OpCode.delete, empty("delete")],
  [OpCode.exists, withStat("exists")],
  [OpCode.getData, getDataShaped],
  [OpCode.reconfig, reconfigShaped],
  [OpCode.setData, withStat("setData")],
  [OpCode.setACL, withStat("setACL")],
  [
    OpCode.getACL,
    {
      types: ["getACL"],
      write: (w, res) => {
        const { acl, stat } = res as Extract<Response, { type: "getACL" }>;
        writeACL(w, acl);
        writeStat(w, stat);
      },
      read: (r) => ({ type: "getACL", acl: readACL(r), stat: readStat(r) }),
    },
  ],
  [OpCode.getChildren, children(false)],
  [OpCode.getChildren2, children(true)],
  [
    OpCode.sync,
    {
      types: ["sync"],
      write: (w, res) => void w.string((res as Extract<Response, { type: "sync" }>).path),
      read: (r) => ({ type: "sync", path: r.string("path") }),
    },
  ],
  [OpCode.ping, empty("ping")],
  [OpCode.check, empty("check")],
  [OpCode.checkWatches, empty("removeWatches")],
  [OpCode.removeWatches, empty("removeWatches")],
  [OpCode.auth, empty("auth")],
  [OpCode.setWatches, empty("setWatches")],
  [OpCode.setWatches2, empty("setWatches")],
  [OpCode.closeSession, empty("closeSession")],
  [
    OpCode.sasl,
    {
      types: ["sasl"],
      write: (w, res) => void w.buffer((res as Extract<Response, { type: "sasl" }>).token),
      read: (r) => ({ type: "sasl", token: r.buffer("token") }),
    },
  ],
  // addWatch answers with ErrorResponse(0): four bytes after the header (FinalRequestProcessor).
  [OpCode.addWatch, { types: ["addWatch"], write: (w) => void w.int(0), read: (r) => (r.int("err"), { type: "addWatch" }) }],
  [
    OpCode.getEphemerals,
    {
      types: ["getEphemerals"],
      write: (w, res) => void w.strings((res as Extract<Response, { type: "getEphemerals" }>).ephemerals),
      read: (r) => ({ type: "getEphemerals", ephemerals: r.strings("ephemerals") }),
    },
  ],
  [
    OpCode.getAllChildrenNumber,
    {
      types: ["getAllChildrenNumber"],
      write: (w, res) => void w.int((res as Extract<Response, { type: "getAllChildrenNumber" }>).totalNumber),
      read: (r) => ({ type: "getAllChildrenNumber", totalNumber: r.int("totalNumber") }),
    },
  ],
  [
    OpCode.whoAmI,
    {
      types: ["whoAmI"],
      write: (w, res) => void w.vector((res as Extract<Response, { type: "whoAmI" }>).clientInfo, writeId),
      read: (r) => ({ type: "whoAmI", clientInfo: readClientInfos(r) }),
    },
  ],
  [
    OpCode.multi,
    {
      types: ["multi"],
      write: (w, res, shape) => encodeMultiResults(w, (res as Extract<Response, { type: "multi" }>).results, shape.multiOpCodes ?? []),
      read: (r) => ({ type: "multi", results: decodeMultiResults(r) as MultiResult[] }),
    },
  ],
  [
    OpCode.multiRead,
    {
      types: ["multiRead"],
      write: (w, res) => encodeMultiReadResults(w, (res as Extract<Response, { type: "multiRead" }>).results),
      read: (r) => ({ type: "multiRead", results: decodeMultiResults(r) as MultiReadResult[] }),
    },
  ],
]);

function assertFailed(message: string): never {
  throw new WardenError(ErrorCode.SYSTEM_ERROR, `jute: ${message}`);
}

/**
 * Server side: a successful reply (err 0) to the request whose op code (and multi op codes)
 * `shape` gives: pass the decoded JuteOpRequest itself. Pings are answered with xid -2
 * whatever xid they came with, as ZooKeeper does. zxid: the server's last processed zxid
 * (ZooKeeper sends 0 in auth replies). Throws EncodeError the moment the body would pass
 * frameBytesMax, before allocating for it.
 */
export function encodeReply(shape: JuteReplyShape, xid: number, zxid: bigint, response: Response, frameBytesMax?: number): Uint8Array {
  const codec = codecs.get(shape.opCode) ?? assertFailed(`no reply record for op code ${shape.opCode}`);
  if (!codec.types.includes(response.type)) assertFailed(`a ${response.type} response to op code ${shape.opCode}`);
  // Pooled: the connection copies the frame into its turn's batch at once.
  const w = new JuteWriter(frameBytesMax, undefined, true)
    .int(shape.opCode === OpCode.ping ? Xid.ping : xid)
    .long(zxid)
    .int(ErrorCode.OK);
  codec.write(w, response, shape);
  return w.frame();
}

/** ReplyHeader: xid, zxid, err. */
export const REPLY_HEADER_BYTES = 16;

/** Server side: an error reply is the ReplyHeader alone (err != 0). */
export function encodeErrorReply(xid: number, zxid: bigint, err: number, frameBytesMax?: number): Uint8Array {
  // The most common reply of all (NONODE to an exists, pings refused...): 20 bytes written in
  // place, one small array, where a JuteWriter made five objects (a quarter of an exists' cost).
  if (frameBytesMax !== undefined && frameBytesMax < REPLY_HEADER_BYTES)
    return new JuteWriter(frameBytesMax).int(xid).long(zxid).int(err).frame();
  const out = new Uint8Array(4 + REPLY_HEADER_BYTES);
  putInt32(out, 0, REPLY_HEADER_BYTES);
  putInt32(out, 4, xid);
  // setBigInt64 wraps to 64 bits as BigInt.asIntN(64) would.
  longScratch.setBigInt64(0, zxid);
  out.set(longScratchBytes, 8);
  putInt32(out, 16, err);
  return out;
}

const longScratchBytes = new Uint8Array(8);
const longScratch = new DataView(longScratchBytes.buffer);
function putInt32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

/**
 * Server side: a failed SASL round. ZooKeeper's processSasl answers the error with a
 * SetSASLResponse whose token is null (length -1) after the header; its Java client reads
 * that token to reach its AuthFailed state (without it, it sees a broken reply).
 */
export function encodeSaslErrorReply(xid: number, err: number): Uint8Array {
  return new JuteWriter(undefined, 4 + REPLY_HEADER_BYTES + 4).int(xid).long(0n).int(err).int(-1).frame();
}

/**
 * Server side: a watch event: ReplyHeader(-1, zxid, 0) then WatcherEvent(type, state, path).
 * ZooKeeper 3.8 writes zxid -1 here, 3.9 the zxid of the change: the event's zxid is written.
 */
export function encodeNotification(event: WatchEvent, frameBytesMax?: number): Uint8Array {
  // Length, header, type, state, path length, then the path (exact for ASCII; grown otherwise).
  const w = new JuteWriter(frameBytesMax, 4 + REPLY_HEADER_BYTES + 12 + event.path.length)
    .int(Xid.notification)
    .long(event.zxid)
    .int(ErrorCode.OK);
  return w.int(event.type).int(event.state).string(event.path).frame();
}

/**
 * Client side: one frame from the server after the handshake. `shapeOfXid` says which
 * request an xid answers (the client's queue of outstanding requests); pings and auth
 * replies need no lookup. A reply with err != 0 has no response, as in ClientCnxn.
 */
export function decodeServerFrame(frame: Uint8Array, shapeOfXid: (xid: number) => JuteReplyShape | undefined): JuteServerFrame {
  const r = new JuteReader(frame);
  const xid = r.int("xid");
  const zxid = r.long("zxid");
  const err = r.int("err");
  if (xid === Xid.notification) {
    const type = r.int("event.type") as EventType;
    const state = r.int("event.state") as KeeperState;
    return { kind: "notification", zxid, event: { type, state, path: r.string("event.path"), zxid } };
  }
  const opCode = xid === Xid.ping ? OpCode.ping : xid === Xid.auth ? OpCode.auth : shapeOfXid(xid)?.opCode;
  if (opCode === undefined) throw juteError(R.UNKNOWN_XID, `reply xid ${xid} matches no request`);
  if (err !== ErrorCode.OK) return { kind: "reply", xid, zxid, err, opCode };
  const codec = codecs.get(opCode);
  if (!codec) throw juteError(R.UNKNOWN_XID, `reply to op code ${opCode}, which has no reply record`);
  return { kind: "reply", xid, zxid, err, opCode, response: codec.read(r) };
}
