// ZooKeeper's own clients reconfigure a Warden ensemble of real processes: zkCli.sh's and
// kazoo's reconfig remove a member and add it back, each answered with the committed
// configuration; the removed server stops voting and follows again once re-added.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ProcessEnsemble, serverState, waitUntil } from "@warden/testing";
import { describeWithTool, hasFile, hasJava, kazooPython, runPython, runZkCli, ZKCLI } from "./helpers.js";

const python = kazooPython();
let e: ProcessEnsemble | undefined;

const lineOf = (id: number) => {
  const s = e!.server(id);
  return `server.${id}=${s.host}:${s.ports.peer}:${s.ports.election}:participant;${s.host}:${s.ports.client}`;
};
const roleOf = async (id: number) => (await serverState(e!.server(id).host, e!.server(id).ports.admin))?.role;
const rolesAre = (id: number, role: string) => waitUntil(`server ${id} ${role}`, async () => (await roleOf(id)) === role, 20_000, 50);

async function startEnsemble(): Promise<void> {
  e = await ProcessEnsemble.start({ count: 3, tickTimeMs: 100, extraConfig: { reconfigEnabled: "true", skipACL: "yes" } });
}

/**
 * The server asked and the one removed: both followers. (Removing the leader works too, see
 * test/ensemble/reconfig.test.ts, but then every server drops its clients for the new leader,
 * as ZooKeeper's do, and the script's next request fails with ConnectionLoss.)
 */
async function followers(): Promise<[number, number]> {
  const leader = await e!.waitForLeader();
  const [asked, removed] = [1, 2, 3].filter((id) => id !== leader);
  return [asked!, removed!];
}

describeWithTool(
  "zkCli.sh reconfigures a Warden ensemble",
  hasFile(ZKCLI) && hasJava(),
  "apt-get install -y zookeeper (needs java)",
  () => {
    beforeAll(startEnsemble, 60_000);
    afterAll(async () => e?.stop());

    it("reconfig -remove then -add: each prints the committed configuration, and the server votes again", async () => {
      const [asked, removed] = await followers();
      const s = e!.server(asked);
      const out = await runZkCli(
        `${s.host}:${s.ports.client}`,
        [],
        `reconfig -remove ${removed}\nreconfig -add ${lineOf(removed)}\nconfig\nquit\n`,
        { timeoutMs: 60_000 },
      );
      const blocks = out.split("Committed new configuration:").slice(1);
      expect(blocks, out).toHaveLength(2);
      const idsIn = (text: string) => [...text.matchAll(/^server\.(\d+)=/gm)].map((m) => Number(m[1]));
      expect(idsIn(blocks[0]!.split("version=")[0]!)).toEqual([1, 2, 3].filter((id) => id !== removed));
      expect(idsIn(blocks[1]!.split("version=")[0]!)).toEqual([1, 2, 3]);
      expect(blocks[1]).toContain(lineOf(removed));
      await rolesAre(removed, "follower");
      expect(out).toContain(`${lineOf(removed)}\n`);
    }, 90_000);
  },
);

describeWithTool("kazoo reconfigures a Warden ensemble", python !== undefined, "apt-get install -y python3-kazoo", () => {
  beforeAll(startEnsemble, 60_000);
  afterAll(async () => e?.stop());

  it("reconfig(leaving) then reconfig(joining) from the version it read: the data and Stat of each committed configuration", async () => {
    const [asked, removed] = await followers();
    const s = e!.server(asked);
    const { code, out } = await runPython(
      python!,
      "kazoo_reconfig.py",
      [`${s.host}:${s.ports.client}`, String(removed), lineOf(removed)],
      60_000,
    );
    expect(code, out).toBe(0);
    const removedLine = /^REMOVED ([0-9a-f]+) ([\d,]+)$/m.exec(out);
    const addedLine = /^ADDED ([0-9a-f]+) ([\d,]+)$/m.exec(out);
    expect(removedLine, out).not.toBeNull();
    expect(addedLine, out).not.toBeNull();
    expect(removedLine![2]).toBe([1, 2, 3].filter((id) => id !== removed).join(","));
    expect(addedLine![2]).toBe("1,2,3");
    expect(BigInt(`0x${addedLine![1]}`)).toBeGreaterThan(BigInt(`0x${removedLine![1]}`));
    await rolesAre(removed, "follower");
  }, 90_000);
});
