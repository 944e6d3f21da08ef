// Quotas through Debian's zkCli.sh (ZooKeeper 3.8's own setquota, listquota and delquota) against
// a standalone Warden with enforceQuota=true, and the same script through `warden shell`: both
// print the same lines, and each sees the quotas the other set.
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "@warden/server";
import { createClient } from "@warden/client";
import { listQuota } from "@warden/client";
import { describeWithTool, hasFile, hasJava, runWardenShell, runZkCli, startStandalone, ZKCLI, type Standalone } from "./helpers.js";

/** `p` is replaced by a prefix, so that the two runs use their own paths on one server. */
const script = (p: string) => `create /${p}z
create /${p}z/a one
create /${p}y
create /${p}y/deep
setquota -n 5 /${p}z
listquota /${p}z
setquota -N 2 /${p}z
create /${p}z/b
setquota -b 1 /${p}z/a
setquota -B 1 /${p}y/deep
setquota -n 3 /${p}y
set /${p}y/deep 12
listquota /${p}y/deep
setquota -n 1 /${p}z
delquota -N /${p}z
listquota /${p}z
create /${p}z/b
delquota /${p}z
listquota /${p}z
delquota /${p}z
setquota -n 1 /zookeeper/quota/x
setquota -n 0 /${p}y
setquota -n 2 /${p}missing
quit
`;

/** What both shells must print, in this order. */
const expected = (p: string) => [
  `absolute path is /zookeeper/quota/${p}z/zookeeper_limits`,
  `Output quota for /${p}z count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1`,
  `Output stat for /${p}z count=2,bytes=3`,
  `Quota has exceeded : /${p}z/b`,
  `/${p}z/a has a parent /${p}z which has a quota`,
  `/${p}y has a child /${p}y/deep which has a quota`,
  `Quota has exceeded : /${p}y/deep`,
  `absolute path is /zookeeper/quota/${p}y/deep/zookeeper_limits`,
  `Output quota for /${p}y/deep count=-1,bytes=-1=;byteHardLimit=1;countHardLimit=-1`,
  `Output stat for /${p}y/deep count=1,bytes=0`,
  `[Warning]: the count quota you create is less than the existing count:2`,
  `Output quota for /${p}z count=1,bytes=-1=;byteHardLimit=-1;countHardLimit=-1`,
  `Output stat for /${p}z count=2,bytes=3`,
  `Created /${p}z/b`,
  `quota for /${p}z does not exist.`,
  `Quota does not exist for /${p}z`,
  "cannot set a quota under the path: /zookeeper/quota",
  "the num quota must be greater than zero",
  `/${p}missing does not exist.`,
];

function expectInOrder(out: string, lines: string[]): void {
  const have = out.split("\n").map((l) => l.trimEnd());
  let at = 0;
  for (const want of lines) {
    const found = have.findIndex((l, i) => i >= at && l === want);
    if (found < 0) throw new Error(`expected "${want}" after line ${at} of:\n${have.map((l, i) => `${i}: ${l}`).join("\n")}`);
    at = found + 1;
  }
}

describeWithTool(
  "quotas through zkCli.sh (ZooKeeper 3.8) and warden shell against Warden",
  hasFile(ZKCLI) && hasJava(),
  "apt-get install -y zookeeper (needs java)",
  () => {
    let warden: Standalone;
    let zk: string;
    let shell: string;
    let nativeConnect: string;
    beforeAll(async () => {
      const nativePort = await freePort();
      warden = await startStandalone({ enforceQuota: "true", nativePort: String(nativePort) });
      nativeConnect = `127.0.0.1:${nativePort}`;
      [zk, shell] = await Promise.all([runZkCli(warden.hostPort, [], script("k")), runWardenShell(nativeConnect, script("w"))]);
    }, 90_000);
    afterAll(async () => warden?.stop());

    it("zkCli.sh: setquota, listquota, delquota, QuotaExceeded and the refusals, in ZooKeeper's words", () => {
      if (process.env.WARDEN_COMPAT_LOG) console.log(zk);
      expectInOrder(zk, expected("k"));
    });

    it("warden shell prints the same lines for the same script", () => {
      expectInOrder(shell, expected("w"));
    });

    it("each sees the quotas the other set: zkCli lists a quota set by warden shell, and the client reads zkCli's", async () => {
      const c = createClient(nativeConnect);
      try {
        await c.connected({ timeoutMs: 5000 });
        // Left by the scripts: the byte quota on /ky/deep (zkCli) and /wy/deep (warden shell).
        for (const p of ["k", "w"]) {
          const q = await listQuota(c, `/${p}y/deep`);
          expect(q.limits.get("byteHardLimit")).toBe(1);
          expect(q.stats.get("count")).toBe(1);
        }
      } finally {
        await c.close();
      }
      const out = await runZkCli(warden.hostPort, [], "listquota /wy/deep\nquit\n");
      expectInOrder(out, [
        "Output quota for /wy/deep count=-1,bytes=-1=;byteHardLimit=1;countHardLimit=-1",
        "Output stat for /wy/deep count=1,bytes=0",
      ]);
    }, 60_000);
  },
);
