// Contention across processes: child processes run the built packages against an
// in-process three-server ensemble.
import { afterAll, beforeAll, expect, it } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceDiscovery } from "@warden/recipes";
import { eventually, startEnsemble, type TestEnsemble } from "./helpers/ensemble.js";
import { exited, killAll, lineMatching, runContender } from "./helpers/child.js";

let ensemble: TestEnsemble;
let dir: string;
beforeAll(async () => {
  ensemble = await startEnsemble();
  dir = await mkdtemp(join(tmpdir(), "warden-recipes-mp-"));
});
afterAll(async () => {
  killAll();
  await ensemble.stop();
  await rm(dir, { recursive: true, force: true });
});

it("mutual exclusion holds for many contenders in several processes while a server is stopped", async () => {
  const log = join(dir, "mutex.log");
  const [processes, contenders, rounds] = [3, 4, 10];
  const children = Array.from({ length: processes }, () =>
    runContender(["mutex", ensemble.connectString, "/mp/lock", log, String(contenders), String(rounds)]),
  );
  await eventually(async () => (await readFile(log, "utf8").catch(() => "")).split("enter").length > 10, 20_000, "contention to start");
  const leader = ensemble.leaderId()!;
  await ensemble.stopServer(leader);
  await new Promise((r) => setTimeout(r, 1500));
  const during = (await readFile(log, "utf8")).split("enter").length;
  await ensemble.startServer(leader);
  const codes = await Promise.race([
    Promise.all(children.map(exited)),
    new Promise<never>((_, reject) =>
      setTimeout(
        async () => reject(new Error(`contenders stuck; log tail:\n${(await readFile(log, "utf8")).split("\n").slice(-15).join("\n")}`)),
        30_000,
      ),
    ),
  ]);
  expect(codes).toEqual(Array(processes).fill(0));
  const all = (await readFile(log, "utf8")).trim().split("\n");
  const lines = all.filter((l) => !l.startsWith("retry"));
  console.log(`entries before the restart ${during}, retries ${all.length - lines.length}`);
  let holder: string | undefined;
  for (const line of lines) {
    const [what, who] = line.split(" ");
    if (what === "enter") {
      expect(holder, `${who} entered while ${holder} held the lock`).toBeUndefined();
      holder = who;
    } else {
      expect(who).toBe(holder);
      holder = undefined;
    }
  }
  expect(lines.filter((l) => l.startsWith("enter"))).toHaveLength(processes * contenders * rounds);
  expect(lines.filter((l) => l.endsWith("lost"))).toEqual([]);
}, 60_000);

it("an instance whose process is SIGKILLed vanishes from discovery within its session timeout", async () => {
  const observer = await ensemble.client();
  const discovery = new ServiceDiscovery(observer, "victim", { basePath: "/mp-services" });
  await discovery.start();
  const child = runContender(["register", ensemble.connectString, "/mp-services", "victim", "v1", "1000"]);
  const line = await lineMatching(child, /^registered/);
  const sessionTimeoutMs = Number(line.split(" ")[1]);
  await eventually(() => discovery.instances().length === 1, 5000, "registration seen");
  const killedAt = Date.now();
  child.kill("SIGKILL");
  await eventually(() => discovery.instances().length === 0, sessionTimeoutMs + 2000, "the instance to vanish");
  const goneAfterMs = Date.now() - killedAt;
  // The leader expires a session within a tick or two after its timeout.
  expect(goneAfterMs).toBeLessThan(sessionTimeoutMs + 500);
  await discovery.close();
});
