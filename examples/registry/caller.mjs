// Discovers the healthy instances of "hello" and calls them round robin.
//   node caller.mjs <connectString> [calls]
import { createClient } from "@warden/client";
import { ServiceDiscovery } from "@warden/recipes";

export async function callRoundRobin(connectString, { calls = Infinity, intervalMs = 100, log = console.log, signal } = {}) {
  const client = createClient(connectString);
  await client.connected();
  const discovery = new ServiceDiscovery(client, "hello", { strategy: "roundRobin" });
  discovery.on("healthyChanged", (instances) => log(`instances: ${instances.map((i) => i.id).join(", ") || "(none)"}`));
  await discovery.start();
  try {
    for (let n = 0; n < calls && !signal?.aborted; n++) {
      const instance = discovery.next();
      if (instance === undefined) log("no instance available");
      else {
        try {
          const res = await fetch(`http://${instance.address}:${instance.port}/`, { signal: AbortSignal.timeout(1000) });
          log(`called ${instance.id}: ${(await res.text()).trim()}`);
        } catch (e) {
          log(`call to ${instance.id} failed: ${e.cause?.code ?? e.message}`);
        }
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    await discovery.close();
    await client.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [connectString = "127.0.0.1:2281", calls] = process.argv.slice(2);
  await callRoundRobin(connectString, { calls: calls === undefined ? Infinity : Number(calls) });
}
