// What the lock recipes rely on from the service: a watch set before a connection drops
// fires after the reconnection for a change made while away (setWatches from lastZxidSeen).
import { afterAll, beforeAll, expect, it } from "vitest";
import { AddWatchMode, EventType } from "@warden/protocol";
import type { WatchedEvent } from "@warden/client";
import { eventually, startEnsemble, type TestEnsemble } from "./helpers/ensemble.js";
import { proxyTo } from "./helpers/proxy.js";

let ensemble: TestEnsemble;
beforeAll(async () => {
  ensemble = await startEnsemble();
});
afterAll(async () => {
  await ensemble.stop();
});

it("one-shot and persistent watches fire after a reconnection for changes made while away", async () => {
  const proxy = await proxyTo(ensemble.nativePorts);
  try {
    const a = await ensemble.client({ connectString: proxy.connectString, sessionTimeoutMs: 4000 });
    const b = await ensemble.client();
    for (const p of ["/wr", "/wr/x", "/wr/y", "/wr/z"]) await b.create(p);
    const events: WatchedEvent[] = [];
    await a.exists("/wr/x", { watch: (e) => events.push(e) });
    await a.getData("/wr/y", { watch: (e) => events.push(e) });
    await a.addWatch("/wr/z", AddWatchMode.PERSISTENT_RECURSIVE, (e) => events.push(e));
    proxy.cut();
    await eventually(() => a.state === "disconnected", 2000, "a disconnected");
    await b.delete("/wr/x");
    await b.setData("/wr/y", "new");
    await b.create("/wr/z/child");
    proxy.heal();
    await eventually(() => events.length >= 2, 5000, `events (${events.map((e) => `${e.type} ${e.path}`)})`);
    expect(events.slice(0, 2).map((e) => [e.type, e.path]).sort()).toEqual([[EventType.NodeDeleted, "/wr/x"], [EventType.NodeDataChanged, "/wr/y"]].sort());
  } finally {
    await proxy.close();
  }
});
