// The requests of one session: a bounded queue while there is no connection (or the in-flight
// bound is reached), the requests in flight on the connection in xid order, and what happens
// to both when a connection drops (reads with attempts left go back to the queue) or the
// session ends.
import { ConnectionLossError, ThrottledError, type ReplyFrame, type Request, type Response } from "@warden/protocol";
import { makeCall, type Call } from "./calls.js";
import type { Connection } from "./connection.js";
import type { ResolvedOptions } from "./options.js";
import type { SubmitSpec } from "./session.js";

/** The largest xid; the next request wraps to 1. */
const XID_MAX = 0x7fffffff;

export class SessionCalls {
  #xid = 0;
  readonly #inflight = new Map<number, Call>();
  #queue: Call[] = [];

  constructor(
    private readonly options: Pick<
      ResolvedOptions,
      "clock" | "requestTimeoutMs" | "retryReads" | "readAttemptsMax" | "queuedRequestsMax" | "inflightRequestsMax"
    >,
  ) {}

  /** A new call, queued unless it already ended (its signal aborted) or the queue is full (ThrottledError); `queued` says which. */
  submit(request: Request, spec: SubmitSpec): { promise: Promise<Response>; queued: boolean } {
    const options = { timeoutMs: this.options.requestTimeoutMs, ...spec.options };
    const read = options.retryRead ?? this.options.retryReads;
    const [call, promise] = makeCall({
      request,
      path: spec.path,
      attempts: read ? this.options.readAttemptsMax : 1,
      options,
      ...(spec.onReply ? { onReply: spec.onReply } : {}),
      onGiveUp: (c) => (this.#queue = this.#queue.filter((q) => q !== c)),
      clock: this.options.clock,
    });
    if (call.settled) return { promise, queued: false };
    if (this.#queue.length >= this.options.queuedRequestsMax) {
      call.reject(new ThrottledError(`more than ${this.options.queuedRequestsMax} requests queued`, spec.path));
      return { promise, queued: false };
    }
    this.#queue.push(call);
    return { promise, queued: true };
  }

  /** Sends queued calls on `conn` (null: not connected) up to the in-flight bound. */
  flush(conn: Connection | null): void {
    if (conn === null) return;
    while (this.#queue.length > 0 && this.#inflight.size < this.options.inflightRequestsMax) {
      const call = this.#queue.shift()!;
      if (!call.settled) this.#send(conn, call);
    }
  }

  /** A request of the session itself (ping, closeSession, replayed auth and setWatches), sent at once, never queued. */
  sendInternal(conn: Connection | null, request: Request): Promise<Response> {
    const [call, promise] = makeCall({
      request,
      path: undefined,
      attempts: 1,
      internal: true,
      options: {},
      onGiveUp: () => undefined,
      clock: this.options.clock,
    });
    if (conn === null) call.reject(new ConnectionLossError());
    else this.#send(conn, call);
    return promise;
  }

  /** The call a reply answers (the oldest in flight), taken; or why the reply cannot be one (the connection must close). */
  take(frame: ReplyFrame): { call: Call } | { problem: string } {
    const first = this.#inflight.entries().next();
    if (first.done || first.value[0] !== frame.xid) return { problem: `reply xid ${frame.xid} out of order` };
    const call = first.value[1];
    if (frame.err === 0 && frame.response!.type !== call.request.type) {
      return { problem: `reply of type ${frame.response!.type} to ${call.request.type}` };
    }
    this.#inflight.delete(frame.xid);
    return { call };
  }

  /** In-flight calls fail with ConnectionLoss, except reads with attempts left, which go back to the queue. */
  failInflight(): void {
    const retry: Call[] = [];
    for (const call of this.#inflight.values()) {
      if (call.settled) continue;
      call.attemptsLeft--;
      if (call.attemptsLeft > 0) retry.push(call);
      else call.reject(new ConnectionLossError(`connection lost during ${call.request.type}`, call.path));
    }
    this.#inflight.clear();
    this.#queue = [...retry, ...this.#queue];
  }

  /** Every call, in flight or queued, fails with `error()`. */
  failAll(error: () => Error): void {
    for (const call of [...this.#inflight.values(), ...this.#queue]) call.reject(error());
    this.#inflight.clear();
    this.#queue = [];
  }

  #send(conn: Connection, call: Call): void {
    this.#xid = this.#xid >= XID_MAX ? 1 : this.#xid + 1;
    try {
      conn.send({ kind: "request", xid: this.#xid, request: call.request });
    } catch (e) {
      return call.reject(e); // EncodeError: too large for a frame; nothing was sent
    }
    this.#inflight.set(this.#xid, call);
  }
}
