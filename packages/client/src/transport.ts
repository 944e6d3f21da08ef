// How the client reaches a server: a Transport opens one binary message channel per
// connection attempt. The one implementation here drives any WHATWG-style WebSocket
// constructor: the browser's global, or `ws` in Node (which has the same interface).
// This file imports nothing from Node.

/** What a connection reports; called at most once for `onClose`, after which nothing more. */
export interface ConnectionHandlers {
  onOpen(): void;
  onMessage(bytes: Uint8Array): void;
  /** Text where binary was expected, or a transport error. */
  onProtocolError(message: string): void;
  onClose(reason: string): void;
}
export interface TransportConnection {
  send(bytes: Uint8Array): void;
  close(): void;
}
export interface Transport {
  open(url: string, handlers: ConnectionHandlers): TransportConnection;
}

/** The subset of the WebSocket interface used here. */
interface WebSocketLike {
  binaryType: string;
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(): void;
}
export type WebSocketConstructor = new (url: string, options?: object) => unknown;

const OPEN = 1;

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/**
 * A Transport over a WebSocket class (globalThis.WebSocket, or ws's WebSocket). `options` go to
 * the constructor after the URL: ws's client options (TLS: ca, cert, key...); never to a browser's.
 */
export function webSocketTransport(WebSocketClass: WebSocketConstructor, options?: object): Transport {
  return {
    open(url, handlers) {
      const socket = (options === undefined ? new WebSocketClass(url) : new WebSocketClass(url, options)) as WebSocketLike;
      let closed = false;
      const finish = (reason: string) => {
        if (closed) return;
        closed = true;
        socket.onopen = socket.onmessage = socket.onclose = null;
        // Kept, not cleared: ws emits "error" when closed while connecting, and an
        // EventEmitter without an error listener would throw it.
        socket.onerror = () => {};
        try {
          socket.close();
        } catch {
          // Already closing; nothing else to release.
        }
        handlers.onClose(reason);
      };
      socket.binaryType = "arraybuffer";
      socket.onopen = () => handlers.onOpen();
      socket.onmessage = (ev) => {
        const bytes = toBytes(ev.data);
        if (bytes === undefined) handlers.onProtocolError("a text message where a binary frame was expected");
        else handlers.onMessage(bytes);
      };
      socket.onerror = () => finish("socket error");
      socket.onclose = (ev) => finish(`socket closed (${ev.code ?? "?"}${ev.reason ? ` ${ev.reason}` : ""})`);
      return {
        send(bytes) {
          if (!closed && socket.readyState === OPEN) socket.send(bytes);
        },
        close: () => finish("closed by the client"),
      };
    },
  };
}
