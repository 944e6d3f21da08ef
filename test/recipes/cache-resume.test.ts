// The tree cache across a reconnection of its session: it relies on the server's replay of
// what its recursive watch missed, and reads the whole subtree again only when told the
// server's change history did not reach back (EventsLost).
import { afterAll, beforeAll, expect, it } from "vitest";
import { EventType } from "@warden/protocol";
import { TreeCache } from "@warden/recipes";
import { eventually, startEnsemble, type TestEnsemble } from "./helpers/ensemble.js";
import { proxyTo } from "./helpers/proxy.js";

const HISTORY_CHANGES = 20;
let ensemble: TestEnsemble;
beforeAll(async () => {
  ensemble = await startEnsemble({ settings: { watchHistoryCount: String(HISTORY_CHANGES) } });
});
afterAll(async () => {
  await ensemble.stop();
});

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

async function cacheBehindProxy(root: string) {
  const proxy = await proxyTo(ensemble.nativePorts);
  const watcher = await ensemble.client({ connectString: proxy.connectString, sessionTimeoutMs: 8000 });
  const writer = await ensemble.client();
  await writer.create(root, "0");
  await writer.create(`${root}/a`, "1");
  const cache = new TreeCache(watcher, root);
  await cache.start();
  const lost: string[] = [];
  await watcher.addWatch(root, 1, (e) => e.type === EventType.EventsLost && lost.push(e.path));
  return { proxy, watcher, writer, cache, lost };
}

it("a tree cache catches up after a reconnection of its session from the replayed events", async () => {
  const { proxy, watcher, writer, cache, lost } = await cacheBehindProxy("/cr1");
  try {
    const sessionId = watcher.sessionId;
    proxy.cut();
    await eventually(() => watcher.state === "disconnected", 5000, "disconnected");
    await writer.create("/cr1/b", "2");
    await writer.setData("/cr1/a", "1b");
    await writer.create("/cr1/a/deep", "3");
    await writer.delete("/cr1/a/deep");
    proxy.heal();
    await eventually(
      () => text(cache.get("/cr1/b")?.data) === "2" && text(cache.get("/cr1/a")?.data) === "1b",
      5000,
      "the cache to catch up",
    );
    expect(watcher.sessionId).toBe(sessionId);
    expect(lost).toEqual([]);
    expect(cache.childNames("/cr1")).toEqual(["a", "b"]);
    expect(cache.get("/cr1/a/deep")).toBeUndefined();
  } finally {
    await cache.close();
    await proxy.close();
  }
});

it("a tree cache reads its subtree again when the server's history no longer reaches back (EventsLost)", async () => {
  const { proxy, watcher, writer, cache, lost } = await cacheBehindProxy("/cr2");
  try {
    const sessionId = watcher.sessionId;
    proxy.cut();
    await eventually(() => watcher.state === "disconnected", 5000, "disconnected");
    await writer.create("/cr2/b", "2");
    for (let i = 0; i < HISTORY_CHANGES; i++) await writer.setData("/cr2/a", `v${i}`);
    proxy.heal();
    await eventually(() => lost.length > 0, 5000, "EventsLost");
    expect(lost).toEqual(["/cr2"]);
    expect(watcher.sessionId).toBe(sessionId);
    await eventually(
      () => text(cache.get("/cr2/b")?.data) === "2" && text(cache.get("/cr2/a")?.data) === `v${HISTORY_CHANGES - 1}`,
      5000,
      "the cache to read again",
    );
    // The watch is still in place after the gap.
    await writer.create("/cr2/c", "4");
    await eventually(() => text(cache.get("/cr2/c")?.data) === "4", 5000, "a later change");
  } finally {
    await cache.close();
    await proxy.close();
  }
});

/**
 * A cache of `root` with "a" and "b", recording the changes it reports, and its watcher cut
 * off: the writes made now reach the cache as one replay when the proxy heals.
 */
async function replayAfterCut(root: string) {
  const parts = await cacheBehindProxy(root);
  await parts.writer.create(`${root}/b`, "2");
  await eventually(() => parts.cache.get(`${root}/b`) !== undefined, 5000, "b cached");
  const events: string[] = [];
  parts.cache.on("change", (e) => "node" in e && events.push(`${e.type} ${e.node.path} ${text(e.node.data)}`));
  parts.proxy.cut();
  await eventually(() => parts.watcher.state === "disconnected", 5000, "disconnected");
  return { ...parts, events };
}

it("a replay that brings a node's update and its deletion: the removal is reported where the deletion is", async () => {
  // The cache reads a node when its event arrives, so after a replay the update's read finds
  // the node already gone. The update's state is then skipped, but no change is reported
  // before one that happened earlier: the removal waits for the deletion's own event.
  const { proxy, writer, cache, events } = await replayAfterCut("/cr3");
  try {
    await writer.setData("/cr3/a", "1b");
    await writer.setData("/cr3/b", "2b");
    await writer.delete("/cr3/a");
    proxy.heal();
    await eventually(() => cache.get("/cr3/a") === undefined, 5000, "the cache to catch up");
    await writer.setData("/cr3/b", "2c");
    await eventually(() => text(cache.get("/cr3/b")?.data) === "2c", 5000, "a later change");
    expect(events).toEqual(["updated /cr3/b 2b", "removed /cr3/a 1", "updated /cr3/b 2c"]);
  } finally {
    await cache.close();
    await proxy.close();
  }
});

it("a replay that brings two updates of a node around other changes: each state is reported in the order of the changes", async () => {
  // Every read after the replay sees the last state. A read made for an earlier change of its
  // node (b's first update) would report b's last state before c's creation, which came
  // earlier: it waits for the event of b's last change instead, and b's first state is skipped.
  const { proxy, writer, cache, events } = await replayAfterCut("/cr4");
  try {
    await writer.setData("/cr4/a", "1b");
    await writer.setData("/cr4/b", "2b");
    await writer.setData("/cr4/a", "1c");
    await writer.create("/cr4/c", "3");
    await writer.setData("/cr4/c", "3b");
    await writer.setData("/cr4/b", "2c");
    proxy.heal();
    await eventually(() => text(cache.get("/cr4/b")?.data) === "2c", 5000, "the cache to catch up");
    expect(events).toEqual(["updated /cr4/a 1c", "added /cr4/c 3b", "updated /cr4/b 2c"]);
  } finally {
    await cache.close();
    await proxy.close();
  }
});
