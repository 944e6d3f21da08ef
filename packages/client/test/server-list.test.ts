// updateServerList's rebalancing (ZooKeeper's StaticHostProvider.updateServerList): a client
// moves with the probability that keeps the load even across the new list, and moves only to
// where the load must go. Seeded: the figures are exact for the seed and close to the target.
import { describe, expect, it } from "vitest";
import { seededRandom } from "@warden/protocol";
import { ServerRotation } from "../src/servers.js";
import type { ServerAddress } from "../src/connect-string.js";
import { connect, startEnsemble } from "./helpers.js";

const hosts = (...ports: number[]): ServerAddress[] => ports.map((port) => ({ host: "10.0.0.1", port }));

/** `clients` clients spread evenly over `before`, each updated to `after`; the load on each server afterwards. */
function rebalance(before: ServerAddress[], after: ServerAddress[], clients: number, seed: number): Map<number, number> {
  const random = seededRandom(seed);
  const load = new Map<number, number>();
  for (let i = 0; i < clients; i++) {
    const rotation = new ServerRotation(before, random, 10, 100);
    let mine = rotation.next();
    while (mine.port !== before[i % before.length]!.port) mine = rotation.next();
    rotation.succeeded();
    if (rotation.update(after, mine)) mine = rotation.next();
    load.set(mine.port, (load.get(mine.port) ?? 0) + 1);
  }
  return load;
}

describe("updateServerList's rebalancing", () => {
  it("growing 3 servers to 5 moves 2/5 of the clients, all to the new servers: each ends near 1/5", () => {
    const load = rebalance(hosts(1, 2, 3), hosts(1, 2, 3, 4, 5), 5000, 7);
    for (const port of [1, 2, 3, 4, 5]) expect(Math.abs(load.get(port)! - 1000)).toBeLessThan(80);
  });

  it("shrinking 5 to 3: clients of the kept servers stay, those of the removed ones spread over the rest", () => {
    const load = rebalance(hosts(1, 2, 3, 4, 5), hosts(1, 2, 3), 5000, 11);
    expect([...load.keys()].sort()).toEqual([1, 2, 3]);
    for (const port of [1, 2, 3]) expect(Math.abs(load.get(port)! - 5000 / 3)).toBeLessThan(100);
  });

  it("replacing a server sends exactly its clients to the new one", () => {
    const load = rebalance(hosts(1, 2, 3), hosts(1, 2, 4), 3000, 3);
    expect(Object.fromEntries(load)).toEqual({ 1: 1000, 2: 1000, 4: 1000 });
  });

  it("a client whose server stays, in an unchanged or smaller list, does not move", () => {
    const rotation = new ServerRotation(hosts(1, 2, 3), seededRandom(1), 10, 100);
    const mine = rotation.next();
    rotation.succeeded();
    expect(rotation.update(hosts(1, 2, 3), mine)).toBe(false);
    expect(rotation.current).toEqual(mine);
    expect(
      rotation.update(
        hosts(1, 2, 3).filter((s) => s.port === mine.port || s.port === 9),
        mine,
      ),
    ).toBe(false);
  });

  it("while moving, a failed new server is followed by the others before the old ones; then the plain rotation", () => {
    const rotation = new ServerRotation(hosts(1), seededRandom(5), 10, 100);
    const mine = rotation.next();
    rotation.succeeded();
    expect(rotation.update(hosts(2, 3), mine)).toBe(true);
    const tried = [rotation.next().port, rotation.next().port].sort();
    expect(tried).toEqual([2, 3]);
    expect(rotation.moving).toBe(true);
    expect([2, 3]).toContain(rotation.next().port);
    expect(rotation.moving).toBe(false);
    expect(() => rotation.update([], undefined)).toThrow(/may not be empty/);
  });
});

describe("Client.updateServerList", () => {
  it("a client whose server leaves the list moves to one in it, keeping its session", async () => {
    const { servers } = await startEnsemble(2);
    const c = await connect(servers.slice(0, 1));
    const id = c.sessionId;
    expect(c.updateServerList(servers[1]!.address)).toBe(true);
    const deadline = Date.now() + 5000;
    while (servers[1]!.connects === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(servers[1]!.connects).toBe(1);
    expect(await c.exists("/")).not.toBeNull();
    expect(c.sessionId).toBe(id);
    expect(c.updateServerList(servers[1]!.address)).toBe(false);
  });
});
