// Where each zoo.cfg key takes effect in a running server: autopurge, dataLogDir, forceSync,
// skipACL and the rest. In-process servers on loopback, free ports, files in a temp dir.
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort, loadConfig, startServer, storageOptions, type PurgeClock, type ServerOptions, type WardenServer } from "@warden/server";
import { waitUntil } from "@warden/testing";
import { tempDir } from "./helpers.js";
import { call, closeClient, connectClient, errorCode, zookeeper } from "./nzk.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A clock that moves only when told to; due timers fire in order. */
class ManualClock implements PurgeClock {
  private now = 0;
  private timers: Array<{ atMs: number; fn: () => void }> = [];
  nowMs = () => this.now;
  after(delayMs: number, fn: () => void): () => void {
    const t = { atMs: this.now + delayMs, fn };
    this.timers.push(t);
    return () => (this.timers = this.timers.filter((x) => x !== t));
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.atMs <= end).sort((a, b) => a.atMs - b.atMs)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.atMs;
      due.fn();
    }
    this.now = end;
  }
}

async function start(lines: string[], options: ServerOptions = {}): Promise<{ server: WardenServer; dir: string; logs: string[] }> {
  const dir = tempDir("zoocfg-effects");
  dirs.push(dir);
  const file = join(dir, "zoo.cfg");
  const clientPort = await freePort();
  writeFileSync(
    file,
    `${[
      `dataDir=${join(dir, "data")}`,
      `clientPort=${clientPort}`,
      "clientPortAddress=127.0.0.1",
      "nativePort=0",
      "adminPort=0",
      ...lines,
    ].join("\n")}\n`,
  );
  const logs: string[] = [];
  const server = await startServer(loadConfig(file), { log: (l) => logs.push(l), ...options });
  return { server, dir, logs };
}

async function createNodes(server: WardenServer, prefix: string, count: number): Promise<void> {
  const c = await connectClient(`127.0.0.1:${server.ports.client}`);
  try {
    for (let i = 0; i < count; i++) await call(c, "create", `/${prefix}-${i}`, Buffer.from("x"));
  } finally {
    await closeClient(c);
  }
}

const snapshotFiles = (dataDir: string) => readdirSync(join(dataDir, "warden", "snapshots")).filter((n) => /^snapshot\.[0-9a-f]+$/.test(n));

/**
 * Snapshots keep being written while the purge runs, so the newest `retain` at the purge may be newer
 * than those listed before it: judge by the zxids the purge logged it kept. They are `retain` of them,
 * they are still on disk, every snapshot listed before that is as new as the oldest kept was kept, and
 * every older one is gone.
 */
function expectPurgeKeptNewest(logs: string[], before: string[], after: string[], retain: number): void {
  const line = logs.find((l) => l.startsWith("autopurge: kept snapshots 0x"))!;
  const kept = line
    .slice("autopurge: kept snapshots ".length, line.indexOf(";"))
    .split(", ")
    .map((z) => BigInt(z));
  const zxidOf = (f: string) => BigInt(`0x${f.slice("snapshot.".length)}`);
  expect(kept).toHaveLength(retain);
  const oldestKept = kept.reduce((a, b) => (a < b ? a : b));
  expect(after.map(zxidOf)).toEqual(expect.arrayContaining(kept));
  expect(before.map(zxidOf).filter((z) => z >= oldestKept && !kept.includes(z))).toEqual([]);
  const older = before.filter((f) => zxidOf(f) < oldestKept);
  expect(older.length).toBeGreaterThan(0);
  expect(after.filter((f) => older.includes(f))).toEqual([]);
}

