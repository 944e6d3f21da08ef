// Opening a ZooKeeper-protocol session for a case, and ending a conversation with a ping.
import type { CaseContext } from "../family.js";
import { JuteConnection } from "../jute-connection.js";

/** How long a case waits for the server to answer or close, when either is fine. */
export const ANSWER_MS = 1_000;
/** How long a jute session's handshake may take. */
export const HANDSHAKE_MS = 3_000;

/** A connection with an open session, or undefined (observed) when the server would not open one. */
export async function juteSession(ctx: CaseContext, n = 0): Promise<JuteConnection | undefined> {
  const c = await JuteConnection.open(ctx.pool, ctx.ports.client, { localAddress: ctx.source(n) });
  if (c.closed) return void ctx.observe("connection refused");
  if (await c.handshake(HANDSHAKE_MS)) return c;
  ctx.observe(c.connectResponse ? "session refused" : c.closed ? "closed at handshake" : "no handshake reply");
  return undefined;
}

/** Ends a conversation with a ping and counts what the server did. */
export async function observePing(ctx: CaseContext, c: JuteConnection, timeoutMs = ANSWER_MS): Promise<void> {
  ctx.observe(`ping ${await c.pingOutcome(timeoutMs)}`);
}
