// A small HTTP service that registers itself in Warden's registry.
//   node service.mjs <connectString> <id>
// It listens on a free port, registers as an instance of "hello" with an HTTP health check,
// and deregisters on SIGTERM/SIGINT. Killed with SIGKILL, it vanishes from the registry
// when its session times out.
import { createServer } from "node:http";
import { createClient } from "@warden/client";
import { register } from "@warden/recipes";

const [connectString = "127.0.0.1:2281", id = "hello-1"] = process.argv.slice(2);

const server = createServer((req, res) => {
  if (req.url === "/health") return res.writeHead(200).end("ok");
  res.writeHead(200, { "content-type": "text/plain" }).end(`hello from ${id}\n`);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address();

const client = createClient(connectString, { sessionTimeoutMs: 2000 });
await client.connected();
const registration = await register(client, {
  name: "hello",
  id,
  address: "127.0.0.1",
  port,
  metadata: { version: "1.0.0" },
  healthCheck: { type: "http", path: "/health", intervalMs: 1000, timeoutMs: 500 },
});
console.log(`${id} listening on ${port}, registered at ${registration.path}`);

async function shutdown() {
  await registration.deregister();
  await client.close();
  server.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
