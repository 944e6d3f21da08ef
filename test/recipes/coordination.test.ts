import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AcquireTimeoutError,
  Barrier,
  DistributedCounter,
  DistributedQueue,
  DoubleBarrier,
  NodeCache,
  TreeCache,
  type TreeCacheEvent,
} from "@warden/recipes";
import { eventually, startEnsemble, type TestEnsemble } from "./helpers/ensemble.js";
import { proxyTo } from "./helpers/proxy.js";

let ensemble: TestEnsemble;
beforeAll(async () => {
  ensemble = await startEnsemble();
});
afterAll(async () => {
  await ensemble.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

describe("barriers", () => {
  it("barrier: wait blocks while it is up and returns when it is removed", async () => {
    const [a, b] = [await ensemble.client(), await ensemble.client()];
    const barrier = new Barrier(a, "/barriers/b1");
    await barrier.set();
    expect(await new Barrier(b, "/barriers/b1").wait({ timeoutMs: 100 })).toBe(false);
    const c = await ensemble.client();
    const waiting = new Barrier(c, "/barriers/b1").wait({ timeoutMs: 5000 });
    // Removed only once the waiter watches it, so the wake-up comes from the watch.
    await eventually(
      () => [1, 2, 3].some((id) => ensemble.server(id)?.node.tree.watches.watchesPath(c.sessionId, "/barriers/b1")),
      5000,
      "the waiter's watch",
    );
    await barrier.remove();
    expect(await waiting).toBe(true);
  });

  it("double barrier: nobody enters before all have arrived, nobody leaves before all have left", async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, () => ensemble.client()));
    const log: string[] = [];
    await Promise.all(
      clients.map(async (c, i) => {
        const barrier = new DoubleBarrier(c, "/barriers/double", 4);
        await sleep(i * 60);
        log.push("arrive");
        await barrier.enter({ timeoutMs: 10_000 });
        log.push("enter");
        await sleep(i * 60);
        log.push("leaving");
        await barrier.leave({ timeoutMs: 10_000 });
        log.push("left");
      }),
    );
    expect(log.slice(0, 4)).toEqual(Array(4).fill("arrive"));
    expect(log.indexOf("left")).toBeGreaterThan(log.lastIndexOf("leaving"));
    expect(await clients[0]!.getChildren("/barriers/double")).toEqual([]);
  });

  it("double barrier: enter times out when too few arrive, leaving no node", async () => {
    const c = await ensemble.client();
    await expect(new DoubleBarrier(c, "/barriers/few", 3).enter({ timeoutMs: 150 })).rejects.toBeInstanceOf(AcquireTimeoutError);
    expect(await c.getChildren("/barriers/few")).toEqual([]);
  });
});

describe("counter", () => {
  it("counts every increment of concurrent clients exactly once (compare-and-set)", async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, () => ensemble.client()));
    await Promise.all(
      clients.map(async (c) => {
        const counter = new DistributedCounter(c, "/counters/c1");
        for (let i = 0; i < 15; i++) await counter.increment();
      }),
    );
    // The last increments may have gone through other servers: a read is only
    // sequentially consistent, so catch this client's server up first (as ZooKeeper).
    await clients[0]!.sync("/counters/c1");
    const counter = new DistributedCounter(clients[0]!, "/counters/c1");
    expect(await counter.get()).toBe(60);
    expect(await counter.add(-10)).toEqual({ preValue: 60, postValue: 50 });
    expect(await counter.compareAndSet(49, 0)).toBe(false);
    expect(await counter.compareAndSet(50, 7)).toBe(true);
    expect(await counter.get()).toBe(7);
  });
});

