// Schema of the client -> server frames.
import type { ConnectRequest } from "../messages.js";
import type { ClientFrame } from "./frames.js";
import { readBool, readBytes, readInt32, readIntRange, readMap, readUint64, type Fields } from "./fields.js";
import type { NativeCodecLimits } from "./limits.js";
import { NativeDecodeReason as R, decodeFailure } from "./reasons.js";
import { decodeRequest } from "./requests.js";

/** The largest timeout or xid a client frame may carry. */
const INT32_MAX = 0x7fffffff;

function decodeConnectRequest(m: Fields, at: string, limits: NativeCodecLimits): ConnectRequest {
  return {
    protocolVersion: readInt32(m, "protocolVersion", at),
    lastZxidSeen: readUint64(m, "lastZxidSeen", at),
    timeoutMs: readIntRange(m, "timeoutMs", at, 0, INT32_MAX),
    sessionId: readUint64(m, "sessionId", at),
    password: readBytes(m, "password", at, limits.credentialBytesMax),
    readOnly: readBool(m, "readOnly", at),
  };
}

export function decodeClientFields(m: Fields, kind: string, limits: NativeCodecLimits): ClientFrame {
  switch (kind) {
    case "connect":
      return { kind, request: decodeConnectRequest(readMap(m, "request", "frame"), "frame.request", limits) };
    case "request":
      return {
        kind,
        xid: readIntRange(m, "xid", "frame", 0, INT32_MAX),
        request: decodeRequest(readMap(m, "request", "frame"), "frame.request", limits),
      };
    default:
      throw decodeFailure(R.FRAME_KIND, `"${kind}" is not a client frame kind`);
  }
}
