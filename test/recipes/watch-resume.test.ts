// What the caches and lock recipes rely on from the service: a watch set before its server
// dies fires after the reconnection for every change made while away. One-shot watches get
// ZooKeeper's catch-up event (setWatches from lastZxidSeen); persistent and recursive
// watches get every event they would have had, once, in zxid order (Warden's resume from
// the server's change history), before any later one. Real server processes, SIGKILL.
import { afterEach, expect, it } from "vitest";
import { AddWatchMode, EventType } from "@warden/protocol";
import { createClient, type Client, type WatchedEvent } from "@warden/client";
import { ProcessEnsemble, waitUntil } from "@warden/testing";

const ENSEMBLE = { tickTimeMs: 100, syncLimit: 5, initLimit: 20, sessionTimeoutMsMin: 400, sessionTimeoutMsMax: 20_000 } as const;
/** A fixed server order: rotation draws j = floor(r * (i + 1)) = i, so nothing is swapped. */
const inOrder = () => 0.9999;

let ensemble: ProcessEnsemble | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await ensemble?.stop();
  ensemble = undefined;
});

async function connect(connectString: string): Promise<Client> {
  const c = createClient(connectString, { sessionTimeoutMs: 20_000, reconnectDelayMsMin: 20, reconnectDelayMsMax: 200, random: inOrder });
  clients.push(c);
  await c.connected({ timeoutMs: 10_000 });
  return c;
}

/** What one watcher client saw, per watch. */
interface Watcher {
  client: Client;
  oneShot: WatchedEvent[];
  persistent: WatchedEvent[];
  recursive: WatchedEvent[];
}

async function watch(client: Client): Promise<Watcher> {
  const w: Watcher = { client, oneShot: [], persistent: [], recursive: [] };
  await client.exists("/wr/x", { watch: (e) => w.oneShot.push(e) });
  await client.getData("/wr/y", { watch: (e) => w.oneShot.push(e) });
  await client.addWatch("/wr/p", AddWatchMode.PERSISTENT, (e) => w.persistent.push(e));
  await client.addWatch("/wr/r", AddWatchMode.PERSISTENT_RECURSIVE, (e) => w.recursive.push(e));
  return w;
}

const shape = (events: WatchedEvent[]) => events.map((e) => `${e.type} ${e.path}`);

it("persistent and recursive watches get every change made while their server was down, once each, in zxid order", async () => {
  ensemble = await ProcessEnsemble.start(ENSEMBLE);
  const leader = await ensemble.waitForLeader();
  // The victim is a follower, so the others keep a quorum and a leader while it is stopped.
  const victim = ensemble.servers.map((s) => s.id).find((id) => id !== leader)!;
  const others = ensemble.servers.map((s) => s.id).filter((id) => id !== victim);
  const writer = await connect(ensemble.connectString(others));
  for (const p of ["/wr", "/wr/x", "/wr/y", "/wr/p", "/wr/r"]) await writer.create(p);
  await writer.sync("/");
  // One watcher can only come back to the victim (the same server, restarted); the other
  // fails over to another server at once.
  const samePlace = await watch(await connect(ensemble.connectString([victim])));
  const failover = await watch(await connect(ensemble.connectString([victim, ...others])));

  // Stopped first, so that neither watcher can hear of the writes before the SIGKILL.
  ensemble.pause(victim);
  const zxids: bigint[] = [];
  await writer.delete("/wr/x");
  zxids.push((await writer.setData("/wr/y", "new")).mzxid);
  zxids.push((await writer.createWithStat("/wr/p/c1")).stat.czxid); // p: NodeChildrenChanged
  zxids.push((await writer.setData("/wr/p", "1")).mzxid); // p: NodeDataChanged
  zxids.push((await writer.createWithStat("/wr/r/a")).stat.czxid); // r: NodeCreated
  zxids.push((await writer.setData("/wr/r/a", "1")).mzxid); // r: NodeDataChanged
  zxids.push((await writer.createWithStat("/wr/r/a/b")).stat.czxid); // r: NodeCreated
  await writer.delete("/wr/r/a/b"); // r: NodeDeleted
  await writer.delete("/wr/p/c1"); // p: NodeChildrenChanged
  // One txn firing the recursive watch twice on the same path: both events, same zxid.
  await writer.transaction().setData("/wr/r", "1").setData("/wr/r", "2").commit();
  await ensemble.kill(victim);

  ensemble.restart(victim);
  for (const w of [samePlace, failover]) {
    await waitUntil("the watcher to be connected again", () => w.client.state === "connected", 20_000);
  }
  // A change after the reconnection comes after every replayed one.
  await writer.setData("/wr/p", "2");
  await writer.create("/wr/r/after");

  const persistentShape = [
    `${EventType.NodeChildrenChanged} /wr/p`,
    `${EventType.NodeDataChanged} /wr/p`,
    `${EventType.NodeChildrenChanged} /wr/p`,
    `${EventType.NodeDataChanged} /wr/p`,
  ];
  const recursiveShape = [
    `${EventType.NodeCreated} /wr/r/a`,
    `${EventType.NodeDataChanged} /wr/r/a`,
    `${EventType.NodeCreated} /wr/r/a/b`,
    `${EventType.NodeDeleted} /wr/r/a/b`,
    `${EventType.NodeDataChanged} /wr/r`,
    `${EventType.NodeDataChanged} /wr/r`,
    `${EventType.NodeCreated} /wr/r/after`,
  ];
  for (const [name, w] of [
    ["same server", samePlace],
    ["failover", failover],
  ] as const) {
    await waitUntil(
      `${name}: the change made after the reconnection`,
      () => w.recursive.length >= recursiveShape.length && w.persistent.length >= persistentShape.length,
      10_000,
    ).catch(() => undefined);
    await w.client.sync("/");
    await w.client.getData("/wr"); // every event before this reply has arrived
    expect(shape(w.oneShot).sort(), name).toEqual([`${EventType.NodeDeleted} /wr/x`, `${EventType.NodeDataChanged} /wr/y`].sort());
    expect(shape(w.persistent), name).toEqual(persistentShape);
    expect(shape(w.recursive), name).toEqual(recursiveShape);
    for (const events of [w.persistent, w.recursive]) {
      const order = events.map((e) => e.zxid);
      expect(order, `${name}: in zxid order`).toEqual([...order].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    expect(
      w.persistent.slice(0, 2).map((e) => e.zxid),
      name,
    ).toEqual([zxids[1], zxids[2]]);
    expect(
      w.recursive.slice(0, 3).map((e) => e.zxid),
      name,
    ).toEqual([zxids[3], zxids[4], zxids[5]]);
  }
}, 90_000);
