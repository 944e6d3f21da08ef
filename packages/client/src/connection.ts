// One socket to one server: frames in and out through the native codec, with the times
// of the last frame sent and received (for pings and the read timeout). A frame that does
// not decode ends the connection: the stream can no longer be trusted.
import { DecodeError, type ClientFrame, type NativeCodec, type ServerFrame } from "@warden/protocol";
import type { Transport, TransportConnection } from "./transport.js";

export interface ConnectionEvents {
  onOpen(): void;
  onFrame(frame: ServerFrame): void;
  /** Once; nothing is reported after it. */
  onClosed(reason: string): void;
}

export class Connection {
  lastSentMs: number;
  lastHeardMs: number;
  #closed = false;
  #closeReason: string | undefined;
  readonly #socket: TransportConnection;

  constructor(
    transport: Transport,
    readonly url: string,
    private readonly codec: NativeCodec,
    private readonly events: ConnectionEvents,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSentMs = this.lastHeardMs = now();
    this.#socket = transport.open(url, {
      onOpen: () => {
        if (!this.#closed) events.onOpen();
      },
      onMessage: (bytes) => this.#receive(bytes),
      onProtocolError: (message) => this.close(message),
      onClose: (reason) => this.#finish(reason),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Throws EncodeError (nothing sent) when the frame breaks the codec's bounds. */
  send(frame: ClientFrame): void {
    if (this.#closed) return;
    const bytes = this.codec.encodeClientFrame(frame);
    this.#socket.send(bytes);
    this.lastSentMs = this.now();
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closeReason = reason;
    this.#socket.close();
    this.#finish(reason);
  }

  #receive(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.lastHeardMs = this.now();
    let frame: ServerFrame;
    try {
      frame = this.codec.decodeServerFrame(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.close(`bad frame from ${this.url}: ${e.reason}: ${e.message}`);
      return;
    }
    this.events.onFrame(frame);
  }

  #finish(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.events.onClosed(this.#closeReason ?? reason);
  }
}
