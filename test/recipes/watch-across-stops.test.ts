// A persistent recursive watch across servers stopped and started again under a steady
// writer: the session moves, and the server it lands on replays what the watch missed
// (EventCursor on the client, the change history on the server). Every change must reach
// the listener once, in order: a lost or doubled event at a move shows here as a difference.
import { afterAll, beforeAll, expect, it } from "vitest";
import { AddWatchMode, ConnectionLossError, EventType, type WatchedEvent } from "@warden/client";
import type { Client } from "@warden/client";
import { eventually, startEnsemble, type TestEnsemble } from "./helpers/ensemble.js";

let ensemble: TestEnsemble;
beforeAll(async () => {
  ensemble = await startEnsemble();
});
afterAll(async () => {
  await ensemble.stop();
});

const ROUNDS = 6;
const WRITES_PER_ROUND = 40;
const typeName = (type: number) => Object.entries(EventType).find(([, v]) => v === type)?.[0];

/** A write whose reply may be lost with its connection: tried again unless it took effect. */
async function write(c: Client, op: () => Promise<unknown>, tookEffect: () => Promise<boolean>): Promise<void> {
  for (;;) {
    try {
      await op();
      return;
    } catch (e) {
      if (!(e instanceof ConnectionLossError)) throw e;
      await c.connected({ timeoutMs: 20_000 });
      if (await tookEffect()) return;
    }
  }
}

it("a persistent recursive watch gets every change once, in order, while servers stop and start", async () => {
  const first = await ensemble.client({ sessionTimeoutMs: 6000 });
  await first.create("/wa", null);
  const watcher = await ensemble.client({ sessionTimeoutMs: 6000 });
  await watcher.sync("/wa");
  const got: string[] = [];
  const moves: string[] = [];
  watcher.on("state", (s) => moves.push(`${s}@${got.length}`));
  await watcher.addWatch("/wa", AddWatchMode.PERSISTENT_RECURSIVE, (e: WatchedEvent) => {
    if (e.type !== EventType.None) got.push(`${typeName(e.type)} ${e.path}`);
  });
  const want: string[] = [];
  let n = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Each round stops another server (the leader among them) at another point of the writes.
    const victim = (round % 3) + 1;
    const stopAt = (round * 7) % 20;
    const startAt = stopAt + 1 + ((round * 5) % 15);
    const c = await ensemble.client({ sessionTimeoutMs: 6000, connectString: `127.0.0.1:${ensemble.nativePorts[victim % 3]}` });
    for (let i = 0; i < WRITES_PER_ROUND; i++) {
      if (i === stopAt) await ensemble.stopServer(victim);
      if (i === startAt) await ensemble.startServer(victim);
      const p = `/wa/n${n++}`;
      const exists = async () => (await c.exists(p)) !== null;
      await write(c, () => c.create(p, new Uint8Array([1])), exists);
      want.push(`NodeCreated ${p}`);
      if (i % 3 === 2) {
        await write(
          c,
          () => c.delete(p),
          async () => !(await exists()),
        );
        want.push(`NodeDeleted ${p}`);
      } else {
        await write(
          c,
          () => c.setData(p, new Uint8Array([2])),
          async () => (await c.getData(p)).data?.[0] === 2,
        );
        want.push(`NodeDataChanged ${p}`);
      }
    }
    await c.close();
  }
  // The last change's event arrives after every earlier one: wait for it, then compare all.
  const last = want.at(-1)!;
  await eventually(() => got.includes(last), 20_000, "the last change's event").catch(() => undefined);
  const at = got.findIndex((g, i) => g !== want[i]);
  expect(at === -1 ? "" : `first difference at ${at}: got ${got.slice(at, at + 3)}, want ${want.slice(at, at + 3)}; ${moves}`).toBe("");
  expect(got).toEqual(want);
}, 120_000);
