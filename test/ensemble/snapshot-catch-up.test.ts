// A follower too far behind for the leader's log catches up through a snapshot sent in chunks:
// three real server processes on loopback; one follower is killed, the tree grows far past the
// leader's in-memory log (commitLogCount) and to many chunks (snapshotChunkBytes), the follower
// restarts, receives the snapshot chunk by chunk, and ends with the leader's tree. Nobody exits.
import { afterEach, describe, expect, it } from "vitest";
import type { Client } from "@warden/client";
import { ProcessEnsemble, waitUntil } from "@warden/testing";
import { TEST_ENSEMBLE, clientOn } from "./workload.js";

const CHUNK_BYTES = 4096;
const COMMIT_LOG_COUNT = 200;
const ZNODES = 2500;
const DATA = "x".repeat(200);

/** A gauge from the server's /metrics (summed over its label sets). */
async function metric(ensemble: ProcessEnsemble, id: number, name: string): Promise<number> {
  const s = ensemble.server(id);
  const text = await (await fetch(`http://${s.host}:${s.ports.admin}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n"))
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  return sum;
}

/** Every child of /big and its data, as one server sees it (a client connected to it alone, after sync). */
async function bigTree(ensemble: ProcessEnsemble, id: number): Promise<Map<string, string>> {
  const c = await clientOn(ensemble.nativeAddress(id));
  try {
    await c.sync("/");
    const names = (await c.getChildren("/big")).sort();
    const values = await Promise.all(names.map(async (n) => new TextDecoder().decode((await c.getData(`/big/${n}`)).data)));
    return new Map(names.map((n, i) => [n, values[i]!]));
  } finally {
    await c.close();
  }
}

async function grow(c: Client, count: number): Promise<void> {
  await c.create("/big");
  const inFlight = 200;
  for (let i = 0; i < count; i += inFlight) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + inFlight); j++) batch.push(c.create(`/big/n${String(j).padStart(6, "0")}`, `${j}:${DATA}`));
    await Promise.all(batch);
  }
}

describe("a follower far behind the leader's log", () => {
  let ensemble: ProcessEnsemble | undefined;

  afterEach(async () => {
    await ensemble?.stop();
    ensemble = undefined;
  });

  it("catches up through a snapshot sent in many chunks, ends with the leader's tree, and nobody exits", async () => {
    ensemble = await ProcessEnsemble.start({
      ...TEST_ENSEMBLE,
      extraConfig: { snapshotChunkBytes: String(CHUNK_BYTES), commitLogCount: String(COMMIT_LOG_COUNT) },
    });
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.servers.map((s) => s.id).find((id) => id !== leader)!;
    await ensemble.kill(follower);

    const c = await clientOn(ensemble.nativeAddress(leader));
    try {
      // Null data is not empty data: the snapshot must carry the difference (ZooKeeper's DataNode keeps null).
      await c.create("/null-data", null);
      await c.create("/empty-data", new Uint8Array(0));
      await grow(c, ZNODES);
    } finally {
      await c.close();
    }
    const others = ensemble.servers.map((s) => s.id).filter((id) => id !== follower);
    await ensemble.waitForAgreement({ among: others });

    ensemble.restart(follower);
    const caughtUpAtMs = Date.now();
    await ensemble.waitForAgreement({ timeoutMs: 30_000 });
    const installs = await waitUntil(
      "the follower to report its snapshot installed",
      async () => (await metric(ensemble!, follower, "warden_snapshots_installed")) || undefined,
      10_000,
    );
    const chunks = await metric(ensemble, follower, "warden_snapshot_chunks_received");
    console.log(
      `follower ${follower} caught up in ${Date.now() - caughtUpAtMs} ms: ${installs} snapshot(s), ${chunks} chunks of at most ${CHUNK_BYTES} bytes`,
    );
    expect(installs).toBeGreaterThanOrEqual(1);
    expect(chunks).toBeGreaterThanOrEqual((ZNODES * DATA.length) / CHUNK_BYTES);
    expect(await metric(ensemble, leader, "warden_snapshot_chunks_sent")).toBeGreaterThanOrEqual(chunks);

    const [onLeader, onFollower] = await Promise.all([bigTree(ensemble, leader), bigTree(ensemble, follower)]);
    expect(onLeader.size).toBe(ZNODES);
    expect(onFollower).toEqual(onLeader);
    const f = await clientOn(ensemble.nativeAddress(follower));
    try {
      await f.sync("/");
      expect((await f.getData("/null-data")).data).toBeNull();
      expect((await f.getData("/empty-data")).data).toEqual(new Uint8Array(0));
    } finally {
      await f.close();
    }

    for (const s of ensemble.servers) {
      expect(ensemble.isRunning(s.id), `server ${s.id} is running`).toBe(true);
      expect(ensemble.logTail(s.id, 10_000)).not.toMatch(/FATAL|BUG:/);
      expect(await metric(ensemble, s.id, "warden_peer_messages_oversize")).toBe(0);
      expect(await metric(ensemble, s.id, "warden_peer_connections_closed")).toBe(0);
    }
  }, 120_000);
});
