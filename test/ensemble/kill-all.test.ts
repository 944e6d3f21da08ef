// (c) SIGKILL of every server at the same moment under writes, then a restart of all three on
// their data: every acknowledged write is there (a write is acknowledged only after a quorum
// fsynced it), nothing unattempted appears, and each session was either kept (same id, its
// ephemeral there) or seen to expire (its ephemeral gone).
import { describe, expect, it } from "vitest";
import { SESSION_TIMEOUT_MS, allWritersProgress, ackCount, expectEveryServerHasEveryAck, ensembleUnderWrites } from "./workload.js";

describe("an ensemble whose servers are all killed with SIGKILL at once and restarted", () => {
  const start = ensembleUnderWrites();

  it("keeps every acknowledged write, and every session is kept or seen to expire", async () => {
    const { ensemble, writers } = await start(6);
    for (let round = 1; round <= 2; round++) {
      await allWritersProgress(writers, 30, 10_000);
      const acksBefore = ackCount(writers);
      const killedAtMs = Date.now();
      await ensemble.killAll();
      for (const s of ensemble.servers) ensemble.restart(s.id);
      const leader = await ensemble.waitForLeader({ timeoutMs: 20_000 });
      const resumedAtMs = Math.min(...(await Promise.all(writers.map((w) => w.moreAcks(1, 15_000)))));
      console.log(
        `round ${round}: ${acksBefore} writes acknowledged before the kill; ${leader} leads; writes resumed ${resumedAtMs - killedAtMs} ms after SIGKILL of all`,
      );
    }
    await allWritersProgress(writers, 20, 10_000);
    await Promise.all(writers.map((w) => w.stop()));
    await ensemble.waitForAgreement();

    for (const w of writers) {
      if (w.expired) continue; // checked by expectEveryServerHasEveryAck: its ephemeral is gone
      expect(w.client.sessionId, `${w.name} kept its session`).toBe(w.firstSessionId);
    }
    console.log(`sessions kept: ${writers.filter((w) => !w.expired).length} of ${writers.length}`);
    await expectEveryServerHasEveryAck(ensemble, writers);
  }, 90_000);

  it("after a restart later than the session timeout, the sessions expire and their ephemerals go, and no acknowledged write is lost", async () => {
    const { ensemble, writers } = await start(3);
    await allWritersProgress(writers, 30, 10_000);
    await ensemble.killAll();
    await new Promise((r) => setTimeout(r, SESSION_TIMEOUT_MS + 1000));
    for (const s of ensemble.servers) ensemble.restart(s.id);
    await ensemble.waitForLeader({ timeoutMs: 20_000 });
    // New sessions write on; the old ones were declared lost by their clients.
    await allWritersProgress(writers, 10, 15_000);
    expect(writers.map((w) => w.expired)).toEqual(writers.map(() => true));
    expect(writers.map((w) => w.client.sessionId === w.firstSessionId)).toEqual(writers.map(() => false));
    // The new leader gives every recovered session a full timeout before expiring it.
    await new Promise((r) => setTimeout(r, SESSION_TIMEOUT_MS + 1000));
    await Promise.all(writers.map((w) => w.stop()));
    await ensemble.waitForAgreement();
    await expectEveryServerHasEveryAck(ensemble, writers);
  }, 90_000);
});