describe("autopurge", () => {
  it("with purgeInterval 0 (the default) never purges: every snapshot stays", async () => {
    const { server, dir } = await start(["snapCount=10"]);
    try {
      await createNodes(server, "n", 80);
      await waitUntil("five snapshots", () => snapshotFiles(join(dir, "data")).length >= 5, 20_000);
    } finally {
      await server.stop();
    }
  });

  it("with purgeInterval N purges at start and then every N hours, keeping snapRetainCount snapshots", async () => {
    const clock = new ManualClock();
    const { server, dir, logs } = await start(["snapCount=10", "autopurge.purgeInterval=2", "autopurge.snapRetainCount=4"], {
      purgeClock: clock,
    });
    try {
      await createNodes(server, "n", 80);
      await waitUntil("six snapshots", () => snapshotFiles(join(dir, "data")).length >= 6, 20_000);
      // Snapshots may still be written while the purge runs: check what it deleted and kept.
      const before = snapshotFiles(join(dir, "data")).sort();
      clock.advance(2 * 3_600_000 - 1);
      expect(snapshotFiles(join(dir, "data"))).toEqual(expect.arrayContaining(before));
      clock.advance(1);
      await waitUntil("a purge", () => logs.some((l) => l.startsWith("autopurge: kept snapshots 0x")), 10_000);
      expectPurgeKeptNewest(logs, before, snapshotFiles(join(dir, "data")), 4);
      expect(logs.some((l) => /autopurge: every 2 h, keeping the newest 4 snapshots/.test(l))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it("a snapRetainCount below 3 is taken as 3 with a warning, as ZooKeeper does", async () => {
    const clock = new ManualClock();
    const { server, dir, logs } = await start(["snapCount=10", "autopurge.purgeInterval=1", "autopurge.snapRetainCount=1"], {
      purgeClock: clock,
    });
    try {
      await createNodes(server, "n", 60);
      await waitUntil("five snapshots", () => snapshotFiles(join(dir, "data")).length >= 5, 20_000);
      const before = snapshotFiles(join(dir, "data")).sort();
      clock.advance(3_600_000);
      await waitUntil("a purge", () => logs.some((l) => l.startsWith("autopurge: kept snapshots 0x")), 10_000);
      expectPurgeKeptNewest(logs, before, snapshotFiles(join(dir, "data")), 3);
      expect(logs).toContain("WARNING: invalid autopurge.snapRetainCount: 1; defaulting to 3");
    } finally {
      await server.stop();
    }
  });
});

describe("snapSizeLimitInKb", () => {
  it("begins a snapshot once the txns pass about that many KiB, long before snapCount", async () => {
    // 1 KiB: a snapshot somewhere past 512 bytes of txn records; 40 creates of 100 bytes pass 1 KiB.
    const { server, dir } = await start(["snapCount=100000", "snapSizeLimitInKb=1"]);
    try {
      const c = await connectClient(`127.0.0.1:${server.ports.client}`);
      try {
        for (let i = 0; i < 40; i++) await call(c, "create", `/big-${i}`, Buffer.alloc(100, 1));
      } finally {
        await closeClient(c);
      }
      await waitUntil("a snapshot by size", () => snapshotFiles(join(dir, "data")).length >= 1, 20_000);
    } finally {
      await server.stop();
    }
  });
});

describe("dataLogDir", () => {
  it("holds the transaction log while dataDir holds snapshots and myid; the server restarts from both", async () => {
    const logDir = tempDir("zoocfg-datalogdir");
    dirs.push(logDir);
    const lines = ["snapCount=10", `dataLogDir=${logDir}`];
    const first = await start(lines);
    const dataDir = join(first.dir, "data");
    try {
      await createNodes(first.server, "kept", 25);
      await waitUntil("a snapshot", () => snapshotFiles(dataDir).length >= 1, 20_000);
    } finally {
      await first.server.stop();
    }
    expect(readdirSync(join(logDir, "warden", "db")).some((n) => n.endsWith(".log"))).toBe(true);
    expect(existsSync(join(dataDir, "warden", "db"))).toBe(false);
    expect(existsSync(join(logDir, "warden", "snapshots"))).toBe(false);
    expect(first.logs.some((l) => l.includes(`, log ${logDir}`))).toBe(true);

    const file = join(first.dir, "zoo.cfg");
    const again = await startServer(loadConfig(file), { log: () => {} });
    try {
      const c = await connectClient(`127.0.0.1:${again.ports.client}`);
      try {
        const [children] = await call<[string[], unknown]>(c, "getChildren", "/");
        expect(children.filter((n) => n.startsWith("kept-")).length).toBe(25);
      } finally {
        await closeClient(c);
      }
    } finally {
      await again.stop();
    }
  });

  it("a server whose log is still in dataDir refuses to start with dataLogDir set, saying where the log is", async () => {
    const first = await start([]);
    await createNodes(first.server, "old", 3);
    await first.server.stop();
    const logDir = tempDir("zoocfg-datalogdir");
    dirs.push(logDir);
    const config = loadConfig(join(first.dir, "zoo.cfg"), { dataLogDir: logDir });
    const error = await startServer(config, { log: () => {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ConfigError" });
    expect((error as Error).message).toContain(`${join(first.dir, "data", "warden", "db")} holds a transaction log`);
    expect(readdirSync(logDir)).toEqual([]);
  });
});

/** `ss` lines of TCP sockets on a local port: listening (-l) or established, with timers (-o). */
function ssLines(port: number, listening: boolean): string[] {
  const out = execFileSync("ss", [listening ? "-ltnH" : "-tnoH", `sport = :${port}`], { encoding: "utf8" });
  return out.split("\n").filter(Boolean);
}

describe("keys with an effect", () => {
  const { ACL, Id, Permission, Exception } = zookeeper;

  it("skipACL=yes lets every session past every ACL; without it the same read is refused", async () => {
    for (const [lines, expectRead] of [
      [["skipACL=yes"], true],
      [[], false],
    ] as const) {
      const { server, logs } = await start([...lines]);
      try {
        const owner = await connectClient(`127.0.0.1:${server.ports.client}`);
        owner.addAuthInfo("digest", Buffer.from("alice:secret"));
        await call(owner, "create", "/private", Buffer.from("mine"), [new ACL(Permission.ALL, new Id("auth", ""))], 0);
        const stranger = await connectClient(`127.0.0.1:${server.ports.client}`);
        try {
          if (expectRead) {
            const [data] = await call<[Buffer, unknown]>(stranger, "getData", "/private");
            expect(data.toString()).toBe("mine");
            await call(stranger, "setData", "/private", Buffer.from("theirs"), -1);
            expect(logs).toContain("WARNING: skipACL=yes: ACL checks are skipped, everyone has full access to the tree");
          } else {
            expect(await errorCode(call(stranger, "getData", "/private"))).toBe(Exception.NO_AUTH);
            expect(await errorCode(call(stranger, "setData", "/private", Buffer.from("theirs"), -1))).toBe(Exception.NO_AUTH);
          }
        } finally {
          await closeClient(stranger);
          await closeClient(owner);
        }
      } finally {
        await server.stop();
      }
    }
  });

  it("fsync.warningthresholdms: a log fsync slower than the threshold is logged", async () => {
    const { server, logs } = await start(["fsync.warningthresholdms=0"]);
    try {
      await createNodes(server, "f", 1);
      expect(logs.some((l) => /^WARNING: fsync of the transaction log took [\d.]+ ms \(fsync.warningthresholdms=0\)/.test(l))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it("forceSync=no reaches the storage as a log without fsync; forceSync=false does not (ZooKeeper's rule), and says so", async () => {
    const dir = tempDir("zoocfg-forcesync");
    dirs.push(dir);
    const config = (value: string) => loadConfig(undefined, { dataDir: dir, forceSync: value });
    expect(storageOptions(config("no")).forceSync).toBe(false);
    expect(storageOptions(config("yes")).forceSync).toBe(true);
    expect(storageOptions(config("false")).forceSync).toBe(true);
    expect(config("false").warnings).toEqual(["--forceSync: forceSync=false keeps fsync on: ZooKeeper turns it off only for the value no"]);
  });

  it("clientPortListenBacklog sets the listen backlog of both client ports", async () => {
    const { server } = await start(["clientPortListenBacklog=7", `nativePort=${await freePort()}`]);
    try {
      for (const port of [server.ports.client, server.ports.native]) {
        const [line] = ssLines(port, true);
        expect(line?.split(/\s+/)[2]).toBe("7");
      }
    } finally {
      await server.stop();
    }
  });

  it("clientTcpKeepAlive=true turns TCP keep-alive on for client connections (off by default)", async () => {
    for (const [lines, keepalive] of [
      [["clientTcpKeepAlive=true"], true],
      [[], false],
    ] as const) {
      const { server } = await start([...lines]);
      const c = await connectClient(`127.0.0.1:${server.ports.client}`);
      try {
        // ss shows one timer a socket: wait for no bytes in flight (a retransmission timer hides the keep-alive one).
        const [line] = await waitUntil(
          "an idle client connection",
          () => {
            const lines = ssLines(server.ports.client, false);
            return lines.length === 1 && /\s0\s+0\s/.test(lines[0]!) ? lines : undefined;
          },
          5000,
        );
        expect(line!.includes("timer:(keepalive")).toBe(keepalive);
      } finally {
        await closeClient(c);
        await server.stop();
      }
    }
  });

  it("admin.commandURL moves the commands; admin.idleTimeout closes an idle admin connection", async () => {
    const adminPort = await freePort();
    const { server } = await start([
      `adminPort=${adminPort}`,
      "admin.serverAddress=127.0.0.1",
      "admin.commandURL=/zk/cmds",
      "admin.idleTimeout=300",
    ]);
    try {
      const srvr = await fetch(`http://127.0.0.1:${adminPort}/zk/cmds/srvr`);
      expect(srvr.status).toBe(200);
      expect(await srvr.json()).toMatchObject({ command: "srvr" });
      expect((await fetch(`http://127.0.0.1:${adminPort}/commands/srvr`)).status).toBe(404);
      const idle = connect(adminPort, "127.0.0.1");
      const closed = new Promise<void>((resolve) => idle.on("close", () => resolve()));
      let isClosed = false;
      void closed.then(() => (isClosed = true));
      // Node's own header timeout is 10 s: only the idle timeout closes it this soon.
      await waitUntil("the idle admin connection closed", () => isClosed, 5000);
    } finally {
      await server.stop();
    }
  });

  it("znode.container.checkIntervalMs: an emptied container is deleted within the interval", async () => {
    const { server } = await start(["znode.container.checkIntervalMs=100"]);
    const c = await connectClient(`127.0.0.1:${server.ports.client}`);
    try {
      await call(c, "create", "/box", Buffer.from(""), zookeeper.CreateMode.CONTAINER ?? 4);
      await call(c, "create", "/box/item", Buffer.from(""));
      await call(c, "remove", "/box/item", -1);
      await waitUntil("the container deleted", async () => (await call(c, "exists", "/box")) === null, 5000);
    } finally {
      await closeClient(c);
      await server.stop();
    }
  });
});
