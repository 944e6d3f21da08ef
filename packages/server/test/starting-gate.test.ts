// The client ports while the server recovers: a standalone server holds each handshake until
// it serves and answers it then; a member of an ensemble refuses it as NOT_SERVING; four-letter
// words get ZooKeeper's answers of a server that does not run yet. Over real sockets, through
// the listeners the server starts (start/client-listeners.ts).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { jute, type ConnectRequest } from "@warden/protocol";
import { loadConfig } from "../src/config/index.js";
import { freePort } from "../src/index.js";
import { RequestMetrics } from "../src/admin/request-metrics.js";
import { closeClientListeners, listenerReporter, startClientListeners, type ClientListeners } from "../src/start/client-listeners.js";
import { StartingGate, type ServingParts } from "../src/start/starting-gate.js";
import { startServer } from "../src/server.js";
import { ZK_NOT_SERVING } from "../src/admin/command-text.js";
import type { ClientConnection, ConnectionHandler } from "../src/net/connection.js";

const HOST = "127.0.0.1";
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function listening(standalone: boolean, keys: Record<string, string> = {}) {
  const config = loadConfig(undefined, {
    dataDir: "/nonexistent",
    clientPortAddress: HOST,
    clientPort: String(await freePort(HOST)),
    nativePort: "0",
    adminPort: "0",
    ...keys,
  });
  const gate = new StartingGate(config, standalone);
  const lines: string[] = [];
  const clients: ClientListeners = await startClientListeners({
    config,
    handlers: gate.handlers,
    reporter: listenerReporter(new RequestMetrics(), (l) => lines.push(l)),
    tls: undefined,
    adminTls: undefined,
    fourLetterWord: gate.fourLetterWord,
  });
  cleanup.push(() => closeClientListeners(clients, undefined));
  return { gate, port: config.clientPort, lines };
}

/** A serving side that answers every handshake with a session of its own, in the order they reach it. */
function servingParts(): ServingParts & { answered: bigint[] } {
  const answered: bigint[] = [];
  let next = 0x100n;
  return {
    answered,
    handlers: (c: ClientConnection): ConnectionHandler => ({
      onConnect: (r: ConnectRequest) => {
        const sessionId = next++;
        answered.push(sessionId);
        c.sendConnected({ protocolVersion: 0, timeoutMs: r.timeoutMs, sessionId, password: new Uint8Array(16), readOnly: false }, 0n);
      },
      onRequest: () => undefined,
      onInvalid: () => undefined,
      onWritable: () => undefined,
      onClose: () => undefined,
    }),
    fourLetterWord: (w) => `serving ${w}`,
  };
}

