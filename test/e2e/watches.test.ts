// Watches against a real standalone server: watch-before-data ordering, one-shot and
// persistent semantics, removal, and re-registration across a reconnect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddWatchMode, ErrorCode, EventType, KeeperState, NoWatcherError, WatcherType, type ServerFrame } from "@warden/protocol";
import { NO_ZXID, createClient, type Client, type WatchedEvent } from "@warden/client";
import { Inbox, startStandalone, text, waitFor, type Standalone } from "./harness.js";
import { startProxy } from "./proxy.js";
import { connectFrame, openNative, openZk } from "./raw.js";

let s: Standalone;
let a: Client; // the watcher
let b: Client; // the writer
beforeAll(async () => {
  s = await startStandalone();
  [a, b] = await Promise.all([s.client(), s.client()]);
});
afterAll(() => s?.stop());

/** An event as delivered; its zxid is checked where the test knows it. */
const ev = (type: number, path: string) => ({ type, state: KeeperState.SyncConnected, path, zxid: expect.any(BigInt) });

describe("watch before data", () => {
  it("delivers the watch event before the reply of a later read that sees the change", async () => {
    await b.create("/wbd", "0");
    const order: string[] = [];
    await a.getData("/wbd", { watch: (e) => order.push(`event ${e.type}`) });
    await b.setData("/wbd", "1");
    const { data } = await a.getData("/wbd");
    order.push(`reply ${text(data)}`);
    expect(order).toEqual([`event ${EventType.NodeDataChanged}`, "reply 1"]);
  });

  it("holds for every read of a pipelined burst that follows a change", async () => {
    await b.create("/wbd2", "0");
    const order: string[] = [];
    await a.exists("/wbd2", { watch: () => order.push("event") });
    const write = b.setData("/wbd2", "1");
    const reads = Array.from({ length: 20 }, (_, i) =>
      a.getData("/wbd2").then((r) => {
        if (text(r.data) === "1") order.push(`read ${i} sees 1`);
      }),
    );
    await Promise.all([write, ...reads]);
    const firstSeen = order.findIndex((o) => o.startsWith("read"));
    if (firstSeen >= 0) expect(order.indexOf("event")).toBeLessThan(firstSeen);
    await a.getData("/wbd2");
    expect(order).toContain("event");
  });
});

describe("one-shot watches", () => {
  it("fire once, for the first change only", async () => {
    await b.create("/once", "0");
    const events = new Inbox<WatchedEvent>();
    await a.getData("/once", { watch: events.push });
    await b.setData("/once", "1");
    await b.setData("/once", "2");
    // A later read by the watcher is answered after any event the changes fired.
    expect(text((await a.getData("/once")).data)).toBe("2");
    expect(events.items).toEqual([ev(EventType.NodeDataChanged, "/once")]);
  });

  it("exists on a missing node fires NodeCreated; a data watch fires NodeDeleted; a child watch fires NodeChildrenChanged", async () => {
    const created = new Inbox<WatchedEvent>();
    const children = new Inbox<WatchedEvent>();
    const deleted = new Inbox<WatchedEvent>();
    expect(await a.exists("/ow", { watch: created.push })).toBeNull();
    await b.create("/ow");
    expect(await created.next("NodeCreated")).toEqual(ev(EventType.NodeCreated, "/ow"));
    await a.getChildren("/ow", { watch: children.push });
    await b.create("/ow/c");
    expect(await children.next("NodeChildrenChanged")).toEqual(ev(EventType.NodeChildrenChanged, "/ow"));
    await a.getData("/ow/c", { watch: deleted.push });
    await b.delete("/ow/c");
    expect(await deleted.next("NodeDeleted")).toEqual(ev(EventType.NodeDeleted, "/ow/c"));
  });

  it("a child watch does not fire for a change of the parent's data", async () => {
    await b.create("/cw", "0");
    const events = new Inbox<WatchedEvent>();
    await a.getChildren("/cw", { watch: events.push });
    await b.setData("/cw", "1");
    await a.getData("/cw");
    expect(events.items).toEqual([]);
  });
});

