import { describe, expect, it } from "vitest";
import { EventType, KeeperState, NoWatcherError, WatcherType, AddWatchMode } from "@warden/protocol";
import { NO_ZXID, type WatchedEvent } from "@warden/client";
import { connect, startEnsemble, until } from "./helpers.js";

describe("watches", () => {
  it("a one-shot watch fires once and is then removed", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/w");
    const events: WatchedEvent[] = [];
    await c.getData("/w", { watch: (e) => events.push(e) });
    await c.setData("/w", "1");
    await c.setData("/w", "2");
    await c.sync("/w");
    expect(events).toEqual([{ type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: "/w", zxid: expect.any(BigInt) }]);
  });

  it("exists on a missing node watches for its creation; getChildren for its children", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    const created = new Promise<WatchedEvent>((resolve) => void c.exists("/later", { watch: resolve }));
    await c.create("/later");
    expect((await created).type).toBe(EventType.NodeCreated);
    const children = new Promise<WatchedEvent>((resolve) => void c.getChildren("/later", { watch: resolve }));
    await c.create("/later/kid");
    expect(await children).toMatchObject({ type: EventType.NodeChildrenChanged, path: "/later" });
  });

  it("removeWatches removes a watch on the client and the server, with a removal event", async () => {
    const { servers, ensemble } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/w");
    const events: WatchedEvent[] = [];
    const listener = (e: WatchedEvent) => events.push(e);
    await c.getData("/w", { watch: listener });
    await c.removeWatches("/w", WatcherType.Data, listener);
    expect(events).toEqual([{ type: EventType.DataWatchRemoved, state: KeeperState.SyncConnected, path: "/w", zxid: NO_ZXID }]);
    expect(ensemble.watches.watchSet(c.sessionId, "data").has("/w")).toBe(false);
    await c.setData("/w", "x");
    await c.sync("/");
    expect(events).toHaveLength(1);
    await expect(c.removeAllWatches("/w", WatcherType.Any)).rejects.toBeInstanceOf(NoWatcherError);
  });

  it("a persistent recursive watch is an async iterable that keeps delivering until left", async () => {
    const { servers, ensemble } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/p");
    const stream = await c.watch("/p", { recursive: true });
    await c.create("/p/a");
    await c.setData("/p/a", "x");
    await c.delete("/p/a");
    const seen: [number, string][] = [];
    for await (const e of stream) {
      seen.push([e.type, e.path]);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([
      [EventType.NodeCreated, "/p/a"],
      [EventType.NodeDataChanged, "/p/a"],
      [EventType.NodeDeleted, "/p/a"],
    ]);
    await until(() => !ensemble.watches.watchSet(c.sessionId, "persistentRecursive").has("/p"));
  });

  it("addWatch calls its listener for every change of the node and none of its children's data", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/p");
    const events: number[] = [];
    await c.addWatch("/p", AddWatchMode.PERSISTENT, (e) => events.push(e.type));
    await c.setData("/p", "1");
    await c.create("/p/kid");
    await c.setData("/p", "2");
    await c.sync("/");
    expect(events).toEqual([EventType.NodeDataChanged, EventType.NodeChildrenChanged, EventType.NodeDataChanged]);
  });

  it("ends a persistent watch stream with an error when its reader falls behind the buffer", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/o");
    const stream = await c.watch("/o", { eventsBufferedMax: 2 });
    for (let i = 0; i < 3; i++) await c.setData("/o", String(i));
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    expect((await iterator.next()).done).toBe(false);
    await expect(iterator.next()).rejects.toThrow(/more than 2 unread/);
  });
});
