// An observer follows the ensemble's commits and serves clients, but never votes: writes
// through it reach the leader, the quorum is counted without it, and it never leads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, loadConfig, startServer, type WardenServer } from "@warden/server";
import { createClient, type Client } from "@warden/client";
import { waitUntil } from "@warden/testing";

const HOST = "127.0.0.1";
let base: string;
const servers = new Map<number, WardenServer>();
const clients: Client[] = [];

const until = (cond: () => boolean, what: string, timeoutMs = 15_000): Promise<unknown> => waitUntil(what, cond, timeoutMs, 10);

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "warden-observer-"));
  await writeFile(join(base, "secret"), "observer-test-secret");
  const ids = [1, 2, 3, 4];
  const ports = new Map<number, { peer: number; election: number; native: number; admin: number }>();
  for (const id of ids)
    ports.set(id, {
      peer: await freePort(HOST),
      election: await freePort(HOST),
      native: await freePort(HOST),
      admin: await freePort(HOST),
    });
  const lines = ids.map((id) => `server.${id}=${HOST}:${ports.get(id)!.peer}:${ports.get(id)!.election}${id === 4 ? ":observer" : ""}`);
  await Promise.all(
    ids.map(async (id) => {
      const dir = join(base, `s${id}`);
      await mkdir(dir);
      await writeFile(join(dir, "myid"), `${id}\n`);
      await writeFile(
        join(dir, "zoo.cfg"),
        [
          `dataDir=${dir}`,
          "tickTime=100",
          `clientPortAddress=${HOST}`,
          `nativePort=${ports.get(id)!.native}`,
          "clientPort=0",
          `admin.serverAddress=${HOST}`,
          `adminPort=${ports.get(id)!.admin}`,
          `ensembleSecretFile=${join(base, "secret")}`,
          ...lines,
        ].join("\n"),
      );
      servers.set(id, await startServer(loadConfig(join(dir, "zoo.cfg")), { log: () => {} }));
    }),
  );
  await until(() => [...servers.values()].every((s) => s.node.serving), "every server to serve");
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([...servers.values()].map((s) => s.stop()));
  await rm(base, { recursive: true, force: true });
});

async function clientOf(id: number): Promise<Client> {
  const c = createClient(`${HOST}:${servers.get(id)!.ports.native}`);
  clients.push(c);
  await c.connected({ timeoutMs: 10_000 });
  return c;
}

describe("an observer", () => {
  it("serves reads and forwards writes, and sees the voters' writes", async () => {
    expect(servers.get(4)!.node.status?.role).toBe("observer");
    const viaObserver = await clientOf(4);
    const viaVoter = await clientOf(1);
    await viaObserver.create("/from-observer", "o");
    await viaVoter.create("/from-voter", "v");
    await viaObserver.sync("/");
    expect(new TextDecoder().decode((await viaObserver.getData("/from-voter")).data)).toBe("v");
    await viaVoter.sync("/");
    expect(new TextDecoder().decode((await viaVoter.getData("/from-observer")).data)).toBe("o");
  });

  it("the leader's observers command lists it with ZooKeeper's fields, and orst zeroes its counts", async () => {
    const [leaderId, leader] = [...servers].find(([, s]) => s.node.status?.role === "leader")!;
    const observers = async () =>
      (await (await fetch(`http://${HOST}:${leader.ports.admin}/commands/observers`)).json()) as {
        synced_observers: number;
        observers: Array<Record<string, unknown>>;
      };
    await until(() => leader.node.status?.role === "leader", "a leader");
    const got = await observers();
    expect(got.synced_observers).toBe(1);
    expect(got.observers).toHaveLength(1);
    const o = got.observers[0]!;
    expect(Object.keys(o)).toEqual([
      "remote_socket_address",
      "sid",
      "established",
      "queued_packets",
      "queued_packets_size",
      "packets_received",
      "packets_sent",
      "requests",
      "last_zxid",
    ]);
    expect(o.sid).toBe(4);
    expect(o.remote_socket_address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(o.established as number).toBeGreaterThan(0);
    expect(o.packets_sent as number).toBeGreaterThan(0);
    expect(o.packets_received as number).toBeGreaterThan(0);
    expect(o.requests as number).toBeGreaterThan(0); // the first test's create through the observer
    expect(o.last_zxid as number).toBeGreaterThan(0);
    // No voter is listed; a follower lists none (ZooKeeper's followers list their own observer-master links only).
    const follower = [...servers].find(([id, s]) => id !== leaderId && id !== 4 && s.node.status?.role === "follower")![1];
    expect((await (await fetch(`http://${HOST}:${follower.ports.admin}/commands/observers`)).json()).observers).toEqual([]);
    await fetch(`http://${HOST}:${leader.ports.admin}/commands/orst`);
    const after = (await observers()).observers[0]!;
    expect(after.requests).toBe(0);
    expect(after.packets_sent as number).toBeLessThan(o.packets_sent as number);
  });

  it("does not count in the quorum: with two voters stopped, writes stop even through it", async () => {
    const viaObserver = await clientOf(4);
    const leader = [...servers].find(([, s]) => s.node.status?.role === "leader")![0];
    const others = [1, 2, 3].filter((id) => id !== leader);
    await servers.get(others[0]!)!.stop();
    await servers.get(others[1]!)!.stop();
    await expect(viaObserver.create("/no-quorum", "x", { timeoutMs: 1500 })).rejects.toThrow();
    expect(servers.get(4)!.node.status?.role).not.toBe("leader");
  });
});
