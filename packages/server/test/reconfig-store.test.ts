// Configuration entries and snapshot memberships survive a restart of the storage: the log
// keeps a configuration entry (as an empty record, its membership beside it), a snapshot
// keeps the configuration in force at its zxid, and a restarted replica adopts them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeZxid } from "@warden/protocol";
import { Storage } from "@warden/storage";
import type { Entry, Membership } from "@warden/consensus";
import { ReplicationDriver, recoverReplicaState, type ReplicationHost } from "../src/core/replication.js";
import { ConfigStore } from "../src/reconfig/store.js";
import { until } from "./helpers/peer-net.js";

const dirs: string[] = [];
const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lines = new TextEncoder().encode("server.1=127.0.0.1:1:2:participant;127.0.0.1:3\nserver.2=127.0.0.1:4:5:observer;127.0.0.1:6");

async function open(dir: string): Promise<{ storage: Storage; configs: ConfigStore }> {
  const storage = await Storage.open(dir);
  opened.push(() => storage.close());
  return { storage, configs: await ConfigStore.open(storage) };
}

function host(applied: Entry[]): ReplicationHost {
  return {
    applyCommitted: (entries) => void applied.push(...entries),
    statusChanged: () => undefined,
    snapshotOfAppliedState: () => ({ zxid: 0n, parts: [] }),
    installSnapshot: async () => undefined,
    syncDone: () => undefined,
    syncFailed: () => undefined,
    send: () => undefined,
    fatal: (e) => {
      throw e;
    },
  };
}

/** One voter that leads alone, over a real storage: proposes the change and a write after it. */
async function leadAndChange(dir: string): Promise<{ driver: ReplicationDriver; applied: Entry[]; version: bigint }> {
  const { storage, configs } = await open(dir);
  const applied: Entry[] = [];
  const driver = new ReplicationDriver(
    storage,
    host(applied),
    { tickMs: 5, replica: { id: 1, voters: [1], observers: [], random: () => 0.5 } },
    await recoverReplicaState(storage, 0n, configs),
    configs,
  );
  opened.push(() => driver.stop());
  driver.start();
  await until("server 1 leads", () => driver.replica.canPropose());
  const r = driver.replica.proposeMembership({ voters: [1], observers: [2], hostData: lines }, 0n);
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  driver.kick();
  await until("the change commits", () => driver.replica.membership().committed.version === r.zxid);
  driver.propose(new Uint8Array([1, 2, 3, 4, 5]));
  await until("the write after it is applied", () => applied.some((e) => e.payload !== null));
  return { driver, applied, version: r.zxid };
}

describe("configurations survive a restart", () => {
  it("the log keeps a configuration entry with its members and server lines, and a restarted replica adopts it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-reconfig-store-"));
    dirs.push(dir);
    const { driver, version } = await leadAndChange(dir);
    for (const close of opened.splice(0).reverse()) await close();
    void driver;

    const { storage, configs } = await open(dir);
    const recovered = await recoverReplicaState(storage, 0n, configs);
    const config = recovered.entries!.find((e) => e.membership !== undefined);
    expect(config).toEqual({ zxid: version, payload: null, membership: { version, voters: [1], observers: [2], hostData: lines } });
    expect(recovered.entries!.filter((e) => e.payload !== null)).toHaveLength(1);
    const restarted = new ReplicationDriver(
      storage,
      host([]),
      { tickMs: 5, replica: { id: 1, voters: [1], observers: [], random: () => 0.5 } },
      recovered,
      configs,
    );
    opened.push(() => restarted.stop());
    expect(restarted.replica.membership().pending).toMatchObject({ version, observers: [2] });
    restarted.start();
    await until("the restarted leader commits the configuration again", () => restarted.replica.membership().committed.version === version);
    expect(restarted.replica.membership().committed.hostData).toEqual(lines);
  });

  it("a snapshot keeps the configuration in force at its zxid, and a restart from it starts there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-reconfig-store-"));
    dirs.push(dir);
    const { driver, applied, version } = await leadAndChange(dir);
    const at = applied.at(-1)!.zxid;
    const before: Membership = driver.membershipAt(version - 1n);
    expect(before).toMatchObject({ voters: [1], observers: [] });
    const storage = (driver as unknown as { storage: Storage }).storage;
    await driver.writeSnapshot(at, () => storage.writeSnapshot(at, [new Uint8Array([9])]));
    for (const close of opened.splice(0).reverse()) await close();

    const reopened = await open(dir);
    const recovered = await recoverReplicaState(reopened.storage, at, reopened.configs);
    expect(recovered.membership).toEqual({ version, voters: [1], observers: [2], hostData: lines });
    expect(recovered.entries).toEqual([]);
    const restarted = new ReplicationDriver(
      reopened.storage,
      host([]),
      { tickMs: 5, replica: { id: 1, voters: [1], observers: [], random: () => 0.5 } },
      recovered,
      reopened.configs,
    );
    opened.push(() => restarted.stop());
    expect(restarted.replica.membership()).toEqual({ committed: { version, voters: [1], observers: [2], hostData: lines }, pending: null });
  });

  it("an empty record past counter 0 without its stored membership is an error, not a barrier", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-reconfig-store-"));
    dirs.push(dir);
    const { storage, configs } = await open(dir);
    await storage.append([
      { zxid: makeZxid(1, 0), data: new Uint8Array(0) },
      { zxid: makeZxid(1, 1), data: new Uint8Array(0) },
    ]);
    await expect(recoverReplicaState(storage, 0n, configs)).rejects.toThrow(
      /configuration entry at 0x100000001 whose membership is not stored/,
    );
  });
});
