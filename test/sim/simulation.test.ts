import { execSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatFailure, runSeed } from "@warden/testing";
import type { SimOverrides } from "@warden/testing";

// CI seeds come from the commit (random across commits, replayable for each); override with
// WARDEN_SIM_SEED. Every failure prints the `npm run sim -- --seed N ...` line that replays it.
function baseSeed(): number {
  if (process.env.WARDEN_SIM_SEED !== undefined) return Number(process.env.WARDEN_SIM_SEED);
  try {
    return parseInt(execSync("git rev-parse HEAD", { encoding: "utf8" }).slice(0, 8), 16) | 0;
  } catch {
    return 20_240_601;
  }
}

async function seedsKeepEveryInvariant(runs: number, overrides: SimOverrides): Promise<void> {
  console.log(`simulation: ${runs} seeds, fast-check seed ${baseSeed()}, overrides ${JSON.stringify(overrides)}`);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
      const r = await runSeed(seed, overrides);
      if (!r.ok) throw new Error(formatFailure(r));
    }),
    { numRuns: runs, seed: baseSeed(), endOnFailure: true },
  );
}

describe("deterministic simulation: crashes, partitions, loss, duplication, reordering", () => {
  it("400 seeds of 3 voters with the kv machine keep every invariant and converge after healing", async () => {
    await seedsKeepEveryInvariant(400, { voters: 3 });
  }, 300_000);

  it("400 seeds of 5 voters with the kv machine keep every invariant and converge after healing", async () => {
    await seedsKeepEveryInvariant(400, { voters: 5 });
  }, 300_000);

  it("100 seeds of 3 voters with the real tree (WardenNode) keep every invariant and converge", async () => {
    await seedsKeepEveryInvariant(100, { voters: 3, machine: "tree" });
  }, 300_000);

  it("100 seeds of 5 voters with the real tree (WardenNode) keep every invariant and converge", async () => {
    await seedsKeepEveryInvariant(100, { voters: 5, machine: "tree" });
  }, 300_000);

  it("150 seeds of membership changes under faults (grow, shrink, replace, remove the leader, voter<->observer) keep every invariant, across configurations", async () => {
    await seedsKeepEveryInvariant(150, { reconfig: true });
  }, 300_000);

  it("membership changes of every kind commit under faults, and removed leaders hand over", async () => {
    const kinds: Record<string, number> = {};
    let handOvers = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = await runSeed(seed, { reconfig: true });
      if (!r.ok) throw new Error(formatFailure(r));
      for (const [k, n] of Object.entries(r.stats.reconfigKinds)) kinds[k] = (kinds[k] ?? 0) + n;
      handOvers += r.stats.handOvers;
    }
    console.log(`membership changes committed over seeds 1-20: ${JSON.stringify(kinds)}, hand-overs ${handOvers}`);
    for (const kind of ["grow", "shrink", "replace", "remove-leader", "voter-to-observer"]) expect(kinds[kind] ?? 0).toBeGreaterThan(2);
    expect(handOvers).toBeGreaterThan(2);
  }, 120_000);

  it("a leader asked for a snapshot right after an epoch barrier gives one its replica accepts (tree seed 38 hung)", async () => {
    const r = await runSeed(38, { machine: "tree" });
    if (!r.ok) throw new Error(formatFailure(r));
  }, 60_000);

  it("a leader whose proposal is refused (busy) holds writes until its in-flight ones apply (tree seed 172 reused a version)", async () => {
    const r = await runSeed(172, { machine: "tree" });
    if (!r.ok) throw new Error(formatFailure(r));
  }, 60_000);

  it("snapshots travel in many chunks under loss, duplication, reordering, superseding and crashes mid-transfer, every invariant kept", async () => {
    const totals = { transfers: 0, chunks: 0, installs: 0, superseded: 0, midTransferCrashes: 0 };
    for (let seed = 1; seed <= 30; seed++) {
      const r = await runSeed(seed, { voters: 3 });
      if (!r.ok) throw new Error(formatFailure(r));
      totals.transfers += r.stats.snapshotTransfers;
      totals.chunks += r.stats.snapshotChunks;
      totals.installs += r.stats.snapshotInstalls;
      totals.superseded += r.stats.transfersSuperseded;
      totals.midTransferCrashes += r.stats.midTransferCrashes;
    }
    console.log(`snapshot transfer over seeds 1-30: ${JSON.stringify(totals)}`);
    expect(totals.installs).toBeGreaterThan(30);
    expect(totals.chunks).toBeGreaterThan(4 * totals.installs);
    expect(totals.superseded).toBeGreaterThan(0);
    expect(totals.midTransferCrashes).toBeGreaterThan(5);
  }, 120_000);

  it("a seed replays exactly: same options, same events, same outcome", async () => {
    const a = await runSeed(424242);
    const b = await runSeed(424242);
    expect(a.ok).toBe(true);
    expect(b.stats).toEqual(a.stats);
    expect(b.trace).toEqual(a.trace);
    expect(a.replay).toBe("npm run sim -- --seed 424242");
  });
});

