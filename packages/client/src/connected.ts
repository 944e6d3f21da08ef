// The client's connection state: how each session event moves it, and waiting for a usable
// connection (Client.connected).
import { ErrorCode, errorFromCode } from "@warden/protocol";
import type { SessionEvent } from "./session.js";

/** connectedReadOnly: on a read-only server (canBeReadOnly); reads work, writes fail with NotReadOnlyError. */
export type ClientState = "connecting" | "connected" | "connectedReadOnly" | "disconnected" | "closed";

/** The state after a session event (a closed client stays closed). */
export function stateAfter(state: ClientState, event: SessionEvent): ClientState {
  if (event === "connected" || event === "reconnected") return "connected";
  if (event === "connectedReadOnly") return "connectedReadOnly";
  if (event === "disconnected" || event === "expired") return state === "closed" ? "closed" : "disconnected";
  if (event === "closed") return "closed";
  return state;
}

/**
 * Resolves once connected (at once when already); rejects on close or the timeout. A read-only
 * connection counts unless `readWrite` is true. `onState` subscribes to every session event.
 */
export function untilConnected(
  state: ClientState,
  onState: (listener: (event: SessionEvent) => void) => () => void,
  options: { timeoutMs?: number; readWrite?: boolean },
): Promise<void> {
  const enough = (s: ClientState | SessionEvent) =>
    s === "connected" || s === "reconnected" || (s === "connectedReadOnly" && options.readWrite !== true);
  if (enough(state)) return Promise.resolve();
  if (state === "closed") return Promise.reject(errorFromCode(ErrorCode.CONNECTION_LOSS, undefined, "the client is closed"));
  return new Promise((resolve, reject) => {
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => done(errorFromCode(ErrorCode.OPERATION_TIMEOUT, undefined, "not connected in time")), options.timeoutMs);
    const off = onState((s) => {
      if (enough(s)) done();
      else if (s === "closed") done(errorFromCode(ErrorCode.CONNECTION_LOSS, undefined, "the client is closed"));
    });
    const done = (error?: Error) => {
      off();
      if (timer !== undefined) clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
  });
}
