// What both client protocols share: the handshake (exactly one ConnectRequest, answered
// before any later frame is handled, within a time bound), back-pressure on input and
// output, and containment (a fault ends this connection, logged and counted, never more).
//
// Frames are taken from what was read one at a time, and none while reading is paused: the
// requests a client wrote ahead of a full session (maxOutstandingPerSession) stay the bytes
// they came in, not decoded requests, until room frees (issue 11: a 50,000-request write).
import {
  DecodeError,
  EncodeError,
  type CloseReason,
  type Id,
  type ConnectRequest,
  type ConnectResponse,
  type Response,
  type WatchEvent,
  type WriteOp,
} from "@warden/protocol";
import {
  OutputBound,
  PauseReason,
  ReadGate,
  describeError,
  type ClientConnection,
  type CloseCause,
  type ConnectionBounds,
  type ConnectionHandler,
  type ListenerReporter,
} from "./connection.js";
import { ConnectionStats } from "../admin/connection-stats.js";

type Stage = "handshake" | "connecting" | "open";

export abstract class ConnectionBase implements ClientConnection {
  abstract readonly protocol: "native" | "zookeeper";
  readonly stats = new ConnectionStats();
  closed = false;
  handler: ConnectionHandler | undefined;
  tlsIdentities: readonly Id[] = [];
  protected stage: Stage = "handshake";
  private readonly handshakeTimer: NodeJS.Timeout;
  /** A turn that takes frames again after reading resumed is scheduled. */
  private takeScheduled = false;
  protected readonly gate: ReadGate;
  private readonly output: OutputBound;

  constructor(
    readonly remote: string,
    readonly remoteIp: string,
    protected readonly bounds: ConnectionBounds,
    protected readonly reporter: ListenerReporter,
  ) {
    this.gate = new ReadGate(
      () => this.pauseIo(),
      () => this.scheduleTake(),
    );
    this.output = new OutputBound(
      bounds,
      () => this.bufferedBytes,
      this.gate,
      (bytes) =>
        this.fail(
          "output_overflow",
          `${bytes} bytes of replies queued for a client that does not read them (outputBytesMax ${bounds.outputBytesMax})`,
        ),
    );
    this.handshakeTimer = setTimeout(
      () => this.fail("handshake_timeout", `no completed handshake after ${bounds.handshakeTimeoutMs} ms`),
      bounds.handshakeTimeoutMs,
    );
    this.handshakeTimer.unref();
  }

  // ---- what each protocol provides ----
  protected abstract decodeConnect(frame: Uint8Array): ConnectRequest;
  /**
   * The next whole frame read from the socket and not yet handled, or undefined. Frames stay
   * with the protocol (as bytes) until taken. Throws DecodeError when the stream is bad.
   */
  protected abstract nextFrame(): Uint8Array | undefined;
  /** Decodes a frame after the handshake and hands it to the handler. Throws DecodeError on a bad one. */
  protected abstract handleFrame(frame: Uint8Array): void;
  protected abstract encodeConnected(response: ConnectResponse, lastZxid: bigint): Uint8Array;
  /** A reply frame, or undefined when it would exceed replyBytesMax (nothing larger is built). */
  protected abstract encodeReply(xid: number, zxid: bigint, err: number, response: Response | undefined): Uint8Array;
  protected abstract encodeEvent(event: WatchEvent): Uint8Array;
  /** Writes one frame, and calls `this.flushed` once it has left for the kernel (once per write or per batch of writes). */
  protected abstract writeBytes(bytes: Uint8Array): void;
  /** Says goodbye the protocol's way, then ends the socket. */
  protected abstract closeIo(reason: CloseReason, message: string, lastZxid: bigint | undefined): void;
  protected abstract destroyIo(): void;
  protected abstract pauseIo(): void;
  protected abstract resumeIo(): void;
  abstract readonly bufferedBytes: number;
  abstract refuseReply(xid: number, zxid: bigint, why: string): void;
  abstract multiReplyBytesMax(xid: number, ops: readonly WriteOp[]): number;

  get replyBytesMax(): number {
    return this.bounds.replyBytesMax;
  }
  get writable(): boolean {
    return this.output.writable;
  }
  /** Reading is paused (back-pressure or the handshake): cons shows interest ops 0. */
  get readingPaused(): boolean {
    return this.gate.paused;
  }
  get handshaking(): boolean {
    return this.stage !== "open" && !this.closed;
  }
  pause(why: PauseReason): void {
    this.gate.pause(why);
  }
  resume(why: PauseReason): void {
    this.gate.resume(why);
  }

  /**
   * Handles the frames read so far, in order, until none is left or reading pauses (a full
   * session, a full server, queued output, the handshake being answered): the rest wait, as
   * read, for the turn after reading resumes. A listener calls it after each read. Never throws.
   */
  takeFrames(): void {
    while (!this.closed && !this.gate.paused) {
      let frame: Uint8Array | undefined;
      try {
        frame = this.nextFrame();
      } catch (e) {
        return this.fail(e instanceof DecodeError ? "bad_frame" : "internal_error", e);
      }
      if (frame === undefined) return;
      this.onFrame(frame);
    }
  }

