// A TCP proxy on loopback between clients and a server, so a test can cut a client's
// connection (and keep it cut) without touching the server or the session.
import { createServer, connect, type Server, type Socket } from "node:net";

export interface Proxy {
  port: number;
  /** Ends every open connection; with `refuse`, new ones are closed at once until heal(). */
  cut(refuse?: boolean): void;
  heal(): void;
  /** Connections accepted and passed through so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number, host = "127.0.0.1"): Promise<Proxy> {
  const open = new Set<Socket>();
  let refusing = false;
  let accepted = 0;
  const server: Server = createServer((inbound) => {
    if (refusing) return void inbound.destroy();
    accepted++;
    const outbound = connect(targetPort, host);
    open.add(inbound).add(outbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    inbound.on("error", end).on("close", end);
    outbound.on("error", end).on("close", end);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as { port: number }).port,
    get accepted() {
      return accepted;
    },
    cut(refuse = false) {
      refusing = refuse;
      for (const s of open) s.destroy();
      open.clear();
    },
    heal() {
      refusing = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
