// (b) SIGSTOP of a follower for longer than the session timeout, then SIGCONT: the sessions
// that could move to another server moved and kept their ids and ephemerals; a session that
// knew only the paused server expired (its ephemeral went, everywhere); the follower, resumed,
// catches up and holds every acknowledged write. Also a leader paused past syncLimit × tickTime
// (a hung leader): replaced, and after SIGCONT it follows and catches up.
import { describe, expect, it } from "vitest";
import { waitUntil } from "@warden/testing";
import {
  SESSION_TIMEOUT_MS,
  Writer,
  allWritersProgress,
  clientOn,
  expectEveryServerHasEveryAck,
  sessionProblems,
  writersOn,
  ensembleUnderWrites,
} from "./workload.js";

describe("an ensemble with a server paused (SIGSTOP)", () => {
  const start = ensembleUnderWrites();

  it("a follower paused past the session timeout: the sessions that can move move, expires the one that cannot, and the follower catches up after SIGCONT", async () => {
    const { ensemble, writers } = await start(6);
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.servers.map((s) => s.id).find((id) => id !== leader)!;
    // A session that knows only the follower: it cannot move, so it must expire.
    const pinned = new Writer("pinned", [ensemble.nativeAddress(follower)]);
    writers.push(pinned);
    await pinned.begin();
    const movers = writers.filter((w) => w !== pinned);
    await allWritersProgress(writers, 20, 10_000);
    const onFollower = await writersOn(ensemble, follower, movers);
    expect(onFollower.length, "some movable sessions are on the follower").toBeGreaterThan(0);

    const pausedAtMs = Date.now();
    ensemble.pause(follower);
    const pauseMs = SESSION_TIMEOUT_MS + 2500;
    // While it is stopped: the sessions on it move and write on; the pinned session expires.
    await allWritersProgress(movers, 10, SESSION_TIMEOUT_MS + 2000);
    const onLeader = await clientOn(ensemble.nativeAddress(leader));
    try {
      await waitUntil(
        `the pinned session's ephemeral to go`,
        async () => (await onLeader.sync("/"), (await onLeader.exists(pinned.ephemeral)) === null),
        pauseMs,
      );
    } finally {
      await onLeader.close();
    }
    const expiredAfterMs = Date.now() - pausedAtMs;
    expect(expiredAfterMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - 500);
    await new Promise((r) => setTimeout(r, Math.max(0, pausedAtMs + pauseMs - Date.now())));
    ensemble.resume(follower);

    await ensemble.waitForLeader({ timeoutMs: 15_000 });
    await allWritersProgress(movers, 10, 10_000);
    // The pinned client hears of its expiry once its server is back (or decided it itself).
    await waitUntil("the pinned client to see its session expire", () => pinned.expired, 10_000);
    await Promise.all(writers.map((w) => w.stop()));
    await ensemble.waitForAgreement();

    console.log(
      `follower ${follower} paused ${pauseMs} ms; ${onFollower.length} sessions moved; the pinned session expired ${expiredAfterMs} ms after SIGSTOP`,
    );
    expect(sessionProblems(movers)).toEqual([]);
    for (const w of onFollower) expect((await writersOn(ensemble, follower, [w])).length, `${w.name} left the paused server`).toBe(0);
    await expectEveryServerHasEveryAck(ensemble, writers);
  }, 90_000);

  it("a leader paused past syncLimit × tickTime is replaced, and after SIGCONT it follows, catches up, and no session or acknowledged write is lost", async () => {
    const { ensemble, writers } = await start(6);
    await allWritersProgress(writers, 20, 10_000);
    const old = await ensemble.waitForLeader();
    const onOld = await writersOn(ensemble, old, writers);
    const elsewhere = writers.filter((w) => !onOld.includes(w));
    const pausedAtMs = Date.now();
    ensemble.pause(old);
    const others = ensemble.servers.map((s) => s.id).filter((id) => id !== old);
    const leader = await ensemble.waitForLeader({ among: others, not: old, timeoutMs: 10_000 });
    const electedAfterMs = Date.now() - pausedAtMs;
    await allWritersProgress(elsewhere, 10, 10_000);
    // Resume well within the session timeout: the sessions on the old leader must survive.
    await new Promise((r) => setTimeout(r, Math.max(0, pausedAtMs + SESSION_TIMEOUT_MS / 2 - Date.now())));
    ensemble.resume(old);
    await ensemble.waitForLeader({ timeoutMs: 15_000 });
    expect((await ensemble.state(old))?.role).toBe("follower");
    await allWritersProgress(writers, 20, 10_000);
    await Promise.all(writers.map((w) => w.stop()));
    await ensemble.waitForAgreement();
    console.log(
      `leader ${old} paused ${SESSION_TIMEOUT_MS / 2} ms (${onOld.length} sessions on it); ${leader} elected ${electedAfterMs} ms after SIGSTOP`,
    );
    expect(sessionProblems(writers)).toEqual([]);
    await expectEveryServerHasEveryAck(ensemble, writers);
  }, 90_000);
});