  /**
   * Reading may resume: the frames already read are handled first, in a turn of their own (the
   * caller may be answering a request of this session), and the socket is read again only if
   * they did not fill the session once more.
   */
  private scheduleTake(): void {
    if (this.takeScheduled || this.closed) return;
    this.takeScheduled = true;
    setImmediate(() => {
      this.takeScheduled = false;
      if (this.closed || this.gate.paused) return;
      this.takeFrames();
      if (!this.closed && !this.gate.paused) this.resumeIo();
    });
  }

  /** One frame from the client, in order. Never throws. */
  private onFrame(frame: Uint8Array): void {
    try {
      this.stats.received++;
      if (this.stage === "open") return this.handleFrame(frame);
      // Reading is paused while the ConnectRequest is answered: nothing is taken then.
      if (this.stage === "connecting") throw new Error("assertion failed: a frame taken while the ConnectRequest is being answered");
      const request = this.decodeConnect(frame);
      this.stage = "connecting";
      // ZooKeeper disables receive until the session is set up: later frames wait for it.
      this.gate.pause(PauseReason.handshake);
      this.handler!.onConnect(request);
    } catch (e) {
      this.fail(e instanceof DecodeError ? "bad_frame" : "internal_error", e);
    }
  }

  sendConnected(response: ConnectResponse, lastZxid: bigint): void {
    if (this.closed || this.stage !== "connecting") return;
    clearTimeout(this.handshakeTimer);
    this.guard(() => this.write(this.encodeConnected(response, lastZxid)));
    // The frames that came with the ConnectRequest run after the answer, outside the caller
    // (which may be applying a transaction): they waited unread, as reading was paused.
    this.stage = "open";
    this.gate.resume(PauseReason.handshake);
  }

  sendReply(xid: number, zxid: bigint, err: number, response: Response | undefined): void {
    if (this.closed) return;
    let frame: Uint8Array;
    try {
      frame = this.encodeReply(xid, zxid, err, response);
    } catch (e) {
      if (e instanceof EncodeError) return this.refuseReply(xid, zxid, e.message);
      return this.fail("internal_error", e);
    }
    this.write(frame);
  }

  sendEvent(event: WatchEvent): void {
    if (this.closed) return;
    this.guard(() => this.write(this.encodeEvent(event)));
  }

  close(reason: CloseReason, message: string, lastZxid?: bigint): void {
    if (this.closed) return;
    this.ended();
    try {
      this.closeIo(reason, message, lastZxid);
    } catch {
      this.destroyIo();
    }
  }

  sessionMoved(xid: number, zxid: bigint): void {
    if (this.closed) return;
    this.reporter.log(
      `closing ${this.protocol} connection ${this.remote}: session_moved: its session reattached to another server (request xid ${xid})`,
    );
    this.reporter.closed(this.protocol, "session_moved");
    this.endMoved(xid, zxid);
  }

  /** Ends a connection whose session moved, the protocol's way (see ClientConnection.sessionMoved). */
  protected abstract endMoved(xid: number, zxid: bigint): void;

  fail(cause: CloseCause, detail?: unknown): void {
    if (this.closed) return;
    // The client's fault (a bad frame) is told in one line; ours comes with its stack.
    const text =
      detail === undefined
        ? ""
        : typeof detail === "string"
          ? detail
          : detail instanceof DecodeError
            ? detail.message
            : describeError(detail);
    this.reporter.log(`closing ${this.protocol} connection ${this.remote}: ${cause}${text ? `: ${text}` : ""}`);
    this.reporter.closed(this.protocol, cause);
    this.ended();
    try {
      this.abortIo(cause, text);
    } catch {
      this.destroyIo();
    }
  }

  /** Ends the connection after a fault; a protocol that can say why first overrides this. */
  protected abortIo(_cause: CloseCause, _text: string): void {
    this.destroyIo();
  }

  /** The socket is gone (either side). */
  socketClosed(): void {
    this.ended();
  }

  /** The socket drained: reads held back may run. */
  drained(): void {
    if (this.closed || !this.output.drained()) return;
    this.guard(() => this.handler?.onWritable());
  }

  protected write(bytes: Uint8Array): void {
    if (this.closed) return;
    this.writeBytes(bytes);
    this.stats.sent++;
    this.output.wrote();
  }

  /**
   * A frame left for the kernel: reads held back run again as soon as the queue is under the
   * soft bound (not only when it is empty, which 'drain' says), so a large reply at a time
   * streams instead of stopping and starting.
   */
  protected readonly flushed = (): void => {
    if (!this.output.writable) this.drained();
  };

  protected guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fail("internal_error", e);
    }
  }

  private ended(): void {
    this.closed = true;
    clearTimeout(this.handshakeTimer);
  }
}
