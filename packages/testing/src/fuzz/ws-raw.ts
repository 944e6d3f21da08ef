// WebSocket below the ws library: the HTTP upgrade by hand and frames built byte by byte
// (RFC 6455 section 5.2), so a case can send what no library would: unmasked or
// reserved-bit frames, unknown opcodes, lengths that lie, endless fragments.
import { RawTcp, type ConnectionPool, type OpenOptions } from "./wire.js";

/** How long a raw WebSocket upgrade may take. */
const UPGRADE_MS = 3_000;

export function upgradeRequest(port: number, key: Uint8Array, extraHeaders = ""): string {
  return `${[
    "GET / HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${Buffer.from(key).toString("base64")}`,
    "Sec-WebSocket-Version: 13",
  ].join("\r\n")}\r\n${extraHeaders}\r\n`;
}

/** A TCP connection upgraded to WebSocket, or undefined when the server did not answer 101. */
export async function openUpgraded(
  pool: ConnectionPool,
  port: number,
  key: Uint8Array,
  opts: OpenOptions = {},
): Promise<RawTcp | undefined> {
  const t = await RawTcp.open(pool, port, opts);
  t.write(upgradeRequest(port, key));
  await t.until(() => t.closed || t.received().includes("\r\n\r\n"), UPGRADE_MS);
  return t.received().subarray(0, 12).toString() === "HTTP/1.1 101" ? t : undefined;
}

export interface WsFrameSpec {
  fin: boolean;
  /** The three reserved bits (0..7); non-zero without an extension is a protocol error. */
  rsv: number;
  /** 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong; others reserved. */
  opcode: number;
  /** Clients must mask; an unmasked client frame is a protocol error. */
  masked: boolean;
  maskKey: Uint8Array;
  payload: Uint8Array;
  /** A length to announce instead of the payload's (a lie), as a 64-bit length. */
  declaredLength?: bigint | undefined;
}

/** The frame's bytes; the payload is masked with maskKey when `masked`. */
export function encodeWsFrame(f: WsFrameSpec): Uint8Array {
  const length = f.declaredLength ?? BigInt(f.payload.length);
  const lengthBytes = f.declaredLength !== undefined || length > 0xffffn ? 8 : length > 125n ? 2 : 0;
  const header = new Uint8Array(2 + lengthBytes + (f.masked ? 4 : 0));
  const view = new DataView(header.buffer);
  header[0] = (f.fin ? 0x80 : 0) | ((f.rsv & 7) << 4) | (f.opcode & 0x0f);
  header[1] = (f.masked ? 0x80 : 0) | (lengthBytes === 8 ? 127 : lengthBytes === 2 ? 126 : Number(length));
  if (lengthBytes === 2) view.setUint16(2, Number(length));
  if (lengthBytes === 8) view.setBigUint64(2, BigInt.asUintN(64, length));
  const payload = Uint8Array.from(f.payload);
  if (f.masked) {
    header.set(f.maskKey.subarray(0, 4), 2 + lengthBytes);
    for (let i = 0; i < payload.length; i++) payload[i]! ^= f.maskKey[i & 3] ?? 0;
  }
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  out.set(payload, header.length);
  return out;
}
