// A TCP proxy in front of each server, so a test can cut one client off the ensemble (a
// partition) without touching the servers: cut() drops every connection and refuses new
// ones until heal().
import { createServer, connect, type Server, type Socket } from "node:net";
import { freePort } from "@warden/server";

export interface Partitionable {
  /** Connect string through the proxies. */
  readonly connectString: string;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function proxyTo(ports: readonly number[]): Promise<Partitionable> {
  let cut = false;
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const proxyPorts: number[] = [];
  for (const target of ports) {
    const server = createServer((inbound) => {
      if (cut) return void inbound.destroy();
      const outbound = connect({ host: "127.0.0.1", port: target });
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on("close", () => outbound.destroy());
      outbound.on("close", () => inbound.destroy());
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    servers.push(server);
    proxyPorts.push(port);
  }
  return {
    connectString: proxyPorts.map((p) => `127.0.0.1:${p}`).join(","),
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    heal() {
      cut = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
