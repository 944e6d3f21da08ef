// Read-only mode (readonlymode.enabled) in a three-process ensemble: two servers are stopped;
// the survivor, after looking for a leader for max(2000 ms, tickTime), serves reads to clients
// that allow it (the TypeScript client with canBeReadOnly, kazoo with read_only=True), answers
// their writes NOT_READONLY, refuses other clients and sessions of the quorum, and says so in
// isro and srvr. When the two come back an election ends, the survivor closes its read-only
// connections and the clients move to read-write sessions (new ones, as ZooKeeper's do).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloseReason, NotReadOnlyError } from "@warden/protocol";
import { createClient, type Client } from "@warden/client";
import { ProcessEnsemble, WARDEN_BIN, waitUntil } from "@warden/testing";
import {
  COMPAT_DIR,
  ZKCLI,
  ensembleLogs,
  expectStepPassed,
  fourLetterWord,
  hasFile,
  hasJava,
  kazooPython,
  runZkCli,
  startProgram,
  zkConnectString,
  type Program,
} from "../compat/helpers.js";
import { openNative, openTcp, type RawNative } from "../e2e/raw.js";

const python = kazooPython();
const zkCli = hasFile(ZKCLI) && hasJava();
// Skipped steps elsewhere, as the compatibility tests: CI installs these (.ci/run).
if (process.env.CI && (python === undefined || !zkCli)) throw new Error("read-only.test.ts needs python3-kazoo, zookeeper and a JDK");
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("read-only mode in a three-server ensemble", () => {
  let e: ProcessEnsemble;
  let writer: Client;
  let readOnly: Client;
  let kazoo: Program | undefined;
  let rawReadOnly: RawNative | undefined;
  /** zkCli.sh -r kept open across the restart: the Java client's own move to read-write. */
  let javaClient: Program | undefined;
  /** The writer's session as the quorum committed it (the client itself gives it up after its timeout without a server). */
  let quorumSession: { sessionId: bigint; password: Uint8Array };
  const survivor = 1;
  const stopped = [2, 3];
  const zkAddress = () => `${e.server(survivor).host}:${e.server(survivor).ports.client}`;

  beforeAll(async () => {
    e = await ProcessEnsemble.start({ tickTimeMs: 100, sessionTimeoutMsMax: 30_000, extraConfig: { "readonlymode.enabled": "true" } });
    writer = createClient(e.connectString(), { sessionTimeoutMs: 20_000 });
    await writer.connected({ timeoutMs: 10_000 });
    await writer.create("/ro");
    await writer.create("/ro/kept", "kept");
    await e.waitForAgreement();
    quorumSession = { sessionId: writer.sessionId, password: writer.sessionPassword };
  }, 60_000);

  afterAll(async () => {
    kazoo?.kill();
    javaClient?.kill();
    await Promise.all([writer?.close(), readOnly?.close()]);
    await e?.stop();
  }, 30_000);

  it("the survivor of two stopped servers turns read-only: isro ro, srvr Mode read-only, is_read_only true", async () => {
    for (const id of stopped) await e.kill(id);
    await waitUntil("isro to answer ro", async () => (await fourLetterWord(zkAddress(), "isro").catch(() => "")) === "ro", 20_000);
    const srvr = await fourLetterWord(zkAddress(), "srvr");
    expect(srvr).toMatch(/\nMode: read-only\n/);
    expect(srvr).toMatch(/^Zookeeper version: .*\nREAD-ONLY mode; serving only read-only clients\n/);
    const s = e.server(survivor);
    const isro = (await (await fetch(`http://${s.host}:${s.ports.admin}/commands/is_read_only`)).json()) as { read_only: boolean };
    expect(isro.read_only).toBe(true);
    expect((await e.state(survivor))?.role).toBe("read-only");
  });

  it("serves a canBeReadOnly client: connectedReadOnly, reads answer, writes and sync fail with NotReadOnlyError", async () => {
    readOnly = createClient(e.connectString(), { canBeReadOnly: true, sessionTimeoutMs: 4000 });
    await readOnly.connected({ timeoutMs: 20_000 });
    expect(readOnly.state).toBe("connectedReadOnly");
    expect(text((await readOnly.getData("/ro/kept")).data)).toBe("kept");
    expect(await readOnly.getChildren("/ro")).toEqual(["kept"]);
    await expect(readOnly.create("/ro/new", "x")).rejects.toBeInstanceOf(NotReadOnlyError);
    await expect(readOnly.setData("/ro/kept", "changed")).rejects.toBeInstanceOf(NotReadOnlyError);
    await expect(readOnly.delete("/ro/kept")).rejects.toBeInstanceOf(NotReadOnlyError);
    await expect(readOnly.sync("/ro")).rejects.toBeInstanceOf(NotReadOnlyError);
    expect(readOnly.state).toBe("connectedReadOnly");
  });

  it("refuses a client without canBeReadOnly, and a session of the quorum, on both ports", async () => {
    const port = e.server(survivor).ports.native;
    const request = (over: object) => ({
      kind: "connect" as const,
      request: {
        protocolVersion: 0,
        lastZxidSeen: 0n,
        timeoutMs: 4000,
        sessionId: 0n,
        password: new Uint8Array(16),
        readOnly: false,
        ...over,
      },
    });
    const plain = await openNative(port);
    plain.send(request({}));
    expect(await plain.frames.next("the refusal")).toMatchObject({ kind: "close", reason: CloseReason.NOT_SERVING });
    await plain.closed;
    // The writer's session belongs to the quorum: it cannot reattach here, even allowing read-only.
    const quorum = await openNative(port);
    quorum.send(request({ ...quorumSession, readOnly: true }));
    expect(await quorum.frames.next("the refusal")).toMatchObject({ kind: "close", reason: CloseReason.NOT_SERVING });
    await quorum.closed;
    // With canBeReadOnly and no session: a local session, and the connected frame says read-only.
    rawReadOnly = await openNative(port);
    // (A raw connection sends no pings: its session must outlive the steps until the quorum returns.)
    rawReadOnly.send(request({ readOnly: true, timeoutMs: 30_000 }));
    const connected = await rawReadOnly.frames.next("the connected frame");
    expect(connected).toMatchObject({ kind: "connected", response: { readOnly: true } });
    // ZooKeeper's port: the connection is closed without a ConnectResponse (ZooKeeper's CloseRequestException).
    const { jute } = await import("@warden/protocol");
    const tcp = await openTcp(e.server(survivor).ports.client);
    tcp.socket.write(
      jute.encodeConnectRequest({
        protocolVersion: 0,
        lastZxidSeen: 0n,
        timeoutMs: 4000,
        sessionId: 0n,
        password: new Uint8Array(16),
        readOnly: false,
      }),
    );
    await tcp.closed;
    expect(tcp.received().length).toBe(0);
  });

  it.skipIf(python === undefined)(
    "serves kazoo with read_only=True: CONNECTED_RO, reads, NotReadOnlyCallError for writes",
    async () => {
      kazoo = startProgram(python!, [`${COMPAT_DIR}/kazoo_read_only.py`, zkConnectString(e)], 120_000);
      await kazoo.waitFor("kazoo's read-only steps", /^READY$/m, 60_000);
      for (const step of ["connects_read_only", "reads_while_read_only", "writes_refused_with_not_read_only"])
        expectStepPassed(kazoo.output(), step, e);
    },
    90_000,
  );

  it("serves `warden shell -r`; `warden shell` without -r is refused", async () => {
    const shell = (args: string[]) => startProgram(process.execPath, [WARDEN_BIN, "shell", e.connectString(), ...args], 30_000).done;
    const readOnlyShell = await shell(["-r", "-c", "get /ro/kept"]);
    expect(readOnlyShell.out).toMatch(/^kept$/m);
    expect(readOnlyShell.code).toBe(0);
    const plain = await shell(["--timeout", "1500", "-c", "get /ro/kept"]);
    expect(plain.code).toBe(1);
    expect(plain.out).not.toMatch(/^kept$/m);
  }, 60_000);

  it.skipIf(!zkCli)(
    "serves ZooKeeper's own zkCli.sh -r (canBeReadOnly): ConnectedReadOnly, reads, NotReadOnly for writes",
    async () => {
      const out = await runZkCli(zkAddress(), ["-r"], "get /ro/kept\ncreate /ro/from-zkcli x\nquit\n", { timeoutMs: 60_000 });
      expect(out).toMatch(/WatchedEvent state:ConnectedReadOnly type:None path:null/);
      expect(out).toMatch(/^kept$/m);
      // zkCli's text for NotReadOnlyException (KeeperException.Code.NOTREADONLY).
      expect(out).toMatch(/^Not a read-only call: \/ro\/from-zkcli$/m);
      // One more, left open: after the restart it must reach a read-write server by itself.
      javaClient = startProgram(ZKCLI, ["-server", zkConnectString(e), "-r"], 120_000, {
        env: { ...process.env, JVMFLAGS: "-Xshare:auto -XX:TieredStopAtLevel=1" },
      });
      await javaClient.waitFor("the Java client's ConnectedReadOnly", /state:ConnectedReadOnly/, 60_000);
    },
    120_000,
  );

  it("when the two come back the survivor rejoins and the clients move to read-write sessions where writes work", async () => {
    const readOnlyId = readOnly.sessionId;
    for (const id of stopped) e.restart(id);
    await e.waitForLeader({ timeoutMs: 30_000 });
    expect(await fourLetterWord(zkAddress(), "isro")).toBe("rw");
    // The survivor closed its read-only connections when the election ended.
    expect(await rawReadOnly!.frames.next("the end of the read-only connection", 2)).toMatchObject({
      kind: "close",
      reason: CloseReason.NOT_SERVING,
    });
    await rawReadOnly!.closed;
    await waitUntil("the canBeReadOnly client to be read-write", () => readOnly.state === "connected", 30_000).catch((err: Error) => {
      throw new Error(`${err.message} (state ${readOnly.state})\n${ensembleLogs(e)}`);
    });
    // Its session came from the read-only server: valid nowhere else, so a new one continues it.
    expect(readOnly.sessionId).not.toBe(readOnlyId);
    await readOnly.create("/ro/after", "rw");
    await writer.sync("/ro");
    expect(text((await writer.getData("/ro/after")).data)).toBe("rw");
  }, 60_000);

  it.skipIf(!zkCli)(
    "ZooKeeper's Java client moves to a read-write server (SyncConnected) and writes",
    async () => {
      await javaClient!.waitFor("the Java client's SyncConnected", /state:SyncConnected/, 60_000);
      javaClient!.send("create /ro/from-zkcli-rw x\nquit\n");
      const { out } = await javaClient!.done;
      expect(out).toMatch(/^Created \/ro\/from-zkcli-rw$/m);
    },
    90_000,
  );

  it.skipIf(python === undefined)(
    "kazoo moves to a read-write server with a new session and writes",
    async () => {
      kazoo!.send("RESTARTED\n");
      const done = await kazoo!.done;
      for (const step of ["back_to_read_write_with_a_new_session", "writes_after_the_quorum_returns"]) expectStepPassed(done.out, step, e);
      expect(done.out).toMatch(/^DONE$/m);
    },
    90_000,
  );
});
