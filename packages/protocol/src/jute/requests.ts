// Request records (zookeeper.jute's *Request classes) <-> the internal Request.
// Server side: decodeRequest(frame). Client side: encodeRequest(...).
import { AddWatchMode, ErrorCode, OpCode, WatcherType } from "../codes.js";
import type { Request } from "../messages.js";
import { decodeCreate, encodeCreate } from "./create.js";
import { decodeMulti, encodeMulti, multiOpCodesOf } from "./multi.js";
import { JuteReader } from "./reader.js";
import { readRequestACL, writeACL } from "./records.js";
import { isRefusal, refuse, refusingNulls, requiredPath, type Refusal } from "./refusal.js";
import { CONFIG_NODE_PATH, type JuteOpRequest, type JuteRequestFrame, type ReconfigRecord } from "./types.js";

type BodyDecoder = (r: JuteReader, opCode: number) => Request | Refusal;

import { JuteWriter } from "./writer.js";

function decodeWatcherType(r: JuteReader, checkOnly: boolean): Request | Refusal {
  const path = requiredPath(r, checkOnly ? ErrorCode.MARSHALLING_ERROR : ErrorCode.NO_WATCHER);
  const type = r.int("type");
  // ZooKeeper: WatcherType.fromInt throws, FinalRequestProcessor answers MARSHALLINGERROR.
  if (type < WatcherType.Children || type > WatcherType.PersistentRecursive) {
    return refuse(ErrorCode.MARSHALLING_ERROR, `invalid watcher type ${type}`);
  }
  return { type: "removeWatches", path, watcherType: type as WatcherType, checkOnly };
}

function decodeAddWatch(r: JuteReader): Request | Refusal {
  // ZooKeeper 3.8 answers OK to a null path and keeps a watch nothing can fire: refused here.
  const path = requiredPath(r);
  const mode = r.int("mode");
  if (mode !== AddWatchMode.PERSISTENT && mode !== AddWatchMode.PERSISTENT_RECURSIVE) {
    return refuse(ErrorCode.MARSHALLING_ERROR, `invalid addWatch mode ${mode}`);
  }
  return { type: "addWatch", path, mode };
}

function decodeSetWatches(r: JuteReader, opCode: number): Request {
  const relativeZxid = r.long("relativeZxid");
  // A null path in a list: ZooKeeper dereferences it (MARSHALLING_ERROR).
  const paths = (what: string) => r.vector(what, 4, (e) => requiredPath(e));
  const dataWatches = paths("dataWatches");
  const existWatches = paths("existWatches");
  const childWatches = paths("childWatches");
  const two = opCode === OpCode.setWatches2;
  const persistentWatches = two ? paths("persistentWatches") : [];
  const persistentRecursiveWatches = two ? paths("persistentRecursiveWatches") : [];
  return { type: "setWatches", relativeZxid, dataWatches, existWatches, childWatches, persistentWatches, persistentRecursiveWatches };
}

function decodeGetData(r: JuteReader): Request {
  const path = requiredPath(r);
  const watch = r.bool("watch");
  return path === CONFIG_NODE_PATH ? { type: "getConfig", watch } : { type: "getData", path, watch };
}

function ephemeralsPrefix(prefix: string | null): string {
  return prefix === null || prefix.trim() === "" || prefix.trim() === "/" ? "/" : prefix;
}

const unimplemented = (what: string) => () => refuse(ErrorCode.UNIMPLEMENTED, what, true);

