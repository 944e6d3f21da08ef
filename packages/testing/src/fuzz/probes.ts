// "Does the server still serve a fresh client?", asked from an address no fuzzed connection
// uses (so a per-address connection limit the fuzzer reached is no excuse): a ZooKeeper
// handshake and a read on the client port, and a native client session that writes and
// reads back on the native port.
import WebSocket from "ws";
import { jute, seededRandom } from "@warden/protocol";
import { createClient, webSocketTransport, type Client } from "@warden/client";
import type { Fixture } from "./family.js";
import { JuteConnection } from "./jute-connection.js";
import { ConnectionPool } from "./wire.js";

/** The probes' own source address; cases never use it. */
export const PROBE_ADDRESS = "127.0.0.254";

/** Undefined when the client port served the probe; else what went wrong. */
export async function probeJute(port: number, fixture: Fixture, timeoutMs: number): Promise<string | undefined> {
  const pool = new ConnectionPool();
  try {
    const c = await JuteConnection.open(pool, port, { localAddress: PROBE_ADDRESS });
    if (c.closed) return `the ZooKeeper port refused a connection (${c.tcp.endedBy})`;
    if (!(await c.handshake(timeoutMs))) {
      return c.connectResponse ? "the ZooKeeper handshake was refused (timeout 0)" : `no ZooKeeper handshake reply within ${timeoutMs} ms (${c.tcp.closed ? "connection closed" : "connection open"})`;
    }
    c.request(1, { type: "getData", path: fixture.small, watch: false });
    const reply = await c.reply(1, timeoutMs);
    if (!reply) return `no reply to a getData of ${fixture.small} within ${timeoutMs} ms`;
    if (reply.err !== 0) return `getData of ${fixture.small} answered error ${reply.err}`;
    const decoded = jute.decodeServerFrame(reply.body, () => ({ opCode: 4 }));
    const data = decoded.kind === "reply" && decoded.response?.type === "getData" ? decoded.response.data : undefined;
    if (!data || Buffer.compare(Buffer.from(data), Buffer.from(fixture.smallData)) !== 0) return `getData of ${fixture.small} answered other data`;
    c.closeSession(2);
    await c.reply(2, timeoutMs);
    return undefined;
  } finally {
    pool.end();
  }
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
    const read = new TextDecoder().decode(data);
    return read === value ? undefined : `the native session wrote "${value}" and read back "${read}"`;
  } catch (e) {
    return `native session (${step}): ${(e as Error).message}`;
  } finally {
    await client.close().catch(() => undefined);
  }
}
