// (a) SIGKILL of the leader of a three-process ensemble under continuous writes: the other
// two elect a new leader and take writes again; the killed server, restarted on its data,
// rejoins and catches up; sessions are kept and every acknowledged write is on every server.
import { describe, expect, it } from "vitest";
import { allWritersProgress, expectEveryServerHasEveryAck, sessionProblems, writersOn, ensembleUnderWrites } from "./workload.js";

describe("an ensemble whose leader is killed with SIGKILL under writes", () => {
  const start = ensembleUnderWrites();

  it("elects a new leader, writes resume, the restarted server catches up, and no acknowledged write or session is lost", async () => {
    const { ensemble, writers } = await start(6);
    await allWritersProgress(writers, 20, 10_000);

    // Three rounds: each kills whoever leads then, so a restarted server also leads later on.
    for (let round = 1; round <= 3; round++) {
      const old = await ensemble.waitForLeader();
      const onOld = await writersOn(ensemble, old, writers);
      // Sessions start spread over all three; later rounds find them where earlier kills sent them.
      if (round === 1) expect(onOld.length, "some sessions are connected to the leader").toBeGreaterThan(0);
      const killedAtMs = Date.now();
      await ensemble.kill(old);

      const others = ensemble.servers.map((s) => s.id).filter((id) => id !== old);
      const leader = await ensemble.waitForLeader({ among: others, not: old, timeoutMs: 10_000 });
      expect(others).toContain(leader);
      // Writes succeed again, also for the sessions that were on the dead leader.
      const resumedAtMs = Math.min(...(await Promise.all(writers.map((w) => w.moreAcks(1, 10_000)))));
      await allWritersProgress(onOld, 10, 10_000);
      console.log(
        `round ${round}: leader ${old} killed (${onOld.length} sessions on it); ${leader} leads; a write acknowledged ${resumedAtMs - killedAtMs} ms after SIGKILL`,
      );
      await allWritersProgress(writers, 20, 10_000);

      // The killed server, restarted on its data, rejoins and catches up while writes go on.
      ensemble.restart(old);
      await ensemble.waitForLeader({ timeoutMs: 15_000 });
      await allWritersProgress(writers, 20, 10_000);
    }
    await Promise.all(writers.map((w) => w.stop()));

    await ensemble.waitForAgreement();
    expect(sessionProblems(writers)).toEqual([]);
    await expectEveryServerHasEveryAck(ensemble, writers);
  }, 90_000);
});
