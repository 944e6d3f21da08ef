// A real server process killed with SIGKILL in the middle of a write load, then started
// again on the same data directory: the client reattaches its session and every write that
// was acknowledged before the kill is there.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateMode, ConnectionLossError } from "@warden/protocol";
import { createClient, type Client } from "@warden/client";
import { ServerProcess } from "@warden/testing";
import { Inbox, text, waitFor } from "./harness.js";

let dataDir: string;
let server: ServerProcess | undefined;
const clients: Client[] = [];
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "warden-e2e-restart-"));
  server = await ServerProcess.start({ dataDir, settings: { tickTime: "100", minSessionTimeout: "400", maxSessionTimeout: "20000" } });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await server?.kill("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

const WRITERS = 4;
const ACKED_BEFORE_KILL = 300;

describe("a server killed with SIGKILL mid-load and restarted", () => {
  it("keeps every acknowledged write, and the client reattaches the same session", async () => {
    const s = server!;
    const c = createClient(s.connectString, { sessionTimeoutMs: 15_000, reconnectDelayMsMin: 20, reconnectDelayMsMax: 100 });
    clients.push(c);
    await c.connected({ timeoutMs: 5000 });
    const sessionId = c.sessionId;
    await c.create("/load");
    await c.create("/owner", "", { mode: CreateMode.EPHEMERAL });
    await c.create("/counter", "0");
    const states = new Inbox<string>();
    c.on("state", states.push);

    // Writers pipeline creates and setData until the connection drops; only acknowledged
    // writes are recorded (an unacknowledged one may or may not have happened).
    const acked = new Set<string>();
    let lastCounter = 0;
    let stop = false;
    const failures: unknown[] = [];
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          if (i % 4 === 3 && w === 0) {
            const v = lastCounter + 1;
            await c.setData("/counter", String(v));
            lastCounter = v;
          } else {
            acked.add(await c.create(`/load/w${w}-`, `${w}:${i}`, { mode: CreateMode.PERSISTENT_SEQUENTIAL }));
          }
        } catch (e) {
          if (!(e instanceof ConnectionLossError)) failures.push(e);
          return;
        }
      }
    };
    const writing = Array.from({ length: WRITERS }, (_, w) => writer(w));
    await waitFor(`${ACKED_BEFORE_KILL} acknowledged writes`, () => acked.size >= ACKED_BEFORE_KILL, 20_000);
    const exit = await s.kill("SIGKILL");
    expect(exit.signal).toBe("SIGKILL");
    stop = true;
    await Promise.all(writing);
    expect(failures).toEqual([]);
    const ackedAtKill = new Set(acked);
    const counterAtKill = lastCounter;

    await s.restart();
    await states.next("reconnected", 2);
    expect(states.items.slice(0, 2)).toEqual(["disconnected", "reconnected"]);
    expect(c.sessionId).toBe(sessionId);
    expect(await c.getEphemerals()).toEqual(["/owner"]);

    const children = new Set((await c.getChildren("/load")).map((n) => `/load/${n}`));
    const lost = [...ackedAtKill].filter((p) => !children.has(p));
    expect(lost, `acknowledged creates missing after the restart (of ${ackedAtKill.size})`).toEqual([]);
    // A create that was in flight may have been applied too, never more than one per writer.
    expect(children.size - ackedAtKill.size).toBeLessThanOrEqual(WRITERS);
    const counter = Number(text((await c.getData("/counter")).data));
    expect(counter === counterAtKill || counter === counterAtKill + 1).toBe(true);

    // The restarted server goes on serving writes in the same session.
    await c.create("/after-restart");
    expect(await c.exists("/after-restart")).not.toBeNull();
  });

  it("stops gracefully on SIGTERM and starts again with the data", async () => {
    const s = server!;
    const c = createClient(s.connectString, { sessionTimeoutMs: 15_000, reconnectDelayMsMin: 20, reconnectDelayMsMax: 100 });
    clients.push(c);
    await c.connected({ timeoutMs: 5000 });
    await c.create("/graceful", "kept");
    const exit = await s.kill("SIGTERM");
    expect(exit.code, s.output).toBe(0);
    await s.restart();
    await waitFor("the client to reconnect", () => c.state === "connected", 10_000);
    expect(text((await c.getData("/graceful")).data)).toBe("kept");
  });
});