const decoders = new Map<number, BodyDecoder>([
  [OpCode.create, decodeCreate],
  [OpCode.create2, decodeCreate],
  [OpCode.createContainer, decodeCreate],
  [OpCode.createTTL, decodeCreate],
  [OpCode.delete, (r) => ({ type: "delete", path: requiredPath(r), version: r.int("version") })],
  [OpCode.exists, (r) => ({ type: "exists", path: requiredPath(r), watch: r.bool("watch") })],
  [OpCode.getData, decodeGetData],
  [
    OpCode.setData,
    (r) => ({ type: "setData", path: requiredPath(r, ErrorCode.BAD_ARGUMENTS), data: r.buffer("data"), version: r.int("version") }),
  ],
  [OpCode.getACL, (r) => ({ type: "getACL", path: requiredPath(r) })],
  [
    OpCode.setACL,
    (r) => ({ type: "setACL", path: requiredPath(r, ErrorCode.BAD_ARGUMENTS), acl: readRequestACL(r), version: r.int("version") }),
  ],
  [OpCode.getChildren, (r) => ({ type: "getChildren", path: requiredPath(r), watch: r.bool("watch"), withStat: false })],
  [OpCode.getChildren2, (r) => ({ type: "getChildren", path: requiredPath(r), watch: r.bool("watch"), withStat: true })],
  // ZooKeeper answers a sync of a null path (sync is not per path): read as a sync of "/".
  [OpCode.sync, (r) => ({ type: "sync", path: r.stringOrNull("path") ?? "/" })],
  [OpCode.ping, () => ({ type: "ping" })],
  // Request.isValid(check) is false in ZooKeeper: a lone check is unimplemented (only inside multi).
  [OpCode.check, unimplemented("check outside multi")],
  [OpCode.checkWatches, (r) => decodeWatcherType(r, true)],
  [OpCode.removeWatches, (r) => decodeWatcherType(r, false)],
  // A null scheme has no provider: read as "", which fails authentication as ZooKeeper's does.
  [OpCode.auth, (r) => (r.int("auth.type"), { type: "auth", scheme: r.stringOrNull("scheme") ?? "", auth: r.buffer("auth") })],
  [OpCode.setWatches, decodeSetWatches],
  [OpCode.setWatches2, decodeSetWatches],
  // GetSASLRequest: the token; the server's SASL mechanism judges it (null included).
  [OpCode.sasl, (r) => ({ type: "sasl", token: r.buffer("token") })],
  // GetEphemeralsRequest: a null or blank prefix means all of them (FinalRequestProcessor).
  [OpCode.getEphemerals, (r) => ({ type: "getEphemerals", prefix: ephemeralsPrefix(r.stringOrNull("prefixPath")) })],
  [OpCode.getAllChildrenNumber, (r) => ({ type: "getAllChildrenNumber", path: requiredPath(r) })],
  [OpCode.addWatch, decodeAddWatch],
  [OpCode.whoAmI, () => ({ type: "whoAmI" })],
  [OpCode.closeSession, () => ({ type: "closeSession" })],
]);

/**
 * Decodes one client frame after the handshake (the frame's body, without its length).
 * Throws DecodeError (close the connection) on a malformed record; trailing bytes after the
 * record are ignored, as ZooKeeper's deserializers ignore them.
 */
export function decodeRequest(frame: Uint8Array): JuteRequestFrame {
  const r = new JuteReader(frame);
  const xid = r.int("xid");
  const opCode = r.int("type");
  if (opCode === OpCode.reconfig) return { kind: "request", xid, opCode, request: { type: "reconfig", ...decodeReconfig(r) } };
  if (opCode === OpCode.multi || opCode === OpCode.multiRead) return decodeMultiFrame(r, xid, opCode);
  const decoder = decoders.get(opCode);
  // ZooKeeper: UnimplementedRequestProcessor answers UNIMPLEMENTED and closes the session.
  const body = decoder ? refusingNulls(() => decoder(r, opCode)) : refuse(ErrorCode.UNIMPLEMENTED, `unknown op code ${opCode}`, true);
  if (isRefusal(body)) return { kind: "rejected", xid, opCode, err: body.err, closeSession: body.closeSession, message: body.message };
  return { kind: "request", xid, opCode, request: body };
}

function decodeMultiFrame(r: JuteReader, xid: number, opCode: number): JuteRequestFrame {
  const multi = refusingNulls(() => decodeMulti(r, opCode));
  if (isRefusal(multi)) return { kind: "rejected", xid, opCode, err: multi.err, closeSession: multi.closeSession, message: multi.message };
  return { kind: "request", xid, opCode, request: multi.request, multiOpCodes: multi.opCodes };
}

