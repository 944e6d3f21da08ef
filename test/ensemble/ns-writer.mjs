// A writer that runs inside a server's network namespace (`ip netns exec ns node ns-writer.mjs
// host:nativePort host:adminPort name`), so that it still reaches that server when the server is
// cut off from everyone else. It speaks only to that one server, writes sequential keys under
// /load/<name>, holds the ephemeral /eph/<name>, polls the server's role, and reports each
// outcome as a JSON line on stdout. It stops on SIGTERM.
import { createClient } from "../../packages/client/dist/index.js";
import { CreateMode } from "../../packages/protocol/dist/index.js";

const [address, admin, name] = process.argv.slice(2);
const out = (o) => process.stdout.write(`${JSON.stringify({ ...o, atMs: Date.now() })}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let running = true;
process.on("SIGTERM", () => (running = false));

const client = createClient(address, { sessionTimeoutMs: 4000, reconnectDelayMsMin: 20, reconnectDelayMsMax: 300 });
client.on("state", (event) => out({ type: "state", event, sessionId: client.sessionId.toString() }));

const roles = setInterval(async () => {
  try {
    const res = await fetch(`http://${admin}/commands/srvr`, { signal: AbortSignal.timeout(500) });
    const body = await res.json();
    out({ type: "role", role: body.server_stats.server_state });
  } catch {
    out({ type: "role", role: "unreachable" });
  }
}, 50);

await client.connected({ timeoutMs: 10_000 });
out({ type: "session", sessionId: client.sessionId.toString() });
await client.create(`/load/${name}`);
await client.create(`/eph/${name}`, name, { mode: CreateMode.EPHEMERAL });
out({ type: "ready" });
for (let n = 0; running; n++) {
  const path = `/load/${name}/k${String(n).padStart(7, "0")}`;
  const data = `${name}:${n}`;
  out({ type: "attempt", path });
  try {
    await client.create(path, data, { timeoutMs: 10_000 });
    out({ type: "ack", path, data });
  } catch (e) {
    out({ type: "error", path, code: e?.code ?? String(e) });
    await sleep(20);
  }
}
clearInterval(roles);
await client.close().catch(() => undefined);
out({ type: "closed" });
process.exit(0);
