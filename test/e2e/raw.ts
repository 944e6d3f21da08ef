// Raw connections to a server's ports, below the client library: native WebSocket frames
// and ZooKeeper TCP bytes, for refusal, limit and bad-input tests.
import { connect, type Socket } from "node:net";
import WebSocket from "ws";
import { NativeCodec, jute, type ClientFrame, type Request, type ServerFrame } from "@warden/protocol";
import { Inbox } from "./harness.js";

export interface RawNative {
  /** Frames the server sent, decoded (undecodable ones as { kind: "undecodable" }). */
  frames: Inbox<ServerFrame | { kind: "undecodable" }>;
  send(frame: ClientFrame): void;
  sendBytes(bytes: Uint8Array, binary?: boolean): void;
  /** Resolves when the connection has ended (either side). */
  closed: Promise<void>;
  isClosed(): boolean;
  close(): void;
  /** Stops (and restarts) reading from the socket: a client that does not read its replies. */
  pause(): void;
  resume(): void;
}

export async function openNative(
  port: number,
  codec = new NativeCodec({ frameBytesMax: 64 * 1024 * 1024, dataBytesMax: 32 * 1024 * 1024 }),
): Promise<RawNative> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  ws.binaryType = "nodebuffer";
  const frames = new Inbox<ServerFrame | { kind: "undecodable" }>();
  let isClosed = false;
  const closed = new Promise<void>((resolve) => ws.on("close", () => ((isClosed = true), resolve())));
  ws.on("error", () => undefined);
  ws.on("message", (data: Buffer) => {
    try {
      frames.push(codec.decodeServerFrame(data));
    } catch {
      frames.push({ kind: "undecodable" });
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    frames,
    send: (frame) => ws.readyState === WebSocket.OPEN && ws.send(codec.encodeClientFrame(frame), { binary: true }),
    sendBytes: (bytes, binary = true) => ws.readyState === WebSocket.OPEN && ws.send(bytes, { binary }),
    closed,
    isClosed: () => isClosed,
    close: () => ws.terminate(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
  };
}

export const connectFrame = (sessionId = 0n, password = new Uint8Array(16), timeoutMs = 4000): ClientFrame => ({
  kind: "connect",
  request: { protocolVersion: 0, lastZxidSeen: 0n, timeoutMs, sessionId, password, readOnly: false },
});

export interface RawTcp {
  socket: Socket;
  /** Every byte received so far. */
  received(): Buffer;
  closed: Promise<void>;
  isClosed(): boolean;
}

/** `keep`: keep every byte received for received() (a raw ZooKeeper client decodes them instead). */
export async function openTcp(port: number, keep = true): Promise<RawTcp> {
  const socket = connect(port, "127.0.0.1");
  const chunks: Buffer[] = [];
  let isClosed = false;
  if (keep) socket.on("data", (c) => chunks.push(c));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.on("close", () => ((isClosed = true), resolve())));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed, isClosed: () => isClosed };
}

/** A ZooKeeper-protocol connection driven frame by frame with the jute codec, for limit tests. */
export interface RawZk extends RawTcp {
  /** The server's frames so far (the ConnectResponse first, then replies and events). */
  frames: Inbox<{ kind: "connected"; sessionId: bigint; timeoutMs: number; password: Uint8Array } | jute.JuteServerFrame>;
  /** Sends one request; its reply is decoded with its op code. A multi's ops are sent as `multiOpCodes` say (default: as the Java client's Op classes). */
  send(xid: number, request: Request, opCode?: number, multiOpCodes?: readonly number[]): void;
  /** Sends a request frame built by hand (length prefix included); its reply is decoded as `opCode`'s. */
  sendBytes(xid: number, opCode: number, frame: Uint8Array): void;
  /** The reply to xid (waits for it). */
  reply(xid: number, what?: string): Promise<jute.JuteServerFrame>;
}

/**
 * Opens a ZooKeeper-protocol connection; with `handshake`, sends a ConnectRequest (a new session,
 * or `session` reattached) and waits for its answer.
 */
export async function openZk(port: number, handshake = true, session?: { sessionId: bigint; password: Uint8Array }): Promise<RawZk> {
  const tcp = await openTcp(port, false);
  const frames = new Inbox<{ kind: "connected"; sessionId: bigint; timeoutMs: number; password: Uint8Array } | jute.JuteServerFrame>();
  const shapes = new Map<number, jute.JuteReplyShape>();
  const splitter = new jute.JuteFrameSplitter({ frameBytesMax: 64 * 1024 * 1024 });
  let connected = false;
  tcp.socket.on("data", (chunk: Buffer) => {
    for (const f of splitter.feed(chunk)) {
      if (!connected) {
        connected = true;
        const { response } = jute.decodeConnectResponse(f);
        frames.push({ kind: "connected", sessionId: response.sessionId, timeoutMs: response.timeoutMs, password: response.password });
      } else {
        frames.push(jute.decodeServerFrame(f, (xid) => shapes.get(xid)));
      }
    }
  });
  const zk: RawZk = {
    ...tcp,
    frames,
    send(xid, request, opCode, multiOpCodes) {
      const out = { xid, request, ...(opCode === undefined ? {} : { opCode }), multiOpCodes };
      // A multi's results carry their own types: the op code alone decodes every reply.
      shapes.set(xid, { opCode: opCode ?? jute.defaultOpCode(request) });
      tcp.socket.write(jute.encodeRequest(out));
    },
    sendBytes(xid, opCode, frame) {
      shapes.set(xid, { opCode });
      tcp.socket.write(frame);
    },
    async reply(xid, what = `the reply to xid ${xid}`) {
      for (let n = 1; ; n++) {
        const f = await frames.next(what, n, 10_000);
        if (f.kind === "reply" && f.xid === xid) return f;
      }
    },
  };
  if (handshake) {
    const { sessionId, password } = session ?? { sessionId: 0n, password: new Uint8Array(16) };
    tcp.socket.write(
      jute.encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeoutMs: 4000, sessionId, password, readOnly: false }),
    );
    const first = await frames.next("the ConnectResponse");
    if (first.kind !== "connected" || first.sessionId === 0n || (session && first.sessionId !== session.sessionId))
      throw new Error("the server refused the session");
  }
  return zk;
}
