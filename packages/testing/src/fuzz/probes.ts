// "Does the server still serve a fresh client?", asked from an address no fuzzed connection
// uses (so a per-address connection limit the fuzzer reached is no excuse): a ZooKeeper
// handshake and a read on the client port, and a native client session that writes and
// reads back on the native port.
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { jute, seededRandom } from "@warden/protocol";
import { createClient, webSocketTransport, type Client } from "@warden/client";
import type { Fixture } from "./family.js";
import { JuteConnection } from "./jute-connection.js";
import { ConnectionPool } from "./wire.js";

/** The probes' own source address; cases never use it. */
export const PROBE_ADDRESS = "127.0.0.254";

/** Between attempts of a probe whose connection was refused or closed (as a client reconnects). */
const RETRY_MS = 100;

/**
 * Undefined when the client port served a fresh client within `timeoutMs`; else what went
 * wrong. A connection refused or closed before the handshake is tried again until then, as
 * a ZooKeeper client reconnects (a server re-electing itself closes its clients for a while).
 */
export async function probeJute(port: number, fixture: Fixture, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let problem: string | undefined;
  let attempts = 0;
  for (;;) {
    attempts++;
    const pool = new ConnectionPool();
    try {
      const outcome = await probeJuteOnce(pool, port, fixture, Math.max(1, deadline - Date.now()));
      if (outcome.done) return outcome.problem;
      problem = outcome.problem;
    } finally {
      pool.end();
    }
    if (Date.now() + RETRY_MS >= deadline) return `${problem} (${attempts} attempts in ${timeoutMs} ms)`;
    await sleep(RETRY_MS);
  }
}

/** One attempt; `done: false` when the connection was refused or closed before a session (worth another). */
async function probeJuteOnce(
  pool: ConnectionPool,
  port: number,
  fixture: Fixture,
  timeoutMs: number,
): Promise<{ done: boolean; problem?: string }> {
  const c = await JuteConnection.open(pool, port, { localAddress: PROBE_ADDRESS });
  if (c.closed) return { done: false, problem: `the ZooKeeper port refused a connection (${c.tcp.endedBy})` };
  if (!(await c.handshake(timeoutMs))) {
    if (c.connectResponse) return { done: true, problem: "the ZooKeeper handshake was refused (timeout 0)" };
    if (c.tcp.closed) return { done: false, problem: "the server closed the connection without a handshake reply" };
    return { done: true, problem: `no ZooKeeper handshake reply within ${timeoutMs} ms` };
  }
  c.request(1, { type: "getData", path: fixture.small, watch: false });
  const reply = await c.reply(1, timeoutMs);
  if (!reply)
    return {
      done: true,
      problem: `no reply to a getData of ${fixture.small} within ${timeoutMs} ms${c.closed ? " (connection closed)" : ""}`,
    };
  if (reply.err !== 0) return { done: true, problem: `getData of ${fixture.small} answered error ${reply.err}` };
  const decoded = jute.decodeServerFrame(reply.body, () => ({ opCode: 4 }));
  const data = decoded.kind === "reply" && decoded.response?.type === "getData" ? decoded.response.data : undefined;
  if (!data || Buffer.compare(Buffer.from(data), Buffer.from(fixture.smallData)) !== 0)
    return { done: true, problem: `getData of ${fixture.small} answered other data` };
  c.closeSession(2);
  await c.reply(2, timeoutMs);
  return { done: true };
}

/** A WebSocket transport whose connections leave from `localAddress`. */
function transportFrom(localAddress: string) {
  class SourcedWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { localAddress, perMessageDeflate: false });
    }
  }
  return webSocketTransport(SourcedWebSocket as unknown as new (url: string) => unknown);
}

/** A native client on `port` from the probe address (closed by the caller). */
export function probeClient(port: number, timeoutMs: number): Client {
  return createClient(`127.0.0.1:${port}`, {
    transport: transportFrom(PROBE_ADDRESS),
    sessionTimeoutMs: 4_000,
    connectTimeoutMs: timeoutMs,
    requestTimeoutMs: timeoutMs,
    reconnectDelayMsMin: 50,
    reconnectDelayMsMax: 250,
    reconnectAfterExpiry: false,
    // Only the server order and reconnect jitter: one server, so any fixed seed.
    random: seededRandom(1),
  });
}

/** Undefined when a fresh native session wrote `value` and read it back; else what went wrong. */
export async function probeNative(port: number, fixture: Fixture, value: string, timeoutMs: number): Promise<string | undefined> {
  const client = probeClient(port, timeoutMs);
  let step = "connect";
  try {
    await client.connected({ timeoutMs });
    step = `setData ${fixture.probe}`;
    await client.setData(fixture.probe, value);
    step = `getData ${fixture.probe}`;
    const { data } = await client.getData(fixture.probe);
    const read = new TextDecoder().decode(data ?? undefined);
    return read === value ? undefined : `the native session wrote "${value}" and read back "${read}"`;
  } catch (e) {
    return `native session (${step}): ${(e as Error).message}`;
  } finally {
    await client.close().catch(() => undefined);
  }
}
