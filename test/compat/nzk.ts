// Promise wrappers over npm's node-zookeeper-client (callback-only), for the compatibility tests.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const zookeeper: any = require("node-zookeeper-client");

/* eslint-disable @typescript-eslint/no-explicit-any */
export type NzkClient = any;

export function connectClient(hostPort: string, options: Record<string, unknown> = {}): Promise<NzkClient> {
  const client = zookeeper.createClient(hostPort, { sessionTimeout: 10_000, spinDelay: 100, retries: 0, ...options });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node-zookeeper-client did not connect to ${hostPort}`)), 10_000);
    client.once("connected", () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

/** Calls client[method](...args, callback) and resolves with the callback's results after the error. */
export function call<T = any>(client: NzkClient, method: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](...args, (err: unknown, ...results: unknown[]) => {
      if (err) reject(err);
      else resolve((results.length <= 1 ? results[0] : results) as T);
    });
  });
}

/** The ZooKeeper error code a rejected call carried (node-zookeeper-client's Exception.code). */
export async function errorCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    return (e as { code: number }).code;
  }
  throw new Error("expected the call to fail");
}

export function commit(tx: any): Promise<{ err: unknown; results: any[] }> {
  return new Promise((resolve) => tx.commit((err: unknown, results: any[]) => resolve({ err, results })));
}

/** A watcher that resolves with the first event it receives. */
export function nextEvent(): { watcher: (e: any) => void; event: Promise<any> } {
  let watcher!: (e: any) => void;
  const event = new Promise<any>((resolve) => (watcher = resolve));
  return { watcher, event };
}

export function sessionIdHex(client: NzkClient): string {
  return `0x${(client.getSessionId() as Buffer).toString("hex")}`;
}

export function closeClient(client: NzkClient | undefined): Promise<void> {
  if (!client) return Promise.resolve();
  return new Promise((resolve) => {
    const done = setTimeout(resolve, 2000);
    client.once("disconnected", () => {
      clearTimeout(done);
      resolve();
    });
    client.close();
  });
}