interface Raw {
  socket: Socket;
  bytes: () => Buffer;
  closed: Promise<void>;
}
async function openRaw(port: number): Promise<Raw> {
  const socket = connect(port, HOST);
  const chunks: Buffer[] = [];
  socket.on("data", (c) => chunks.push(c));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((r) => socket.on("close", () => r()));
  cleanup.push(async () => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  return { socket, bytes: () => Buffer.concat(chunks), closed };
}

const handshake = (timeoutMs = 4000) =>
  jute.encodeConnectRequest({
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeoutMs,
    sessionId: 0n,
    password: new Uint8Array(16),
    readOnly: false,
  });

/** Waits for a condition that an event of the listener makes true (polled; the test's timeout bounds it). */
async function until(what: () => boolean): Promise<void> {
  while (!what()) await new Promise((r) => setTimeout(r, 5));
}

async function fourLetterWord(port: number, word: string): Promise<string> {
  const raw = await openRaw(port);
  raw.socket.write(word);
  await raw.closed;
  return raw.bytes().toString();
}

/** A server's configuration over a fresh data directory (removed after the test); `prepare` writes files there and adds keys. */
async function serverConfig(
  prefix: string,
  keys: Record<string, string> = {},
  prepare: (dataDir: string) => Promise<Record<string, string>> = async () => ({}),
) {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const clientPort = await freePort(HOST);
  const config = loadConfig(undefined, {
    dataDir,
    tickTime: "100",
    clientPortAddress: HOST,
    clientPort: String(clientPort),
    nativePort: "0",
    adminPort: "0",
    ...keys,
    ...(await prepare(dataDir)),
  });
  return { config, clientPort };
}

describe("a standalone server's client port while it recovers", () => {
  it("holds each handshake, unanswered and open, and answers them in arrival order once the gate opens", async () => {
    const { gate, port } = await listening(true);
    const first = await openRaw(port);
    first.socket.write(handshake());
    await until(() => gate.heldCount === 1);
    const second = await openRaw(port);
    second.socket.write(handshake());
    await until(() => gate.heldCount === 2);
    expect(first.bytes().length + second.bytes().length).toBe(0);

    const serving = servingParts();
    gate.open(serving);
    expect(gate.heldCount).toBe(0);
    expect(serving.answered).toEqual([0x100n, 0x101n]);
    for (const [raw, id] of [
      [first, 0x100n],
      [second, 0x101n],
    ] as const) {
      await until(() => raw.bytes().length >= 4);
      const frame = raw.bytes().subarray(4);
      expect(jute.decodeConnectResponse(frame).response.sessionId).toBe(id);
    }
    // Connections from now on go straight to the serving side.
    const third = await openRaw(port);
    third.socket.write(handshake());
    await until(() => third.bytes().length >= 4);
    expect(serving.answered).toEqual([0x100n, 0x101n, 0x102n]);
  });

  it("forgets a held handshake whose client went away", async () => {
    const { gate, port } = await listening(true);
    const gone = await openRaw(port);
    gone.socket.write(handshake());
    await until(() => gate.heldCount === 1);
    gone.socket.destroy();
    await until(() => gate.heldCount === 0);
    const serving = servingParts();
    gate.open(serving);
    expect(serving.answered).toEqual([]);
  });

  it("ends a held handshake at clientHandshakeTimeoutMs, as any handshake, with a logged reason", async () => {
    const { gate, port, lines } = await listening(true, { clientHandshakeTimeoutMs: "200" });
    const slow = await openRaw(port);
    slow.socket.write(handshake());
    await until(() => gate.heldCount === 1);
    await slow.closed;
    await until(() => gate.heldCount === 0);
    expect(lines.join("\n")).toMatch(/no completed handshake after 200 ms/);
  });

  it("answers four-letter words as ZooKeeper does before its server runs, whitelist first", async () => {
    const { gate, port } = await listening(true, { "4lw.commands.whitelist": "ruok,srvr,isro" });
    expect(await fourLetterWord(port, "ruok")).toBe("imok");
    expect(await fourLetterWord(port, "srvr")).toBe(ZK_NOT_SERVING);
    expect(await fourLetterWord(port, "isro")).toBe("null");
    expect(await fourLetterWord(port, "stat")).toBe("stat is not executed because it is not in the whitelist.\n");
    gate.open(servingParts());
    expect(await fourLetterWord(port, "srvr")).toBe("serving srvr");
  });
});

describe("an ensemble member's client port while it recovers", () => {
  it("refuses each handshake as NOT_SERVING at once: its client tries another server", async () => {
    const { gate, port } = await listening(false);
    const raw = await openRaw(port);
    raw.socket.write(handshake());
    await raw.closed;
    expect(gate.heldCount).toBe(0);
    // ZooKeeper's port closes such a connection without a ConnectResponse.
    expect(raw.bytes().length).toBe(0);
  });
});

describe("a standalone server started with a client already dialling", () => {
  it("answers a handshake made before its start returned with a session, not a refusal", async () => {
    const { config, clientPort } = await serverConfig("warden-starting-");
    let started = false;
    const starting = startServer(config, { log: () => undefined }).then((s) => {
      started = true;
      cleanup.push(() => s.stop());
      return s;
    });
    // Dial until the port takes the connection: it listens before the state is recovered.
    let raw: Raw | undefined;
    while (raw === undefined) raw = await openRaw(clientPort).catch(() => undefined);
    const dialledBeforeStart = !started;
    raw.socket.write(handshake());
    await starting;
    await until(() => raw.bytes().length >= 4);
    expect(jute.decodeConnectResponse(raw.bytes().subarray(4)).response.sessionId).not.toBe(0n);
    expect(dialledBeforeStart).toBe(true);
  });
});

describe("an ensemble member that does not serve (no leader, or not yet synced with one)", () => {
  it("after its start: refuses handshakes and answers four-letter words as ZooKeeper's server that does not run", async () => {
    // Servers 2 and 3 never start: server 1 looks for a leader for the whole test.
    const peers: Record<string, string> = {};
    for (const id of [1, 2, 3]) peers[`server.${id}`] = `${HOST}:${await freePort(HOST)}:${await freePort(HOST)}`;
    const { config, clientPort } = await serverConfig("warden-not-serving-", { "4lw.commands.whitelist": "*", ...peers }, async (dir) => {
      await writeFile(join(dir, "myid"), "1\n");
      await writeFile(join(dir, "secret"), "not-serving-test-secret");
      return { ensembleSecretFile: join(dir, "secret") };
    });
    const server = await startServer(config, { log: () => undefined });
    cleanup.push(() => server.stop());
    expect(server.node.serving).toBe(false);
    for (const word of ["srvr", "stat", "mntr", "conf", "cons", "wchs", "dump"])
      expect(await fourLetterWord(clientPort, word)).toBe(ZK_NOT_SERVING);
    expect(await fourLetterWord(clientPort, "ruok")).toBe("imok");
    expect(await fourLetterWord(clientPort, "isro")).toBe("null");
    expect(await fourLetterWord(clientPort, "envi")).toMatch(/^Environment:\n/);
    const raw = await openRaw(clientPort);
    raw.socket.write(handshake());
    await raw.closed;
    expect(raw.bytes().length).toBe(0);
  });
});
