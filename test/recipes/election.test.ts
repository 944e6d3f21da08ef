import { afterAll, beforeAll, expect, it } from "vitest";
import { LeaderLatch, LeaderSelector } from "@warden/recipes";
import { eventually, startEnsemble, type TestEnsemble } from "./helpers/ensemble.js";
import { proxyTo } from "./helpers/proxy.js";

let ensemble: TestEnsemble;
beforeAll(async () => {
  ensemble = await startEnsemble();
});
afterAll(async () => {
  await ensemble.stop();
});

/** Records how many participants believe they lead, failing at the first moment two do. */
function leaderMonitor() {
  let leaders = 0;
  let maxLeaders = 0;
  const history: string[] = [];
  return {
    track(latch: LeaderLatch) {
      latch.on("isLeader", () => {
        leaders++;
        maxLeaders = Math.max(maxLeaders, leaders);
        history.push(`+${latch.id}`);
      });
      latch.on("notLeader", () => {
        leaders--;
        history.push(`-${latch.id}`);
      });
    },
    get leaders() {
      return leaders;
    },
    get maxLeaders() {
      return maxLeaders;
    },
    history,
  };
}

it("leader latch: exactly one leader at a time, through closes, a server's failure and a partitioned leader", async () => {
  const proxy = await proxyTo(ensemble.nativePorts);
  const monitor = leaderMonitor();
  const latches: LeaderLatch[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const client = await ensemble.client(i === 0 ? { connectString: proxy.connectString, sessionTimeoutMs: 800 } : {});
      const latch = new LeaderLatch(client, "/election/latch", { id: `p${i}` });
      monitor.track(latch);
      latches.push(latch);
      await latch.start();
    }
    await latches[0]!.await({ timeoutMs: 5000 });
    expect(latches.map((l) => l.hasLeadership)).toEqual([true, false, false, false, false]);
    expect((await latches[4]!.participants()).map((p) => p.id)).toEqual(["p0", "p1", "p2", "p3", "p4"]);

    // The partitioned leader steps down at once (suspended), and p1 leads only after p0's session expired.
    proxy.cut();
    await eventually(() => !latches[0]!.hasLeadership, 3000, "p0 to step down");
    await latches[1]!.await({ timeoutMs: 5000 });
    proxy.heal();
    // p0 comes back with a new session, at the back of the line.
    await eventually(async () => (await latches[1]!.participants()).at(-1)?.id === "p0", 5000, "p0 to rejoin");
    expect(latches[0]!.hasLeadership).toBe(false);

    // A stopped server moves sessions; the leader stays the leader.
    const leader = ensemble.leaderId()!;
    await ensemble.stopServer(leader);
    await new Promise((r) => setTimeout(r, 500));
    await ensemble.startServer(leader);
    await eventually(() => latches.filter((l) => l.hasLeadership).length === 1, 5000, "one leader");

    // Closing leaders hands over in queue order.
    for (const next of [2, 3, 4, 0]) {
      await latches.find((l) => l.hasLeadership)!.close();
      await latches[next]!.await({ timeoutMs: 5000 });
    }
    if (monitor.maxLeaders !== 1) console.log("HISTORY", monitor.history.join(" "));
    expect(monitor.maxLeaders).toBe(1);
  } finally {
    await Promise.all(latches.map((l) => l.close()));
    await proxy.close();
  }
});

it("leader selector: one takeLeadership at a time, requeued, and cancelled on a lost connection", async () => {
  const proxy = await proxyTo(ensemble.nativePorts);
  let running = 0;
  let maxRunning = 0;
  const terms: string[] = [];
  const selectors: LeaderSelector[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const client = await ensemble.client(i === 0 ? { connectString: proxy.connectString, sessionTimeoutMs: 800 } : {});
      const name = `s${i}`;
      const selector = new LeaderSelector(client, "/election/selector", {
        autoRequeue: true,
        takeLeadership: async (signal) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          terms.push(name);
          // s0 leads until its connection is cut; the others lead briefly.
          await new Promise<void>((resolve) => {
            if (name !== "s0") return void setTimeout(resolve, 30);
            signal.addEventListener("abort", () => resolve(), { once: true });
          });
          running--;
        },
      });
      selectors.push(selector);
      selector.start();
      if (i === 0) await eventually(() => selector.hasLeadership, 5000, "s0 leads");
    }
    proxy.cut(); // s0's signal aborts; its term ends
    await eventually(() => terms.filter((t) => t !== "s0").length >= 6, 10_000, "terms of s1 and s2");
    proxy.heal();
    await eventually(() => terms.lastIndexOf("s0") > 0, 10_000, "s0 to lead again after requeueing");
    expect(maxRunning).toBe(1);
  } finally {
    await Promise.all(selectors.map((s) => s.close()));
    await proxy.close();
  }
});