/** The simulation must find each planted bug within `seedsMax` seeds. */
async function firstFailure(overrides: SimOverrides, seedsMax: number) {
  for (let seed = 1; seed <= seedsMax; seed++) {
    const r = await runSeed(seed, { safetyMs: 5_000, ...overrides });
    if (!r.ok) return r;
  }
  return null;
}

describe("the simulation catches planted bugs", () => {
  it("acknowledging entries before the fsync breaks durability on a quorum", async () => {
    const r = await firstFailure({ hostBugs: { ackBeforeFsync: true } }, 50);
    expect(r?.failure).toMatch(/committed-is-durable-on-quorum|acknowledged-write-committed|committed-prefix/);
    expect(r?.replay).toContain("--bug ack-before-fsync");
  });

  it("committing without a quorum of acknowledgements is found", async () => {
    const r = await firstFailure({ plantedBugs: { commitWithoutQuorum: true } }, 50);
    expect(r?.failure).toMatch(/committed-is-durable-on-quorum|committed-prefix-agreement/);
  });

  it("granting votes without the log up-to-date check loses committed entries", async () => {
    const r = await firstFailure({ plantedBugs: { voteWithoutLogCheck: true } }, 200);
    expect(r?.failure).toMatch(/SimViolation|ConsensusInvariantError|PeerMessageRefusedError/);
  });

  it("granting pre-votes while a leader is still heard lets a blipping follower depose it", async () => {
    const r = await firstFailure({ plantedBugs: { preVoteIgnoresLease: true } }, 20);
    expect(r?.failure).toMatch(/no-disruption-after-healing/);
    expect(r?.replay).toContain("--bug prevote-ignores-lease");
  });

  it("a leader whose Preparer keeps uncommitted changes into its next term is found (tree)", async () => {
    const r = await firstFailure({ machine: "tree", safetyMs: 40_000, hostBugs: { keepPreparer: true } }, 60);
    expect(r?.failure).toMatch(/txn-matches-spec|sequential-names-never-repeat|versions-only-grow|state-equals-replay|committed-prefix/);
    expect(r?.replay).toContain("--machine tree");
    expect(r?.replay).toContain("--bug keep-preparer");
  });

  it("a follower that installs a snapshot when its last chunk arrives, an earlier chunk still missing, is found", async () => {
    const r = await firstFailure({ plantedBugs: { installBeforeLastChunk: true } }, 30);
    expect(r?.failure).toMatch(/snapshot-installed-whole|state-equals-replay|PeerMessageRefusedError.*cannot be loaded/);
    expect(r?.replay).toContain("--bug install-before-last-chunk");
  });

  it("committing a membership change (and what follows it) with the new configuration's quorum alone is found", async () => {
    const r = await firstFailure({ reconfig: true, plantedBugs: { commitWithNewQuorumOnly: true } }, 60);
    expect(r?.failure).toMatch(/committed-on-quorum-of-each-configuration|committed-prefix-agreement|one-leader-per-epoch/);
    expect(r?.replay).toContain("--reconfig --bug commit-with-new-quorum-only");
  }, 120_000);

  it("adopting a configuration only when it commits (the old quorum alone decides the change) is found", async () => {
    const r = await firstFailure({ reconfig: true, plantedBugs: { adoptOnCommit: true } }, 60);
    expect(r?.failure).toMatch(/committed-on-quorum-of-each-configuration|committed-prefix-agreement|one-leader-per-epoch/);
    expect(r?.replay).toContain("--reconfig --bug adopt-on-commit");
  }, 120_000);

  it("a deposed leader that keeps reporting an empty Ready is found (the SIGSTOP hang)", async () => {
    const r = await firstFailure({ plantedBugs: { readyAfterStepDown: true } }, 100);
    expect(r?.failure).toMatch(/Ready never settles/);
    expect(r?.replay).toContain("--bug ready-after-step-down");
  });
});
