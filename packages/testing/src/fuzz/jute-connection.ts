// A ZooKeeper-protocol connection below any client library: the handshake, requests as
// bytes, and the server's frames split with the protocol's own JuteFrameSplitter (bounded:
// a frame over FRAME_BYTES_MAX ends our parsing of that connection, it is not buffered).
import { ErrorCode, jute, type ConnectRequest, type ConnectResponse, type Request } from "@warden/protocol";
import { RawTcp, type ConnectionPool, type OpenOptions } from "./wire.js";

/** Largest server frame the fuzzer parses (a multiRead reply may be far larger; it is counted, not kept). */
const FRAME_BYTES_MAX = 64 * 1024 * 1024;
/** Replies kept for the checks; older ones are dropped. */
const KEPT_REPLIES_MAX = 1_000;
/** Bytes of reply bodies kept (older replies are counted, then dropped): 1,000 replies of 1 MiB would be 1 GiB. */
const KEPT_REPLY_BYTES_MAX = 16 * 1024 * 1024;

export interface JuteReplyHeader {
  xid: number;
  zxid: bigint;
  err: number;
  /** The whole frame body (header included), for a caller that decodes the record. */
  body: Uint8Array;
}

export const handshakeRequest = (overrides: Partial<ConnectRequest> = {}): ConnectRequest => ({
  protocolVersion: 0,
  lastZxidSeen: 0n,
  timeoutMs: 4_000,
  sessionId: 0n,
  password: new Uint8Array(16),
  readOnly: false,
  ...overrides,
});

export class JuteConnection {
  connectResponse: ConnectResponse | undefined;
  readonly replies: JuteReplyHeader[] = [];
  repliesReceived = 0;
  /** The server sent a frame over FRAME_BYTES_MAX (or bytes that do not split into frames). */
  unparsable: string | undefined;
  private readonly splitter = new jute.JuteFrameSplitter({ frameBytesMax: FRAME_BYTES_MAX });
  private keptBytes = 0;

  private constructor(readonly tcp: RawTcp) {
    tcp.onData((chunk) => this.feed(chunk));
  }

  static async open(pool: ConnectionPool, port: number, opts: OpenOptions = {}): Promise<JuteConnection> {
    return new JuteConnection(await RawTcp.open(pool, port, opts));
  }

  private feed(chunk: Uint8Array): void {
    if (this.unparsable) return;
    let frames: Uint8Array[];
    try {
      frames = this.splitter.feed(chunk);
    } catch (e) {
      this.unparsable = (e as Error).message;
      return;
    }
    for (const f of frames) {
      if (!this.connectResponse) {
        try {
          this.connectResponse = jute.decodeConnectResponse(f).response;
        } catch (e) {
          this.unparsable = `handshake reply: ${(e as Error).message}`;
        }
        continue;
      }
      if (f.length < 16) continue;
      const view = new DataView(f.buffer, f.byteOffset, f.byteLength);
      this.repliesReceived++;
      this.replies.push({ xid: view.getInt32(0), zxid: view.getBigInt64(4), err: view.getInt32(12), body: f });
      this.keptBytes += f.length;
      while (this.replies.length > KEPT_REPLIES_MAX || (this.replies.length > 1 && this.keptBytes > KEPT_REPLY_BYTES_MAX))
        this.keptBytes -= this.replies.shift()!.body.length;
    }
  }

  get closed(): boolean {
    return this.tcp.closed;
  }

  /** Sends a ConnectRequest and waits for the answer; true when a session was opened. */
  async handshake(timeoutMs: number, request: ConnectRequest = handshakeRequest()): Promise<boolean> {
    this.tcp.write(jute.encodeConnectRequest(request));
    await this.tcp.until(() => this.connectResponse !== undefined || this.unparsable !== undefined || this.tcp.closed, timeoutMs);
    return this.connectResponse !== undefined && this.connectResponse.timeoutMs > 0;
  }

  send(bytes: Uint8Array): void {
    this.tcp.write(bytes);
  }

  request(xid: number, request: Request, opCode?: number): void {
    this.tcp.write(jute.encodeRequest(opCode === undefined ? { xid, request } : { xid, request, opCode }));
  }

  /** The reply to `xid` (pings: -2), or undefined when none came within `timeoutMs` or the connection ended. */
  async reply(xid: number, timeoutMs: number): Promise<JuteReplyHeader | undefined> {
    const find = () => this.replies.find((r) => r.xid === xid);
    await this.tcp.until(() => find() !== undefined || this.tcp.closed || this.unparsable !== undefined, timeoutMs);
    return find();
  }

  /** A ping, then: did the server answer it, close the connection, or neither within `timeoutMs`? */
  async pingOutcome(timeoutMs: number): Promise<"answered" | "closed" | "silent"> {
    this.tcp.write(jute.encodeRequest({ xid: jute.Xid.ping, request: { type: "ping" } }));
    const r = await this.reply(jute.Xid.ping, timeoutMs);
    if (r) return "answered";
    return this.tcp.closed ? "closed" : "silent";
  }

  closeSession(xid: number): void {
    this.request(xid, { type: "closeSession" });
  }
}

export const isOk = (r: JuteReplyHeader | undefined): boolean => r !== undefined && r.err === ErrorCode.OK;
