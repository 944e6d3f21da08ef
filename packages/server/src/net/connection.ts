// A client connection as the core sees it, whatever wire protocol it speaks. The
// listeners (native WebSocket, ZooKeeper TCP) implement it; nothing above knows which.
import type { ConnectRequest, ConnectResponse, Request, Response, WatchEvent } from "@warden/protocol";
import type { CloseReason } from "@warden/protocol";

export interface ClientConnection {
  readonly protocol: "native" | "zookeeper";
  /** "ip:port" of the client. */
  readonly remote: string;
  readonly remoteIp: string;
  /** The connection has ended (or is ending); nothing more is sent. */
  readonly closed: boolean;
  sendConnected(response: ConnectResponse, lastZxid: bigint): void;
  /** `response` is given exactly when err is 0. */
  sendReply(xid: number, zxid: bigint, err: number, response: Response | undefined): void;
  sendEvent(event: WatchEvent): void;
  /** Refuses or ends the connection with a reason the client can act on. */
  close(reason: CloseReason, message: string, lastZxid?: bigint): void;
  /** Back-pressure: stop reading requests until resumed. */
  pause(): void;
  resume(): void;
  /** Bytes written but not yet flushed to the socket. */
  readonly bufferedBytes: number;
  stats: { received: number; sent: number };
}

/** What a listener calls; implemented by the server core, one instance per connection. */
export interface ConnectionHandler {
  onConnect(request: ConnectRequest): void;
  onRequest(xid: number, request: Request): void;
  /** A well-formed request refused at decoding (unknown op, reconfig): answer err in order; maybe close. */
  onInvalid(xid: number, err: number, closeSession: boolean): void;
  /** The connection is gone (either side closed it). */
  onClose(): void;
}

export type HandlerFactory = (connection: ClientConnection) => ConnectionHandler;

/** Counts connections per client address (maxClientCnxns; 0 = unlimited). */
export class ConnectionLimiter {
  private readonly byIp = new Map<string, number>();
  constructor(private readonly perIpMax: number) {}

  tryAcquire(ip: string): boolean {
    const n = this.byIp.get(ip) ?? 0;
    if (this.perIpMax > 0 && n >= this.perIpMax) return false;
    this.byIp.set(ip, n + 1);
    return true;
  }
  release(ip: string): void {
    const n = this.byIp.get(ip) ?? 0;
    if (n <= 1) this.byIp.delete(ip);
    else this.byIp.set(ip, n - 1);
  }
}
