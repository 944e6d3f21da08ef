// ZooKeeper clients nobody here wrote, against a three-server Warden ensemble of separate
// processes: each client's server is killed with SIGKILL and the client must move to another
// server with the same session, its ephemerals and its watches.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalEnsemble } from "@warden/server";
import {
  COMPAT_DIR,
  describeWithTool,
  fourLetterWord,
  kazooPython,
  killServer,
  serverHoldingSession,
  startEnsemble,
  startProgram,
  stopEnsemble,
  waitFor,
} from "./helpers.js";
import { call, closeClient, connectClient, nextEvent, sessionIdHex, zookeeper, type NzkClient } from "./nzk.js";

const { CreateMode, Event } = zookeeper;
const python = kazooPython();

/** Starts a killed server again from its own zoo.cfg and records the new pid for stopEnsemble. */
async function restartServer(e: LocalEnsemble, id: number): Promise<void> {
  const s = e.servers.find((x) => x.id === id)!;
  const log = openSync(join(s.dir, "server.log"), "a");
  const child = spawn(process.execPath, [join(COMPAT_DIR, "launch-server.mjs"), "server", "--config", join(s.dir, "zoo.cfg")], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  child.unref();
  s.pid = child.pid!;
  const state = join(e.dir, "ensemble.json");
  const saved = JSON.parse(readFileSync(state, "utf8")) as LocalEnsemble;
  saved.servers.find((x) => x.id === id)!.pid = s.pid;
  writeFileSync(state, JSON.stringify(saved, null, 2));
  await waitFor(
    `server ${id} to serve again`,
    async () => /\nMode: (leader|follower)\n/.test(await fourLetterWord(`127.0.0.1:${s.clientPort}`, "srvr").catch(() => "")) || undefined,
    20_000,
  );
}

/**
 * Retries an operation that failed with CONNECTION_LOSS, as ZooKeeper applications do: when a
 * leader dies, its followers drop their clients until a new leader is elected (ZooKeeper too).
 */
async function retrying<T>(what: string, op: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await op();
    } catch (e) {
      if ((e as { code?: number }).code !== zookeeper.Exception.CONNECTION_LOSS) throw e;
      if (Date.now() > deadline) throw new Error(`${what}: still CONNECTION_LOSS after ${timeoutMs} ms`, { cause: e });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Waits until the servers other than `killed` have a leader among them and all serve. */
async function survivorsServing(e: LocalEnsemble, killed: number): Promise<void> {
  await waitFor(
    "the surviving servers to serve under a leader",
    async () => {
      const m = (await modes(e)).filter((_, i) => e.servers[i]!.id !== killed);
      return m.includes("leader") && m.every((x) => x === "leader" || x === "follower") ? true : undefined;
    },
    20_000,
  );
}

const modes = async (e: LocalEnsemble) =>
  Promise.all(
    e.servers.map((s) =>
      fourLetterWord(`127.0.0.1:${s.clientPort}`, "srvr").then(
        (t) => /Mode: (\w+)/.exec(t)?.[1],
        () => undefined,
      ),
    ),
  );

describe("a three-server Warden ensemble of processes", () => {
  let ensemble: LocalEnsemble;
  beforeAll(async () => {
    ensemble = await startEnsemble();
  }, 60_000);
  afterAll(async () => stopEnsemble(ensemble), 30_000);

  it("has one leader and two followers, as srvr reports them", async () => {
    expect((await modes(ensemble)).sort()).toEqual(["follower", "follower", "leader"]);
  });

  it("a write through one server is read through each of the others", async () => {
    const [a, b, c] = ensemble.servers.map((s) => `127.0.0.1:${s.clientPort}`);
    const writer = await connectClient(a!);
    await call(writer, "create", "/everywhere", Buffer.from("x"));
    for (const hp of [b!, c!]) {
      const reader = await connectClient(hp);
      await waitFor(`/everywhere on ${hp}`, async () => ((await call(reader, "exists", "/everywhere")) ? true : undefined), 5000);
      expect((await call(reader, "getData", "/everywhere"))[0].toString()).toBe("x");
      await closeClient(reader);
    }
    await closeClient(writer);
  });

  describe("node-zookeeper-client fails over when its server is killed", () => {
    let client: NzkClient;
    let observer: NzkClient;
    let killed: number;
    let sessionBefore: string;
    let changed: ReturnType<typeof nextEvent>;
    const states: string[] = [];

    beforeAll(async () => {
      client = await connectClient(ensemble.zkConnectString, { sessionTimeout: 10_000 });
      client.on("state", (s: { name: string }) => states.push(s.name));
      sessionBefore = sessionIdHex(client);
      await call(client, "create", "/nzk-eph", Buffer.from("mine"), CreateMode.EPHEMERAL);
      await call(client, "create", "/nzk-watched", Buffer.from("v0"));
      changed = nextEvent();
      await call(client, "getData", "/nzk-watched", changed.watcher);
      killed = (await serverHoldingSession(ensemble, sessionBefore))!;
      expect(killed).toBeDefined();
      const survivor = ensemble.servers.find((s) => s.id !== killed)!;
      observer = await connectClient(`127.0.0.1:${survivor.clientPort}`);
      await killServer(ensemble, killed);
    }, 30_000);
    afterAll(async () => {
      await closeClient(client);
      await closeClient(observer);
    });

    it("reconnects to another server with the same session id", async () => {
      await survivorsServing(ensemble, killed);
      await waitFor(
        "the client to be connected again",
        () => (states.includes("DISCONNECTED") && client.getState().name === "SYNC_CONNECTED") || undefined,
        20_000,
      );
      await retrying("a read through the new server", () => call(client, "exists", "/nzk-eph"));
      expect(sessionIdHex(client)).toBe(sessionBefore);
      const now = await serverHoldingSession(ensemble, sessionBefore);
      expect(now).toBeDefined();
      expect(now).not.toBe(killed);
    }, 30_000);

    it("its ephemeral is still there, still owned by its session", async () => {
      const stat = await retrying("exists", () => call(observer, "exists", "/nzk-eph"));
      expect(stat).not.toBeNull();
      expect(`0x${stat.ephemeralOwner.toString("hex")}`).toBe(sessionBefore);
    });

    it("its watch, re-registered on the new server, fires for a change made after the failover", async () => {
      await retrying("setData", () => call(observer, "setData", "/nzk-watched", Buffer.from("v1"), -1));
      const event = await changed.event;
      expect(event.getType()).toBe(Event.NODE_DATA_CHANGED);
      expect(event.getPath()).toBe("/nzk-watched");
    });

    it("writes and reads go on through the new server", async () => {
      await retrying("setData", () => call(client, "setData", "/nzk-watched", Buffer.from("v2"), -1));
      expect((await retrying("getData", () => call(client, "getData", "/nzk-watched")))[0].toString()).toBe("v2");
    });

    it("the killed server comes back and rejoins as a follower or leader", async () => {
      await restartServer(ensemble, killed);
      expect((await modes(ensemble)).filter((m) => m === "leader")).toHaveLength(1);
    }, 30_000);
  });

  describeWithTool("python3-kazoo fails over when its server is killed", python !== undefined, "apt-get install -y python3-kazoo", () => {
    let out = "";
    let killed: number | undefined;
    // biome-ignore lint/suspicious/noDuplicateTestHooks: describeWithTool opens its own describe block
    beforeAll(async () => {
      await waitFor(
        "every server to serve",
        async () => ((await modes(ensemble)).every((m) => m === "leader" || m === "follower") ? true : undefined),
        20_000,
      );
      const program = startProgram(python!, [join(COMPAT_DIR, "kazoo_failover.py"), ensemble.zkConnectString], 50_000);
      try {
        const ready = await program.waitFor("kazoo to be READY", /^READY ([0-9a-f]+) (\d+)$/m, 20_000);
        killed = ensemble.servers.find((s) => s.clientPort === Number(ready[2]))?.id;
        if (killed !== undefined) await killServer(ensemble, killed);
        program.send("KILLED\n");
      } catch (e) {
        program.kill();
        throw e;
      } finally {
        out = (await program.done).out;
      }
    }, 60_000);

    it("was connected to one of the servers, which was killed", () => {
      expect(killed, out).toBeDefined();
    });

    it.each([
      ["reconnects_to_another_server", "goes SUSPENDED, then CONNECTED to another server, never LOST"],
      ["keeps_its_session", "keeps its session id and password"],
      ["keeps_its_ephemeral", "its ephemeral is still there and still its own"],
      ["keeps_its_watch", "its DataWatch fires for a change made after the failover"],
      ["writes_after_failover", "writes go on through the new server"],
    ])("kazoo %s: %s", (step) => {
      expect(
        out.split("\n").find((l) => l.includes(` ${step}`)),
        out,
      ).toBe(`PASS ${step}`);
    });

    it("finishes its script", () => {
      expect(out, out).toMatch(/^DONE$/m);
    });
  });
});
