// The handshake: ConnectRequest and ConnectResponse, each with the trailing readOnly
// boolean that pre-3.3 clients omit. ZooKeeper reads it when present (else treats the
// client as "old") and writes it back only to clients that sent it.
import type { ConnectRequest, ConnectResponse } from "../messages.js";
import { JuteReader } from "./reader.js";
import type { JuteConnectRequest, JuteConnectResponse } from "./types.js";
import { JuteWriter } from "./writer.js";

/** Server side: the first frame of a connection (its body, without the length). */
export function decodeConnectRequest(frame: Uint8Array): JuteConnectRequest {
  const r = new JuteReader(frame);
  const protocolVersion = r.int("protocolVersion");
  const lastZxidSeen = r.long("lastZxidSeen");
  const timeoutMs = r.int("timeOut");
  const sessionId = r.long("sessionId");
  // A null password matches no session, as an empty one: ZooKeeper's checkPasswd refuses both.
  const password = r.buffer("passwd") ?? new Uint8Array(0);
  const readOnlyField = r.remaining > 0;
  const readOnly = readOnlyField ? r.bool("readOnly") : false;
  return { request: { protocolVersion, lastZxidSeen, timeoutMs, sessionId, password, readOnly }, readOnlyField };
}

/**
 * Server side: the ConnectResponse frame. A refused session is timeoutMs 0, sessionId 0n and
 * a password of 16 zero bytes (ZooKeeperServer.finishSessionInit). Throws EncodeError when
 * the body would pass frameBytesMax.
 */
export function encodeConnectResponse(response: ConnectResponse, readOnlyField = true, frameBytesMax?: number): Uint8Array {
  const w = new JuteWriter(frameBytesMax)
    .int(response.protocolVersion)
    .int(response.timeoutMs)
    .long(response.sessionId)
    .buffer(response.password);
  if (readOnlyField) w.bool(response.readOnly);
  return w.frame();
}

/** Client side: the ConnectRequest frame; EncodeError when the body would pass frameBytesMax. */
export function encodeConnectRequest(request: ConnectRequest, readOnlyField = true, frameBytesMax?: number): Uint8Array {
  const w = new JuteWriter(frameBytesMax).int(request.protocolVersion).long(request.lastZxidSeen).int(request.timeoutMs);
  w.long(request.sessionId).buffer(request.password);
  if (readOnlyField) w.bool(request.readOnly);
  return w.frame();
}

/** Client side: the ConnectResponse (its body, without the length). */
export function decodeConnectResponse(frame: Uint8Array): JuteConnectResponse {
  const r = new JuteReader(frame);
  const protocolVersion = r.int("protocolVersion");
  const timeoutMs = r.int("timeOut");
  const sessionId = r.long("sessionId");
  const password = r.buffer("passwd") ?? new Uint8Array(0);
  const readOnlyField = r.remaining > 0;
  const readOnly = readOnlyField ? r.bool("readOnly") : false;
  return { response: { protocolVersion, timeoutMs, sessionId, password, readOnly }, readOnlyField };
}
