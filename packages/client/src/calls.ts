// One request's life in the client: queued until a connection can take it, then in flight
// until its reply. Timeouts and aborts settle the caller's promise at any stage; a request
// already sent stays in the in-flight table (replies are matched in order) and its reply is
// then only used for bookkeeping (watch registration).
import type { Clock } from "./clock.js";
import { OperationTimeoutError, type Request, type Response } from "@warden/protocol";

/** err is the reply's error code (0: OK, and then `response` is set). */
export type ReplyHook = (err: number, response: Response | undefined) => void;

export interface CallOptions {
  /** Fail with OperationTimeoutError after this long (the request may still be applied). */
  timeoutMs?: number;
  /** Abort: the promise rejects with signal.reason (the request may still be applied). */
  signal?: AbortSignal;
  /** A read only: retry it on another connection if its connection drops. */
  retryRead?: boolean;
}

export interface Call {
  readonly request: Request;
  /** The caller's path, for typed errors. */
  readonly path: string | undefined;
  /** Attempts left when a connection drops under it (1 = fail with ConnectionLoss). */
  attemptsLeft: number;
  /** Internal calls (pings, re-registration) skip the queue and its bounds. */
  readonly internal: boolean;
  settled: boolean;
  /** Runs on every reply, even after the caller gave up (the server did apply it). */
  readonly onReply: ReplyHook | undefined;
  resolve(response: Response): void;
  reject(error: unknown): void;
}

export interface NewCall {
  request: Request;
  path: string | undefined;
  attempts: number;
  internal?: boolean;
  onReply?: ReplyHook;
  options: CallOptions;
  /** Called when the caller gives up (timeout, abort) so the call leaves any queue. */
  onGiveUp: (call: Call) => void;
  /** The clock of the call's timeout. */
  clock: Clock;
}

/** Makes a call and the promise its caller awaits. */
export function makeCall(spec: NewCall): [Call, Promise<Response>] {
  let resolveFn!: (r: Response) => void;
  let rejectFn!: (e: unknown) => void;
  const promise = new Promise<Response>((res, rej) => {
    resolveFn = res;
    rejectFn = rej;
  });
  const { timeoutMs, signal } = spec.options;
  let timer: unknown;
  const onAbort = () => giveUp(signal!.reason);
  const cleanup = () => {
    if (timer !== undefined) spec.clock.clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  };
  const call: Call = {
    request: spec.request,
    path: spec.path,
    attemptsLeft: spec.attempts,
    internal: spec.internal ?? false,
    settled: false,
    onReply: spec.onReply,
    resolve(response) {
      if (call.settled) return;
      call.settled = true;
      cleanup();
      resolveFn(response);
    },
    reject(error) {
      if (call.settled) return;
      call.settled = true;
      cleanup();
      rejectFn(error);
    },
  };
  const giveUp = (error: unknown) => {
    if (call.settled) return;
    call.reject(error);
    spec.onGiveUp(call);
  };
  if (signal?.aborted) {
    call.settled = true;
    rejectFn(signal.reason);
    return [call, promise];
  }
  signal?.addEventListener("abort", onAbort, { once: true });
  if (timeoutMs !== undefined) {
    timer = spec.clock.setTimeout(
      () => giveUp(new OperationTimeoutError(`${spec.request.type} timed out after ${timeoutMs} ms`, spec.path)),
      timeoutMs,
    );
  }
  return [call, promise];
}
