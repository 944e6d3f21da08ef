// Native (WebSocket + CBOR) sessions for cases: the fuzzer's codec encodes any frame (its
// limits are far above the server's), the connect handshake, and a ping that ends a
// conversation and counts what the server did.
import { NativeCodec, type ClientFrame, type ConnectRequest, type Request } from "@warden/protocol";
import type { CaseContext } from "../family.js";
import { WsConnection } from "../wire.js";

/** How long a native case waits for one answer. */
export const ANSWER_MS = 1_000;
/** How long a native case waits for the session to open. */
const CONNECT_MS = 3_000;
/** The xid of the closing ping (valid, and above what cases use). */
export const PING_XID = 0x7ffffff0;

/** Encodes whatever a case builds; the server's bounds are what is being tested, not ours. */
export const codec = new NativeCodec({
  frameBytesMax: 256 * 1024 * 1024,
  dataBytesMax: 128 * 1024 * 1024,
  multiOpsMax: 10_000_000,
  listItemsMax: 10_000_000,
  aclEntriesMax: 10_000_000,
  stringCharsMax: 10_000_000,
  credentialBytesMax: 10_000_000,
});

export const connectFrame = (request: Partial<ConnectRequest> = {}): ClientFrame => ({
  kind: "connect",
  request: {
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeoutMs: 4_000,
    sessionId: 0n,
    password: new Uint8Array(16),
    readOnly: false,
    ...request,
  },
});

export const requestFrame = (xid: number, request: Request): Uint8Array => codec.encodeClientFrame({ kind: "request", xid, request });

/** The kind (and xid) of a server frame, or "undecodable". */
export function kindOf(frame: Uint8Array): { kind: string; xid?: number; err?: number } {
  try {
    const f = codec.decodeServerFrame(frame);
    return f.kind === "reply" ? { kind: f.kind, xid: f.xid, err: f.err } : { kind: f.kind };
  } catch {
    return { kind: "undecodable" };
  }
}

export async function openNative(ctx: CaseContext, n = 0): Promise<WsConnection> {
  return WsConnection.open(ctx.pool, ctx.ports.native, { localAddress: ctx.source(n) });
}

/** A connection with an open session, or undefined (observed) when the server would not open one. */
export async function nativeSession(ctx: CaseContext, n = 0): Promise<WsConnection | undefined> {
  const c = await openNative(ctx, n);
  if (c.closed) return void ctx.observe("connection refused");
  c.send(codec.encodeClientFrame(connectFrame()));
  await c.until(() => c.closed || c.frames.some((f) => kindOf(f).kind !== "undecodable"), CONNECT_MS);
  const first = c.frames[0] ? kindOf(c.frames[0]).kind : undefined;
  if (first === "connected") return c;
  ctx.observe(first ? `session refused (${first})` : c.closed ? "closed at connect" : "no connect reply");
  return undefined;
}

/** A ping, then: answered, closed, or silent within `timeoutMs`? Counted. */
export async function observePing(ctx: CaseContext, c: WsConnection, timeoutMs = ANSWER_MS): Promise<void> {
  const reply = await replyTo(c, PING_XID, requestFrame(PING_XID, { type: "ping" }), timeoutMs);
  ctx.observe(reply ? "ping answered" : c.closed ? `closed${c.closeCode ? ` ${c.closeCode}` : ""}` : "ping silent");
}

/** From now on, every reply's err by xid (register before sending what they answer). */
export function trackReplies(c: WsConnection): Map<number, number> {
  const replies = new Map<number, number>();
  c.onFrame((f) => {
    const k = kindOf(f);
    if (k.kind === "reply" && k.xid !== undefined && !replies.has(k.xid)) replies.set(k.xid, k.err ?? -1);
  });
  return replies;
}

/** Sends `frame` and waits for the reply to `xid`; undefined when the connection ended or time ran out. */
export async function replyTo(c: WsConnection, xid: number, frame: Uint8Array, timeoutMs: number): Promise<{ err: number } | undefined> {
  const replies = trackReplies(c);
  c.send(frame);
  await c.until(() => c.closed || replies.has(xid), timeoutMs);
  return replies.has(xid) ? { err: replies.get(xid)! } : undefined;
}