describe("queue", () => {
  it("delivers every item exactly once, in order, to competing consumers", async () => {
    const [p, c1, c2] = [await ensemble.client(), await ensemble.client(), await ensemble.client()];
    const producer = new DistributedQueue(p, "/queues/q1");
    const takenBy: string[][] = [[], []];
    const consume = async (c: typeof p, taken: string[]) => {
      const q = new DistributedQueue(c, "/queues/q1");
      // No timeout: a consumer ends on its "end" item only, so a slow machine cannot end it early.
      for (;;) {
        const item = text(await q.take());
        if (item === "end") return;
        taken.push(item);
      }
    };
    const consumers = [consume(c1, takenBy[0]!), consume(c2, takenBy[1]!)];
    for (let i = 0; i < 30; i++) await producer.put(`item-${String(i).padStart(2, "0")}`);
    await producer.put("end");
    await producer.put("end");
    await Promise.all(consumers);
    // Each consumer takes in queue order; between them, every item exactly once. (The two
    // consumers' replies come from different servers, so their interleaving is not ordered.)
    for (const taken of takenBy) expect(taken).toEqual([...taken].sort());
    expect(takenBy.flat().sort()).toEqual(Array.from({ length: 30 }, (_, i) => `item-${String(i).padStart(2, "0")}`));
    await p.sync("/queues/q1"); // the last takes went through other servers
    expect(await producer.size()).toBe(0);
    expect(await producer.poll()).toBeUndefined();
    await producer.put("x");
    expect(text(await producer.peek())).toBe("x");
    expect(text(await producer.poll())).toBe("x");
  });
});

describe("caches", () => {
  it("node cache follows creation, changes and deletion of one node", async () => {
    const [a, b] = [await ensemble.client(), await ensemble.client()];
    const cache = new NodeCache(a, "/caches/node");
    await cache.start();
    expect(cache.current).toBeUndefined();
    await b.create("/caches", undefined).catch(() => undefined);
    await b.create("/caches/node", "v1");
    await eventually(() => text(cache.current?.data) === "v1");
    await b.setData("/caches/node", "v2");
    await eventually(() => text(cache.current?.data) === "v2");
    await b.delete("/caches/node");
    await eventually(() => cache.current === undefined);
    await cache.close();
  });

  it("tree cache mirrors a subtree in order, and catches up after its session expired", async () => {
    const proxy = await proxyTo(ensemble.nativePorts);
    try {
      const w = await ensemble.client({ connectString: proxy.connectString, sessionTimeoutMs: 600 });
      const b = await ensemble.client();
      await b.create("/caches").catch(() => undefined);
      await b.create("/caches/tree", "root").catch(async () => b.setData("/caches/tree", "root"));
      await b.create("/caches/tree/a", "1");
      const cache = new TreeCache(w, "/caches/tree");
      const events: string[] = [];
      cache.on("change", (e: TreeCacheEvent) => events.push("node" in e ? `${e.type} ${e.node.path} ${text(e.node.data)}` : e.type));
      await cache.start();
      expect(events).toEqual(["added /caches/tree root", "added /caches/tree/a 1", "initialized"]);
      // Each step is seen before the next: a node created and deleted faster than a read
      // can see it is never reported (ZooKeeper's events carry no data; Curator's caches alike).
      await b.create("/caches/tree/a/deep", "2");
      await eventually(() => events.length === 4);
      await b.setData("/caches/tree/a", "1b");
      await eventually(() => events.length === 5);
      await b.delete("/caches/tree/a/deep");
      await eventually(() => events.length === 6);
      expect(events.slice(3)).toEqual(["added /caches/tree/a/deep 2", "updated /caches/tree/a 1b", "removed /caches/tree/a/deep 2"]);
      const expired = new Promise((r) => w.on("expired", r));
      proxy.cut();
      await b.create("/caches/tree/b", "3");
      await b.setData("/caches/tree/a", "1c");
      await expired;
      proxy.heal();
      await eventually(
        () => text(cache.get("/caches/tree/b")?.data) === "3" && text(cache.get("/caches/tree/a")?.data) === "1c",
        5000,
        "catch up",
      );
      expect(cache.childNames("/caches/tree")).toEqual(["a", "b"]);
      await b.delete("/caches/tree/b");
      await eventually(() => cache.get("/caches/tree/b") === undefined, 5000, "watch back after expiry");
      await cache.close();
    } finally {
      await proxy.close();
    }
  });
});
