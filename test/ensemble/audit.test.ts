// The audit log in a three-process ensemble: a write is logged once, by the server its client
// is connected to (as ZooKeeper's FinalRequestProcessor, on the server that answers), not by
// the leader that committed it nor by the follower that only applied it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient, type Client } from "@warden/client";
import { ProcessEnsemble } from "@warden/testing";
import { TEST_ENSEMBLE } from "./workload.js";
import { waitFor } from "../e2e/harness.js";

describe("audit log in an ensemble", () => {
  let ensemble: ProcessEnsemble;
  let client: Client | undefined;
  beforeAll(async () => {
    ensemble = await ProcessEnsemble.start({ ...TEST_ENSEMBLE, extraConfig: { "audit.enable": "true" } });
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await ensemble?.stop();
  });
  const auditOf = (id: number) => {
    const file = join(ensemble.server(id).dir, "data", "audit.log");
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  };

  it("is written by the follower the client is connected to, once, and by no other server", async () => {
    const leader = await ensemble.waitForLeader();
    const ids = ensemble.servers.map((s) => s.id);
    const follower = ids.find((id) => id !== leader)!;
    const other = ids.find((id) => id !== leader && id !== follower)!;
    client = createClient(ensemble.nativeAddress(follower), { sessionTimeoutMs: 6000 });
    await client.connected({ timeoutMs: 10_000 });
    await client.create("/audited", "x");
    await client.setData("/audited", "y");
    // The write is applied everywhere before the follower answers a sync and read after it.
    await client.sync("/audited");
    const sid = `session=0x${client.sessionId.toString(16)}`;
    const lines = await waitFor(
      "the follower's audit lines",
      () => {
        const mine = auditOf(follower)
          .split("\n")
          .filter((l) => l.includes(sid));
        return mine.length >= 3 && mine;
      },
      10_000,
    );
    expect(lines.map((l) => /operation=(\w+)/.exec(l)?.[1])).toEqual(["createSession", "create", "setData"]);
    for (const id of [leader, other]) expect(auditOf(id), `server ${id}`).not.toContain(sid);
  }, 60_000);
});
