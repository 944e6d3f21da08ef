// Reconfiguration under injected faults, on real processes: a follower, then the leader, is
// killed (SIGKILL) while a 3 -> 5 reconfig asked of another follower is in flight; then the
// leader is killed once it proposed the change, which cannot commit because the third member and
// the spares hang (SIGSTOP) until after the kill; and the same hung quorum without a kill (the
// leader, short of its new quorum, steps down: the client learns it in about 1.4 s here). The client is
// answered (success, or an error) within a bound; the running servers converge on one committed
// configuration (the one a success reported); writes go on; the killed server, started again,
// comes back in that configuration.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessEnsemble, waitUntil } from "@warden/testing";
import type { Client } from "@warden/client";
import { ProcessSpares } from "./process-spares.js";

const TICK_MS = 100;
/** The bound the server puts on a reconfig's answer: 2 × (initLimit + syncLimit) ticks (10 and 5 here). */
const ANSWER_WITHIN_MS = 2 * (10 + 5) * TICK_MS;

let e: ProcessEnsemble | undefined;
const sp = new ProcessSpares(() => e!);

beforeAll(async () => {
  e = await ProcessEnsemble.start({ count: 3, tickTimeMs: TICK_MS, extraConfig: { reconfigEnabled: "true", skipACL: "yes" } });
  await Promise.all([4, 5].map((id) => sp.start(id)));
}, 90_000);

afterAll(async () => {
  await sp.stop();
  await e?.stop();
});

const running = (id: number) => (id <= 3 ? e!.isRunning(id) : sp.spares.get(id)!.child.exitCode === null);

/**
 * The leader among every running server, spares included: once 4 and 5 vote, one of them may lead.
 * `not`: a server that must not be it (the one just killed).
 */
async function leaderOfAll(opts: { not?: number; timeoutMs?: number } = {}): Promise<number> {
  return waitUntil(
    `a leader among servers 1-5${opts.not === undefined ? "" : ` other than ${opts.not}`}`,
    async () => {
      for (const id of [1, 2, 3, 4, 5]) if (id !== opts.not && running(id) && (await sp.role(id)) === "leader") return id;
      return undefined;
    },
    opts.timeoutMs ?? 30_000,
    50,
  );
}

/** Shrinks the configuration back to 1-3 if an earlier test left 4 and 5 voting; returns the leader. */
async function backToThree(): Promise<number> {
  const leader = await leaderOfAll();
  if ((await converged(leader)).members.length !== 5) return leader;
  await (await client([1, 2, 3].find((id) => id !== leader)!)).reconfig({ leaving: [4, 5] });
  await waitUntil("the spares stop voting", async () => (await sp.role(4)) === "observer" && (await sp.role(5)) === "observer", 20_000, 50);
  return leaderOfAll();
}

/** A reconfig's outcome, success or error, with how long its answer took. */
function timedReconfig(admin: Client, spec: Parameters<Client["reconfig"]>[0]) {
  const asking = Date.now();
  return admin.reconfig(spec).then(
    (r) => ({ ok: true as const, r, ms: Date.now() - asking }),
    (err: unknown) => ({ ok: false as const, err, ms: Date.now() - asking }),
  );
}

/** A success is what everyone has; a failure may have committed or not, but one of the two configurations is everywhere. */
function expectOneOfBoth(agreed: { version: bigint; members: number[] }, o: Awaited<ReturnType<typeof timedReconfig>>): void {
  if (o.ok) expect(agreed.version).toBe(o.r.stat.mzxid);
  expect([
    [1, 2, 3],
    [1, 2, 3, 4, 5],
  ]).toContainEqual(agreed.members);
}

const clients = new Map<number, Client>();
async function client(id: number): Promise<Client> {
  if (!clients.has(id)) clients.set(id, await sp.clientOf(id));
  return clients.get(id)!;
}

/** SIGKILL to member `id`; its client goes too (a new one is made when it is back). */
async function kill(id: number): Promise<void> {
  await e!.kill(id);
  await clients
    .get(id)
    ?.close()
    .catch(() => undefined);
  clients.delete(id);
}

/** /zookeeper/config as server `id` shows it, or undefined while it cannot answer. */
async function configOn(id: number): Promise<{ text: string; version: bigint; members: number[] } | undefined> {
  try {
    const c = await client(id);
    const r = await c.getConfig();
    return { text: r.text, version: r.stat.mzxid, members: r.config!.servers.map((s) => s.id) };
  } catch {
    return undefined;
  }
}

/** Waits until every running member of the configuration `via` shows agrees on it; returns it. */
async function converged(via: number): Promise<{ text: string; version: bigint; members: number[] }> {
  let agreed: { text: string; version: bigint; members: number[] } | undefined;
  await waitUntil(
    "the running members agree on one configuration",
    async () => {
      const seen = await configOn(via);
      if (!seen) return false;
      for (const id of seen.members.filter(running)) {
        const other = await configOn(id);
        if (other?.text !== seen.text || other.version !== seen.version) return false;
      }
      agreed = seen;
      return true;
    },
    30_000,
    100,
  );
  return agreed!;
}

/** A write through server `id`, retried while an election or a reconnect is under way. */
async function write(id: number, path: string): Promise<void> {
  await waitUntil(
    `a write through server ${id}`,
    async () => {
      try {
        await (await client(id)).create(path, "x");
        return true;
      } catch (err) {
        if ((err as { zkCode?: number }).zkCode === -110) return true; // NodeExists: a retry of one that landed
        return false;
      }
    },
    30_000,
    100,
  );
}

