// Schema of the server -> client frames.
import { EventType, KeeperState } from "../codes.js";
import type { ConnectResponse, WatchEvent } from "../messages.js";
import { CLOSE_REASONS, type CloseFrame, type CloseReason, type ServerFrame } from "./frames.js";
import { has, readBool, readBytes, readInt32, readIntRange, readMap, readString, readUint64, checkPath, type Fields } from "./fields.js";
import type { NativeCodecLimits } from "./limits.js";
import { NativeDecodeReason as R, decodeFailure } from "./reasons.js";
import { decodeResponse } from "./responses.js";

const EVENT_TYPES: ReadonlySet<number> = new Set(Object.values(EventType));
const KEEPER_STATES: ReadonlySet<number> = new Set(Object.values(KeeperState));
/** The largest timeout or xid a server frame may carry. */
const XID_MAX = 0x7fffffff;

function decodeConnectResponse(m: Fields, at: string, limits: NativeCodecLimits): ConnectResponse {
  return {
    protocolVersion: readInt32(m, "protocolVersion", at),
    timeoutMs: readIntRange(m, "timeoutMs", at, 0, XID_MAX),
    sessionId: readUint64(m, "sessionId", at),
    password: readBytes(m, "password", at, limits.credentialBytesMax),
    readOnly: readBool(m, "readOnly", at),
  };
}

function decodeEvent(m: Fields, at: string): WatchEvent {
  const type = readInt32(m, "type", at);
  const state = readInt32(m, "state", at);
  if (!EVENT_TYPES.has(type)) throw decodeFailure(R.FIELD_RANGE, `${at}.type = ${type} is not an event type`);
  if (!KEEPER_STATES.has(state)) throw decodeFailure(R.FIELD_RANGE, `${at}.state = ${state} is not a keeper state`);
  const rawPath = readString(m, "path", at, Number.MAX_SAFE_INTEGER);
  // A session-state event (type None) concerns no node and carries "".
  const path = type === EventType.None && rawPath === "" ? "" : checkPath(rawPath, `${at}.path`);
  const event: WatchEvent = { type: type as EventType, state: state as KeeperState, path, zxid: readUint64(m, "zxid", at) };
  if (has(m, "catchUp")) event.catchUp = readBool(m, "catchUp", at);
  return event;
}

function decodeClose(m: Fields, limits: NativeCodecLimits): CloseFrame {
  const reason = readString(m, "reason", "frame", 64);
  if (!CLOSE_REASONS.has(reason)) throw decodeFailure(R.FIELD_RANGE, `frame.reason "${reason}" is not a close reason`);
  const frame: CloseFrame = {
    kind: "close",
    reason: reason as CloseReason,
    message: readString(m, "message", "frame", limits.stringCharsMax),
  };
  if (has(m, "lastZxid")) frame.lastZxid = readUint64(m, "lastZxid", "frame");
  return frame;
}

export function decodeServerFields(m: Fields, kind: string, limits: NativeCodecLimits): ServerFrame {
  switch (kind) {
    case "connected":
      return {
        kind,
        response: decodeConnectResponse(readMap(m, "response", "frame"), "frame.response", limits),
        lastZxid: readUint64(m, "lastZxid", "frame"),
      };
    case "reply": {
      const err = readInt32(m, "err", "frame");
      const frame: ServerFrame = { kind, xid: readIntRange(m, "xid", "frame", 0, XID_MAX), zxid: readUint64(m, "zxid", "frame"), err };
      if (err === 0) frame.response = decodeResponse(readMap(m, "response", "frame"), "frame.response", limits);
      else if (has(m, "response")) throw decodeFailure(R.FIELD_TYPE, `frame.response must be absent with err ${err}`);
      return frame;
    }
    case "event":
      return { kind, event: decodeEvent(readMap(m, "event", "frame"), "frame.event") };
    case "close":
      return decodeClose(m, limits);
    default:
      throw decodeFailure(R.FRAME_KIND, `"${kind}" is not a server frame kind`);
  }
}