function decodeReconfig(r: JuteReader): ReconfigRecord {
  return {
    joiningServers: r.stringOrNull("joiningServers"),
    leavingServers: r.stringOrNull("leavingServers"),
    newMembers: r.stringOrNull("newMembers"),
    curConfigId: r.long("curConfigId"),
  };
}

/** The op code a request is sent with when the caller does not name one (the 3.6+ choices). */
export function defaultOpCode(request: Request): number {
  switch (request.type) {
    case "create":
      if (request.mode === 4) return OpCode.createContainer;
      return request.mode === 5 || request.mode === 6 ? OpCode.createTTL : OpCode.create2;
    case "getChildren":
      return request.withStat ? OpCode.getChildren2 : OpCode.getChildren;
    case "removeWatches":
      return request.checkOnly ? OpCode.checkWatches : OpCode.removeWatches;
    case "setWatches":
      return request.persistentWatches.length + request.persistentRecursiveWatches.length > 0 ? OpCode.setWatches2 : OpCode.setWatches;
    case "getConfig":
      return OpCode.getData;
    default:
      return OpCode[request.type];
  }
}

/** A request as a client sends it; opCode defaults to defaultOpCode(request). */
export interface OutgoingRequest {
  xid: number;
  request: Request;
  opCode?: number;
  multiOpCodes?: readonly number[] | undefined;
}

/** Client side: one request frame, length prefix included; EncodeError when the body would pass frameBytesMax. */
export function encodeRequest(out: OutgoingRequest | JuteOpRequest, frameBytesMax?: number): Uint8Array {
  const opCode = out.opCode ?? defaultOpCode(out.request);
  const w = new JuteWriter(frameBytesMax).int(out.xid).int(opCode);
  encodeBody(w, out.request, opCode, out.multiOpCodes ?? multiOpCodesOf(out.request));
  return w.frame();
}

/** A ReconfigRequest frame (client side): encodeRequest of a "reconfig" request. */
export function encodeReconfigRequest(xid: number, reconfig: ReconfigRecord, frameBytesMax?: number): Uint8Array {
  return encodeRequest({ xid, request: { type: "reconfig", ...reconfig } }, frameBytesMax);
}

function encodeBody(w: JuteWriter, req: Request, opCode: number, multiOpCodes: readonly number[]): void {
  switch (req.type) {
    case "create":
      return encodeCreate(w, req, opCode);
    case "delete":
    case "check":
      w.string(req.path).int(req.version);
      return;
    case "exists":
    case "getData":
    case "getChildren":
      w.string(req.path).bool(req.watch);
      return;
    case "getConfig":
      w.string(CONFIG_NODE_PATH).bool(req.watch);
      return;
    case "setData":
      w.string(req.path).buffer(req.data).int(req.version);
      return;
    case "getACL":
    case "sync":
    case "getAllChildrenNumber":
      w.string(req.path);
      return;
    case "setACL":
      w.string(req.path);
      writeACL(w, req.acl);
      w.int(req.version);
      return;
    case "getEphemerals":
      w.string(req.prefix);
      return;
    case "addWatch":
      w.string(req.path).int(req.mode);
      return;
    case "removeWatches":
      w.string(req.path).int(req.watcherType);
      return;
    case "auth":
      w.int(0).string(req.scheme).buffer(req.auth);
      return;
    case "sasl":
      w.buffer(req.token);
      return;
    case "setWatches":
      return encodeSetWatches(w, req, opCode);
    case "multi":
    case "multiRead":
      return encodeMulti(w, req, multiOpCodes);
    case "reconfig":
      w.string(req.joiningServers).string(req.leavingServers).string(req.newMembers).long(req.curConfigId);
      return;
    case "ping":
    case "whoAmI":
    case "closeSession":
      return;
  }
}

function encodeSetWatches(w: JuteWriter, req: Extract<Request, { type: "setWatches" }>, opCode: number): void {
  w.long(req.relativeZxid).strings(req.dataWatches).strings(req.existWatches).strings(req.childWatches);
  if (opCode === OpCode.setWatches2) w.strings(req.persistentWatches).strings(req.persistentRecursiveWatches);
}