describe("reconfig under injected faults on real processes", () => {
  it("a follower killed during 3 -> 5: the change commits, writes go on, the follower comes back in it", async () => {
    const leader = await leaderOfAll();
    const [asked, victim] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
    const admin = await client(asked);
    const pending = admin.reconfig({ joining: [sp.line(4), sp.line(5)] });
    await kill(victim);
    const result = await pending;
    expect(result.config!.servers.map((s) => s.id)).toEqual([1, 2, 3, 4, 5]);
    await write(leader, "/after-follower-kill");
    const agreed = await converged(leader);
    expect(agreed.version).toBe(result.stat.mzxid);
    e!.restart(victim);
    await waitUntil(`server ${victim} follows again`, async () => (await sp.role(victim)) === "follower", 30_000, 50);
    expect((await converged(victim)).version).toBe(result.stat.mzxid);
    await write(victim, "/via-restarted-follower");
  }, 120_000);

  it("the leader killed during 3 -> 5: the client is answered within the bound, one configuration is committed everywhere, writes go on", async () => {
    // Back to 3 first (no fault).
    const before = await leaderOfAll();
    const shrunk = await (await client([1, 2, 3].find((id) => id !== before)!)).reconfig({ leaving: [4, 5] });
    expect(shrunk.config!.servers.map((s) => s.id)).toEqual([1, 2, 3]);
    await waitUntil(
      "the spares stop voting",
      async () => (await sp.role(4)) === "observer" && (await sp.role(5)) === "observer",
      20_000,
      50,
    );

    const leader = await leaderOfAll();
    const asked = [1, 2, 3].find((id) => id !== leader)!;
    const admin = await client(asked);
    const outcome = timedReconfig(admin, { joining: [sp.line(4), sp.line(5)] });
    await kill(leader);
    const o = await outcome;
    // Answered, whatever the outcome: never left hanging (a bound of answerWithinMs, plus slack for a loaded machine).
    expect(o.ms).toBeLessThan(ANSWER_WITHIN_MS + 5000);
    const next = await leaderOfAll({ not: leader, timeoutMs: 30_000 });
    await write(next, "/after-leader-kill");
    const agreed = await converged(next);
    expectOneOfBoth(agreed, o);
    e!.restart(leader);
    await waitUntil(`server ${leader} follows again`, async () => (await sp.role(leader)) === "follower", 30_000, 50);
    expect((await converged(leader)).version).toBe(agreed.version);
    await write(leader, "/via-restarted-leader");
    console.log(
      `leader killed during 3 -> 5: ${o.ok ? "committed" : `failed (${(o.err as Error).message})`} after ${o.ms} ms; configuration ${agreed.members.join(",")} everywhere`,
    );
  }, 120_000);

  it("the leader killed once it proposed 3 -> 5 that cannot commit (the third member and the spares hung): one configuration everywhere once they resume", async () => {
    const leader = await backToThree();
    const [asked, third] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
    const admin = await client(asked);
    const proposals = () => readFileSync(join(e!.server(leader).dir, "server.log"), "utf8").split("reconfig proposed as version").length;
    const before = proposals();
    // Hung, they still count as synced for a while: the leader proposes, and the new quorum
    // (3 of 5: the leader and the asked follower only) is out of reach.
    e!.pause(third);
    sp.pause(4, true);
    sp.pause(5, true);
    let settled = false;
    const outcome = timedReconfig(admin, { joining: [sp.line(4), sp.line(5)] });
    void outcome.then(() => (settled = true));
    await waitUntil("the leader proposed the change (or the client was answered)", () => proposals() > before || settled, 10_000, 5);
    const proposed = proposals() > before;
    await kill(leader);
    const o = await outcome;
    expect(o.ms).toBeLessThan(ANSWER_WITHIN_MS + 5000);
    e!.resume(third);
    sp.pause(4, false);
    sp.pause(5, false);
    const next = await leaderOfAll({ not: leader, timeoutMs: 30_000 });
    await write(next, "/after-hung-quorum");
    const agreed = await converged(next);
    expectOneOfBoth(agreed, o);
    e!.restart(leader);
    await waitUntil(
      `server ${leader} answers again`,
      async () => ["follower", "observer"].includes((await sp.role(leader)) ?? ""),
      30_000,
      50,
    );
    expect((await converged(next)).version).toBe(agreed.version);
    console.log(
      `leader killed ${proposed ? "after proposing" : "before proposing"} 3 -> 5 with its new quorum hung: ${o.ok ? "committed" : `failed (${(o.err as Error).message})`} after ${o.ms} ms; configuration ${agreed.members.join(",")} everywhere`,
    );
  }, 120_000);

  it("a 3 -> 5 that cannot commit while nothing else fails (the third member and the spares hung) is answered within the bound", async () => {
    const leader = await backToThree();
    const [asked, third] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
    const admin = await client(asked);
    e!.pause(third);
    sp.pause(4, true);
    sp.pause(5, true);
    const o = await timedReconfig(admin, { joining: [sp.line(4), sp.line(5)] });
    e!.resume(third);
    sp.pause(4, false);
    sp.pause(5, false);
    expect(o.ms).toBeLessThan(ANSWER_WITHIN_MS + 5000);
    const next = await leaderOfAll({ timeoutMs: 30_000 });
    await write(next, "/after-unreachable-quorum");
    const agreed = await converged(next);
    if (o.ok) expect(agreed.version).toBe(o.r.stat.mzxid);
    console.log(
      `3 -> 5 with its new quorum hung: ${o.ok ? "committed" : `failed (${(o.err as Error).message})`} after ${o.ms} ms; configuration ${agreed.members.join(",")} everywhere`,
    );
  }, 120_000);
});
