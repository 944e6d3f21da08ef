// What the counter relies on: setData with an expected version succeeds for exactly one of
// several concurrent writers that read the same version.
import { afterAll, beforeAll, expect, it } from "vitest";
import { BadVersionError } from "@warden/protocol";
import { startEnsemble, type TestEnsemble } from "./helpers/ensemble.js";

let ensemble: TestEnsemble;
beforeAll(async () => {
  ensemble = await startEnsemble();
});
afterAll(async () => {
  await ensemble.stop();
});

it("conditional setData: every successful write moves the version by exactly one", async () => {
  const clients = await Promise.all(Array.from({ length: 8 }, () => ensemble.client()));
  await clients[0]!.create("/cas", "0");
  let successes = 0;
  await Promise.all(
    clients.map(async (c) => {
      await c.sync("/cas");
      for (let i = 0; i < 40; i++) {
        const { data, stat } = await c.getData("/cas");
        try {
          await c.setData("/cas", String(Number(new TextDecoder().decode(data)) + 1), stat.version);
          successes++;
        } catch (e) {
          if (!(e instanceof BadVersionError)) throw e;
        }
      }
    }),
  );
  const { data, stat } = await clients[0]!.getData("/cas");
  expect(stat.version).toBe(successes);
  expect(Number(new TextDecoder().decode(data))).toBe(successes);
});
