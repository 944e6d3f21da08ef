// Quotas on a real server: with enforceQuota=true a hard limit refuses a create and a setData
// with QuotaExceededError (QUOTAEXCEEDED, -125) and says why in the log; a soft limit only logs;
// without enforceQuota a hard limit only logs. The stats node is kept current either way.
import { afterEach, describe, expect, it } from "vitest";
import { QuotaExceededError, quotaStatPath } from "@warden/protocol";
import { setQuota, type Client } from "@warden/client";
import { startStandalone, waitFor, type Standalone } from "./harness.js";

let s: Standalone | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

const statsOf = async (c: Client, path: string) => {
  const { data, stat } = await c.getData(quotaStatPath(path));
  return { text: new TextDecoder().decode(data!), version: stat.version };
};

describe("quotas on a standalone server", () => {
  it("enforceQuota=true: a hard count limit refuses a create, a hard byte limit a setData, with QuotaExceededError", async () => {
    s = await startStandalone({ enforceQuota: "true" });
    const c = await s.client();
    await c.create("/app", "abc");
    await c.create("/blob", "1234");
    expect(await setQuota(c, "/app", "countHardLimit", 2)).toEqual([]);
    expect(await setQuota(c, "/blob", "byteHardLimit", 4)).toEqual([]);
    await c.create("/app/one");
    const refused = await c.create("/app/two").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QuotaExceededError);
    expect(refused).toMatchObject({ code: "WARDEN_ERR_QUOTA_EXCEEDED", zkCode: -125 });
    await expect(c.setData("/blob", "12345")).rejects.toBeInstanceOf(QuotaExceededError);
    await c.setData("/blob", "12");
    expect(await c.exists("/app/two")).toBeNull();
    expect(await statsOf(c, "/app")).toEqual({ text: "count=2,bytes=3", version: 0 });
    expect(await statsOf(c, "/blob")).toEqual({ text: "count=1,bytes=2", version: 0 });
    await waitFor(
      "the refusals in the log",
      () =>
        s!.log.some((l) => l.includes("Quota exceeded: /app [current count=3, hardCountLimit=2]")) &&
        s!.log.some((l) => l.includes("Quota exceeded: /blob [current bytes=5, hardByteLimit=4]")),
    );
  });

  it("a soft limit only logs: the create succeeds and the stats pass the limit", async () => {
    s = await startStandalone({ enforceQuota: "true" });
    const c = await s.client();
    await c.create("/soft");
    await setQuota(c, "/soft", "count", 1);
    await c.create("/soft/x", "xy");
    expect((await statsOf(c, "/soft")).text).toBe("count=2,bytes=2");
    await waitFor("the soft limit in the log", () =>
      s!.log.some((l) => l.includes("WARN Quota exceeded: /soft [current count=2, softCountLimit=1]")),
    );
  });

  it("without enforceQuota a hard limit only logs", async () => {
    s = await startStandalone({});
    const c = await s.client();
    await c.create("/free");
    await setQuota(c, "/free", "countHardLimit", 1);
    await c.create("/free/x");
    expect((await statsOf(c, "/free")).text).toBe("count=2,bytes=0");
    await waitFor("the passed limit in the log", () =>
      s!.log.some((l) => l.includes("Quota exceeded: /free [current count=2, hardCountLimit=1]")),
    );
  });
});
