// Raw connections to a server's ports, below the client library: native WebSocket frames
// and ZooKeeper TCP bytes, for refusal, limit and bad-input tests.
import { connect, type Socket } from "node:net";
import WebSocket from "ws";
import { NativeCodec, type ClientFrame, type ServerFrame } from "@warden/protocol";
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
}

export async function openNative(port: number, codec = new NativeCodec({ frameBytesMax: 64 * 1024 * 1024, dataBytesMax: 32 * 1024 * 1024 })): Promise<RawNative> {
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

export async function openTcp(port: number): Promise<RawTcp> {
  const socket = connect(port, "127.0.0.1");
  const chunks: Buffer[] = [];
  let isClosed = false;
  socket.on("data", (c) => chunks.push(c));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.on("close", () => ((isClosed = true), resolve())));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed, isClosed: () => isClosed };
}
