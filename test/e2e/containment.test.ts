// Every listener is a containment boundary (docs/design.md, section 7): a fault while handling one
// connection's input or output ends that connection, with a logged reason and a count in
// /metrics, and never the process. Each test injects a throw into one connection's handling
// (through the prototype of the class doing it) and shows that only that connection closes
// while the others, and the server, go on.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CreateMode, OPEN_ACL_UNSAFE } from "@warden/protocol";
import type { Client } from "@warden/client";
import { startStandalone, waitFor, Inbox, type Standalone } from "./harness.js";
import { openZk, type RawZk } from "./raw.js";
import { ZkConnection } from "../../packages/server/src/net/zk-listener.js";
import { NativeConnection } from "../../packages/server/src/net/native-listener.js";
import type { ClientHandler } from "../../packages/server/src/core/client-handler.js";

const INJECTED = "injected fault";
let s: Standalone;
let bystander: Client;
beforeAll(async () => {
  s = await startStandalone();
  bystander = await s.client();
  await bystander.create("/c", "v");
});
afterAll(() => s?.stop());
afterEach(() => vi.restoreAllMocks());

const internalErrors = async (port: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${s.server.ports.admin}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith("warden_connections_closed_total{") && l.includes('cause="internal_error"') && l.includes(`port="${port}"`));
  return line ? Number(line.split(" ").pop()) : 0;
};

const sessionOf = (zk: RawZk): bigint => (zk.frames.items[0] as { sessionId: bigint }).sessionId;

/** The bystander and a new client are served; the server logged the fault with its stack. */
async function othersServed(): Promise<void> {
  expect(s.log.some((l) => l.includes("internal_error") && l.includes(INJECTED))).toBe(true);
  await bystander.setData("/c", "after");
  const fresh = await s.client();
  expect((await fresh.getData("/c")).data).toEqual(new TextEncoder().encode("after"));
  await fresh.close();
  const zk = await openZk(s.server.ports.client);
  zk.send(1, { type: "exists", path: "/c", watch: false });
  expect((await zk.reply(1)).err).toBe(0);
  zk.socket.destroy();
}

describe("the ZooKeeper port", () => {
  it("closes only the connection whose frame handling throws", async () => {
    const before = await internalErrors("zookeeper");
    const victim = await openZk(s.server.ports.client);
    const other = await openZk(s.server.ports.client);
    const handle = Object.getOwnPropertyDescriptor(ZkConnection.prototype, "handleFrame")!.value as (f: Uint8Array) => void;
    vi.spyOn(ZkConnection.prototype as unknown as { handleFrame(f: Uint8Array): void }, "handleFrame").mockImplementation(function (
      this: ZkConnection,
      frame: Uint8Array,
    ) {
      if (this.remote.endsWith(`:${victim.socket.localPort}`)) throw new Error(INJECTED);
      return handle.call(this, frame);
    });
    victim.send(1, { type: "exists", path: "/c", watch: false });
    other.send(1, { type: "exists", path: "/c", watch: false });
    await victim.closed;
    expect((await other.reply(1)).err).toBe(0);
    expect(await internalErrors("zookeeper")).toBe(before + 1);
    other.socket.destroy();
    vi.restoreAllMocks();
    await othersServed();
  });
});

describe("the native port", () => {
  it("closes only the connection whose frame handling throws", async () => {
    const before = await internalErrors("native");
    const victim = await s.client();
    const victimStates = new Inbox<string>();
    victim.on("state", (st: string) => victimStates.push(st));
    const victimId = victim.sessionId;
    const handle = Object.getOwnPropertyDescriptor(NativeConnection.prototype, "handleFrame")!.value as (f: Uint8Array) => void;
    let thrown = false;
    vi.spyOn(NativeConnection.prototype as unknown as { handleFrame(f: Uint8Array): void }, "handleFrame").mockImplementation(function (
      this: NativeConnection,
      frame: Uint8Array,
    ) {
      if (!thrown && (this.handler as ClientHandler).session?.sessionId === victimId) {
        thrown = true;
        throw new Error(INJECTED);
      }
      return handle.call(this, frame);
    });
    // The victim's connection ends; its client reconnects and keeps its session.
    await victim.exists("/c").catch(() => undefined);
    await victimStates.next("the victim to be disconnected");
    await victim.connected({ timeoutMs: 5000 });
    expect(victim.sessionId).toBe(victimId);
    expect(await internalErrors("native")).toBe(before + 1);
    vi.restoreAllMocks();
    await othersServed();
  });
});

describe("while a transaction is applied", () => {
  it("closes only the connection whose watch event delivery throws; the write commits and others get theirs", async () => {
    const victim = await openZk(s.server.ports.client);
    const watcher = await openZk(s.server.ports.client);
    for (const zk of [victim, watcher]) zk.send(1, { type: "getData", path: "/c", watch: true });
    await Promise.all([victim.reply(1), watcher.reply(1)]);
    const victimSession = sessionOf(victim);
    const send = Object.getOwnPropertyDescriptor(ZkConnection.prototype, "encodeEvent")!.value as (e: unknown) => Uint8Array;
    vi.spyOn(ZkConnection.prototype as unknown as { encodeEvent(e: unknown): Uint8Array }, "encodeEvent").mockImplementation(function (
      this: ZkConnection,
      event: unknown,
    ) {
      if ((this.handler as ClientHandler).session?.sessionId === victimSession) throw new Error(INJECTED);
      return send.call(this, event);
    });
    await bystander.setData("/c", "changed");
    await victim.closed;
    const event = await watcher.frames.next("the watcher's event", 3);
    expect(event).toMatchObject({ kind: "notification", event: { path: "/c" } });
    watcher.socket.destroy();
    vi.restoreAllMocks();
    await othersServed();
  });

  it("closes only the connection whose reply to a committed write throws", async () => {
    const victim = await openZk(s.server.ports.client);
    const victimSession = sessionOf(victim);
    const encode = Object.getOwnPropertyDescriptor(ZkConnection.prototype, "encodeReply")!.value as (...a: unknown[]) => Uint8Array;
    vi.spyOn(ZkConnection.prototype as unknown as { encodeReply(...a: unknown[]): Uint8Array }, "encodeReply").mockImplementation(function (
      this: ZkConnection,
      ...args: unknown[]
    ) {
      if ((this.handler as ClientHandler).session?.sessionId === victimSession) throw new Error(INJECTED);
      return encode.apply(this, args);
    });
    victim.send(1, {
      type: "create",
      path: "/from-victim",
      data: new Uint8Array(0),
      acl: [...OPEN_ACL_UNSAFE],
      mode: CreateMode.PERSISTENT,
    });
    await victim.closed;
    // The write itself committed: only its answer failed.
    await waitFor("the victim's write to be visible", async () => (await bystander.exists("/from-victim")) !== null);
    vi.restoreAllMocks();
    await othersServed();
  });
});
