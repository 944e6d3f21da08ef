import { describe, expect, it } from "vitest";
import { Storage, type SnapshotReader } from "@warden/storage";
import { snapshotChunks } from "./fixtures/payload.mjs";
import { payloadOf, tempDir } from "./helpers.js";
import { startFixture } from "./process.js";

// Real processes, real SIGKILL. The child (fixtures/crash-child.mjs, built dist) appends as fast
// as it can and prints each acknowledged zxid; we kill it at a random moment, recover in this
// process and check: every acknowledged zxid is there, in order, byte for byte, nothing else.
// STORAGE_CRASH_KILLS sets the kills per scenario (default small for CI); STORAGE_CRASH_SEED
// replays a run.

const KILLS = Number(process.env.STORAGE_CRASH_KILLS ?? 5);
const SEED = Number(process.env.STORAGE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILL_DELAY_MS_MIN = 20;
const KILL_DELAY_MS_MAX = 400;

function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function runAndKill(dir: string, mode: string, childSeed: number, delayMs: number) {
  const run = startFixture("crash-child.mjs", [dir, mode, String(childSeed)]);
  await run.waitFor("ready");
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  run.child.kill("SIGKILL");
  await run.exited;
  const last = (prefix: string) => {
    const found = run.lines.filter((line) => line.startsWith(prefix)).map((line) => BigInt(line.split(" ")[1]!));
    return found.length === 0 ? undefined : found[found.length - 1];
  };
  return { ackedZxid: last("ack "), snapshotZxid: last("snap "), acks: run.lines.length };
}

async function snapshotMatches(snapshot: SnapshotReader): Promise<boolean> {
  const expected = [...snapshotChunks(snapshot.zxid)];
  let i = 0;
  for await (const chunk of snapshot.chunks) {
    if (!Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).equals(expected[i++]!)) return false;
  }
  return i === expected.length;
}

/** Recovers like a server would and checks the log against everything acknowledged. */
async function recoverAndCheck(dir: string, ackedZxid: bigint, ackedSnapshotZxid: bigint | undefined, context: string) {
  const storage = await Storage.open(dir);
  try {
    expect(storage.lastZxid, context).toBeGreaterThanOrEqual(ackedZxid);
    const loaded = await storage.loadNewestSnapshot(snapshotMatches);
    expect(loaded.skipped, context).toEqual([]);
    if (ackedSnapshotZxid !== undefined) {
      expect(loaded.snapshot?.zxid, context).toBeGreaterThanOrEqual(ackedSnapshotZxid);
      expect(loaded.snapshot?.value, context).toBe(true);
    }
    const base = storage.logFloorZxid;
    let expectedZxid = base + 1n;
    for await (const entry of storage.readLog(base)) {
      expect(entry.zxid, context).toBe(expectedZxid);
      expect(Buffer.from(entry.data).equals(payloadOf(entry.zxid)), `${context}: data of ${entry.zxid}`).toBe(true);
      expectedZxid++;
    }
    expect(expectedZxid - 1n, context).toBe(storage.lastZxid);
    return storage.lastZxid;
  } finally {
    await storage.close();
  }
}

describe.each(["append", "snapshot"])("after SIGKILL during %s", (mode) => {
  it(`recovery holds every acknowledged zxid in order and nothing invented (${KILLS} kills, seed ${SEED})`, async () => {
    const dir = await tempDir();
    const random = seededRandom(SEED + (mode === "snapshot" ? 1 : 0));
    let ackedZxid = 0n;
    let ackedSnapshotZxid: bigint | undefined;
    let totalAcks = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const delayMs = KILL_DELAY_MS_MIN + Math.floor(random() * (KILL_DELAY_MS_MAX - KILL_DELAY_MS_MIN));
      const result = await runAndKill(dir, mode, Math.floor(random() * 2 ** 31), delayMs);
      if (result.ackedZxid !== undefined) ackedZxid = result.ackedZxid;
      if (result.snapshotZxid !== undefined) ackedSnapshotZxid = result.snapshotZxid;
      totalAcks += result.acks;
      const context = `seed ${SEED}, kill ${kill} after ${delayMs} ms (replay: STORAGE_CRASH_SEED=${SEED})`;
      await recoverAndCheck(dir, ackedZxid, ackedSnapshotZxid, context);
    }
    expect(totalAcks).toBeGreaterThan(KILLS);
    if (mode === "snapshot") expect(ackedSnapshotZxid).toBeDefined();
  }, 120_000);
});
