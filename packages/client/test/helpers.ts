import { afterEach } from "vitest";
import { createClient, type Client, type ClientOptions, type SessionEvent, type Transport } from "@warden/client";
import { seededRandom } from "@warden/protocol";
import { nodeTransport } from "../src/node.js";
import { TestEnsemble, TestServer, connectString } from "./fixtures/test-server.js";
import { waitUntil } from "@warden/testing";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export async function startEnsemble(servers = 1): Promise<{ ensemble: TestEnsemble; servers: TestServer[] }> {
  const ensemble = new TestEnsemble();
  const started = await Promise.all(Array.from({ length: servers }, () => new TestServer(ensemble).start(0)));
  cleanups.push(async () => {
    await Promise.all(started.map((s) => s.stop()));
    ensemble.stop();
  });
  return { ensemble, servers: started };
}

/** A connected client with fast timings; closed after the test. */
export async function connect(servers: TestServer[], options: ClientOptions & { chroot?: string } = {}): Promise<Client> {
  const { chroot, ...rest } = options;
  const client = createClient(connectString(servers, chroot), {
    transport: nodeTransport(),
    sessionTimeoutMs: 2000,
    reconnectDelayMsMin: 10,
    reconnectDelayMsMax: 50,
    random: seeded(1),
    ...rest,
  });
  cleanups.push(() => client.close());
  await client.connected({ timeoutMs: 5000 });
  return client;
}

/** Records session events in order. */
export function recordStates(client: Client): SessionEvent[] {
  const events: SessionEvent[] = [];
  client.on("state", (e) => events.push(e));
  return events;
}

export function nextState(client: Client, wanted: SessionEvent, timeoutMs = 5000): Promise<number> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no ${wanted} within ${timeoutMs} ms`))), timeoutMs);
    const off = client.on(wanted, () => {
      clearTimeout(timer);
      off();
      resolve(Date.now() - start);
    });
  });
}

export const until = (predicate: () => boolean, timeoutMs = 5000): Promise<unknown> =>
  waitUntil("the client's condition", predicate, timeoutMs, 5);

/** A seeded generator so server order and backoff replay. */
export const seeded = seededRandom;

export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A transport that counts the frames sent and received on all its connections. */
export function countingTransport(inner: Transport): { transport: Transport; sent(): number; received(): number } {
  let sent = 0;
  let received = 0;
  return {
    sent: () => sent,
    received: () => received,
    transport: {
      open(url, handlers) {
        const conn = inner.open(url, { ...handlers, onMessage: (bytes) => (received++, handlers.onMessage(bytes)) });
        return {
          send(bytes) {
            sent++;
            conn.send(bytes);
          },
          close: () => conn.close(),
        };
      },
    },
  };
}

/**
 * Moves a manual clock on in steps, letting real I/O run between them, until `cond` holds; fails
 * naming `what` after `stepsMax` steps of the client's time.
 */
export async function pumpUntil(
  clock: { advance(ms: number): void },
  cond: () => boolean,
  what: string,
  stepMs = 10,
  stepsMax = 2000,
): Promise<void> {
  for (let i = 0; i < stepsMax; i++) {
    if (cond()) return;
    clock.advance(stepMs);
    // A yield to the event loop (sockets, the fixture's replies), not a wait for something.
    await new Promise((r) => setTimeout(r, 1));
  }
  if (!cond()) throw new Error(`${what} did not happen within ${stepsMax * stepMs} ms of the client's time`);
}
