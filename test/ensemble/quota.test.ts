// Quota stats on a 3-server ensemble: every server keeps the same stats node data (they are
// derived by apply from the same txns), including a follower that was killed, missed writes and
// came back through its snapshot and log; the leader refuses past a hard limit for writes sent
// through any server.
import { afterEach, describe, expect, it } from "vitest";
import { QuotaExceededError, quotaStatPath } from "@warden/protocol";
import { setQuota, type Client } from "@warden/client";
import { ProcessEnsemble } from "@warden/testing";
import { TEST_ENSEMBLE, clientOn } from "./workload.js";

const QUOTAS = ["/tenant/a", "/tenant/b"];

async function statsOn(ensemble: ProcessEnsemble, id: number): Promise<string[]> {
  const c = await clientOn(ensemble.nativeAddress(id));
  try {
    await c.sync("/");
    return await Promise.all(QUOTAS.map(async (q) => new TextDecoder().decode((await c.getData(quotaStatPath(q))).data!)));
  } finally {
    await c.close();
  }
}

async function fill(c: Client, base: string, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => c.create(`${base}/n${i}`, "x".repeat(i))));
}

describe("quotas on an ensemble", () => {
  let ensemble: ProcessEnsemble | undefined;
  afterEach(async () => {
    await ensemble?.stop();
    ensemble = undefined;
  });

  it("every server shows the same stats, a restarted follower included, and a hard limit holds through any server", async () => {
    ensemble = await ProcessEnsemble.start({ ...TEST_ENSEMBLE, extraConfig: { enforceQuota: "true", snapCount: "10" } });
    const leader = await ensemble.waitForLeader();
    const [f1, f2] = ensemble.servers.map((s) => s.id).filter((id) => id !== leader) as [number, number];
    const c = await clientOn(ensemble.nativeAddress(f1));
    try {
      await c.create("/tenant");
      for (const q of QUOTAS) await c.create(q, "root");
      await setQuota(c, "/tenant/a", "count", 10);
      await setQuota(c, "/tenant/b", "countHardLimit", 8);
      await fill(c, "/tenant/a", 12);
      await ensemble.kill(f2);
      await fill(c, "/tenant/b", 7);
      await Promise.all(Array.from({ length: 12 }, (_, i) => c.delete(`/tenant/a/n${i}`).then(() => c.create(`/tenant/a/m${i}`, "yy"))));
      await expect(c.create("/tenant/b/over")).rejects.toBeInstanceOf(QuotaExceededError);
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n${ensemble.servers.map((s) => `--- server ${s.id}:\n${ensemble!.logTail(s.id, 30)}`).join("\n")}`,
      );
    } finally {
      await c.close();
    }
    ensemble.restart(f2);
    await ensemble.waitForAgreement({ timeoutMs: 30_000 });
    const expected = ["count=13,bytes=28", `count=8,bytes=${4 + 21}`];
    for (const s of ensemble.servers) expect(await statsOn(ensemble, s.id), `server ${s.id}`).toEqual(expected);
    // Through the restarted follower, the hard limit still holds.
    const d = await clientOn(ensemble.nativeAddress(f2));
    try {
      await expect(d.create("/tenant/b/over")).rejects.toBeInstanceOf(QuotaExceededError);
      await d.delete("/tenant/b/n0");
      await d.create("/tenant/b/fits");
    } finally {
      await d.close();
    }
  }, 120_000);
});