describe("persistent watches", () => {
  it("a persistent watch fires for every change of the node and of its children list, and stays", async () => {
    await b.create("/pw", "0");
    const events = new Inbox<WatchedEvent>();
    await a.addWatch("/pw", AddWatchMode.PERSISTENT, events.push);
    await b.setData("/pw", "1");
    await b.create("/pw/c");
    await b.create("/pw/c/deep");
    await b.setData("/pw", "2");
    await a.sync("/pw");
    await a.getData("/pw");
    expect(events.items).toEqual([
      ev(EventType.NodeDataChanged, "/pw"),
      ev(EventType.NodeChildrenChanged, "/pw"),
      ev(EventType.NodeDataChanged, "/pw"),
    ]);
  });

  it("every event carries the zxid of the change that fired it", async () => {
    await b.create("/zx");
    const events = new Inbox<WatchedEvent>();
    await a.addWatch("/zx", AddWatchMode.PERSISTENT_RECURSIVE, events.push);
    const created = await b.createWithStat("/zx/a", "0");
    const changed = await b.setData("/zx/a", "1");
    await a.sync("/zx");
    await a.getData("/zx");
    expect(events.items.map((e) => [e.type, e.zxid])).toEqual([
      [EventType.NodeCreated, created.stat.czxid],
      [EventType.NodeDataChanged, changed.mzxid],
    ]);
  });

  it("a recursive watch fires for every node below, without NodeChildrenChanged", async () => {
    await b.create("/rw");
    const events = new Inbox<WatchedEvent>();
    await a.addWatch("/rw", AddWatchMode.PERSISTENT_RECURSIVE, events.push);
    await b.create("/rw/a");
    await b.create("/rw/a/b", "x");
    await b.setData("/rw/a/b", "y");
    await b.delete("/rw/a/b");
    await a.getData("/rw");
    expect(events.items).toEqual([
      ev(EventType.NodeCreated, "/rw/a"),
      ev(EventType.NodeCreated, "/rw/a/b"),
      ev(EventType.NodeDataChanged, "/rw/a/b"),
      ev(EventType.NodeDeleted, "/rw/a/b"),
    ]);
  });

  it("a watch stream yields the events as an async iterable and leaving the loop removes the watch", async () => {
    await b.create("/stream");
    const stream = await a.watch("/stream", { recursive: true });
    await b.create("/stream/x");
    await b.setData("/stream/x", "1");
    const seen: string[] = [];
    for await (const e of stream) {
      seen.push(`${e.type} ${e.path}`);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([`${EventType.NodeCreated} /stream/x`, `${EventType.NodeDataChanged} /stream/x`]);
    await waitFor("the server to drop the recursive watch", async () => {
      const r = await fetch(`http://127.0.0.1:${s.server.ports.admin}/commands/wchp`);
      const body = (await r.json()) as { path_to_session_ids: Record<string, unknown> };
      return !("/stream" in body.path_to_session_ids);
    });
  });
});

describe("removeWatches", () => {
  it("removes a watch: the listener gets DataWatchRemoved and no later event", async () => {
    await b.create("/rm", "0");
    const events = new Inbox<WatchedEvent>();
    await a.getData("/rm", { watch: events.push });
    await a.removeWatches("/rm", WatcherType.Data);
    expect(events.items).toEqual([{ type: EventType.DataWatchRemoved, state: KeeperState.SyncConnected, path: "/rm", zxid: NO_ZXID }]);
    await b.setData("/rm", "1");
    await a.getData("/rm");
    expect(events.items).toHaveLength(1);
  });

  it("fails with NoWatcherError when there is no such watch", async () => {
    await b.create("/rm-none");
    await expect(a.removeWatches("/rm-none", WatcherType.Children)).rejects.toBeInstanceOf(NoWatcherError);
  });

  it("removes a persistent watch on the server too", async () => {
    await b.create("/rm-p");
    const events = new Inbox<WatchedEvent>();
    await a.addWatch("/rm-p", AddWatchMode.PERSISTENT, events.push);
    await a.removeWatches("/rm-p", WatcherType.Persistent);
    const other = new Inbox<WatchedEvent>();
    // A second client still watching shows the change was made and delivered to watchers.
    await b.getData("/rm-p", { watch: other.push });
    await b.setData("/rm-p", "1");
    await other.next("the other client's event");
    await a.getData("/rm-p");
    expect(events.items.map((e) => e.type)).toEqual([EventType.PersistentWatchRemoved]);
  });
});

describe("watches across a reconnect", () => {
  it("a path with a one-shot and a persistent watch: the persistent one gets every missed change once, the one-shot the first", async () => {
    const proxy = await startProxy(s.server.ports.native);
    const c = createClient(`127.0.0.1:${proxy.port}`, { sessionTimeoutMs: 4000, reconnectDelayMsMin: 10, reconnectDelayMsMax: 50 });
    try {
      await c.connected({ timeoutMs: 5000 });
      await b.create("/both", "0");
      const once = new Inbox<WatchedEvent>();
      const persistent = new Inbox<WatchedEvent>();
      const recursiveAbove = new Inbox<WatchedEvent>();
      await c.getData("/both", { watch: once.push });
      await c.addWatch("/both", AddWatchMode.PERSISTENT, persistent.push);
      await c.addWatch("/", AddWatchMode.PERSISTENT_RECURSIVE, recursiveAbove.push);
      const states = new Inbox<string>();
      c.on("state", states.push);
      proxy.cut(true);
      await states.next("disconnected");
      const first = await b.setData("/both", "1");
      const second = await b.setData("/both", "2");
      proxy.heal();
      await states.next("reconnected", 2);
      await c.getData("/both"); // its reply comes after every replayed and catch-up event
      const changed = (e: WatchedEvent) => [e.type, e.path, e.zxid];
      expect(persistent.items.map(changed)).toEqual([
        [EventType.NodeDataChanged, "/both", first.mzxid],
        [EventType.NodeDataChanged, "/both", second.mzxid],
      ]);
      expect(recursiveAbove.items.filter((e) => e.path === "/both").map(changed)).toEqual(persistent.items.map(changed));
      expect(once.items.map(changed)).toEqual([[EventType.NodeDataChanged, "/both", first.mzxid]]);
    } finally {
      await c.close().catch(() => undefined);
      await proxy.close();
    }
  });

  it("replays once per connection: a second setWatches with resumeAfterZxid is refused with BAD_ARGUMENTS", async () => {
    await b.create("/once-per-conn", "0");
    await b.setData("/once-per-conn", "1");
    const n = await openNative(s.server.ports.native);
    try {
      n.send(connectFrame());
      await n.frames.next("connected");
      const resume = (xid: number) =>
        n.send({
          kind: "request",
          xid,
          request: {
            type: "setWatches",
            relativeZxid: 0n,
            dataWatches: [],
            existWatches: [],
            childWatches: [],
            persistentWatches: ["/once-per-conn"],
            persistentRecursiveWatches: [],
            resumeAfterZxid: 0n,
          },
        });
      resume(1);
      resume(2);
      const replies = async () => {
        const out: ServerFrame[] = [];
        for (let i = 1; out.length < 2; i++) {
          const f = (await n.frames.next("the two replies", i)) as ServerFrame;
          if (f.kind === "reply") out.push(f);
        }
        return out;
      };
      expect((await replies()).map((f) => f.kind === "reply" && [f.xid, f.err])).toEqual([
        [1, 0],
        [2, ErrorCode.BAD_ARGUMENTS],
      ]);
      // The first one replayed from the server's history, which began with the server.
      const replayed = n.frames.items.flatMap((f) => (f.kind === "event" ? [f.event.type] : []));
      expect(replayed).toContain(EventType.NodeDataChanged);
    } finally {
      n.close();
    }
  });

  it("the ZooKeeper port keeps ZooKeeper's setWatches: a one-shot catch-up event, no replay for a persistent watch", async () => {
    await b.create("/zkp", "0");
    await b.setData("/zkp", "1");
    await b.setData("/zkp", "2");
    const zk = await openZk(s.server.ports.client);
    try {
      zk.send(1, {
        type: "setWatches",
        relativeZxid: 0n,
        dataWatches: ["/zkp"],
        existWatches: [],
        childWatches: [],
        persistentWatches: ["/zkp"],
        persistentRecursiveWatches: [],
      });
      await zk.reply(1);
      const last = await b.setData("/zkp", "3");
      zk.send(2, { type: "getData", path: "/zkp", watch: false });
      await zk.reply(2);
      const events = zk.frames.items.flatMap((f) => (f.kind === "notification" ? [[f.event.type, f.event.path]] : []));
      // ZooKeeper's answer to a stale data watch, then the persistent watch's one live event.
      expect(events).toEqual([
        [EventType.NodeDataChanged, "/zkp"],
        [EventType.NodeDataChanged, "/zkp"],
      ]);
      expect(last.mzxid).toBeGreaterThan(0n);
    } finally {
      zk.socket.destroy();
    }
  });

  it("are re-registered from the last zxid seen, and changes made while away are delivered", async () => {
    const proxy = await startProxy(s.server.ports.native);
    const c = createClient(`127.0.0.1:${proxy.port}`, { sessionTimeoutMs: 4000, reconnectDelayMsMin: 10, reconnectDelayMsMax: 50 });
    try {
      await c.connected({ timeoutMs: 5000 });
      await b.create("/away", "0");
      await b.create("/away/kids");
      const data = new Inbox<WatchedEvent>();
      const exist = new Inbox<WatchedEvent>();
      const kids = new Inbox<WatchedEvent>();
      const persistent = new Inbox<WatchedEvent>();
      await c.getData("/away", { watch: data.push });
      await c.exists("/away/new", { watch: exist.push });
      await c.getChildren("/away/kids", { watch: kids.push });
      await c.addWatch("/away", AddWatchMode.PERSISTENT_RECURSIVE, persistent.push);
      const sessionId = c.sessionId;
      const states = new Inbox<string>();
      c.on("state", states.push);

      proxy.cut(true);
      await states.next("disconnected");
      expect(states.items[0]).toBe("disconnected");
      await b.setData("/away", "1");
      await b.create("/away/new");
      await b.create("/away/kids/k");

      proxy.heal();
      await states.next("reconnected", 2);
      expect(states.items[1]).toBe("reconnected");
      expect(c.sessionId).toBe(sessionId);
      expect(await data.next("missed NodeDataChanged")).toEqual(ev(EventType.NodeDataChanged, "/away"));
      expect(await exist.next("missed NodeCreated")).toEqual(ev(EventType.NodeCreated, "/away/new"));
      expect(await kids.next("missed NodeChildrenChanged")).toEqual(ev(EventType.NodeChildrenChanged, "/away/kids"));
      // The persistent watch is back: a change after the reconnect fires it.
      await b.setData("/away/new", "after");
      await waitFor("the persistent watch to fire after the reconnect", () =>
        persistent.items.some((e) => e.path === "/away/new" && e.type === EventType.NodeDataChanged),
      );
    } finally {
      await c.close().catch(() => undefined);
      await proxy.close();
    }
  });
});
