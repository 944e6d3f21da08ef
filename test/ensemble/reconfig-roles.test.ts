// Dynamic reconfiguration of roles, on real servers in this process: an observer is added
// (it serves reads and forwards writes while it is one, and /zookeeper/config shows it) and
// removed; a member changes role voter -> observer and back; a member is replaced (the new one
// is added first, then the old one removed, so a quorum of the new voters is always synced).
// Every wait is on observable state (roles, memberships, answers), with a deadline.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReconfigCluster } from "./reconfig-cluster.js";

const cluster = new ReconfigCluster("reconfig-roles");
const { servers, until, line, leaderId, role, start, clientOf } = cluster;
const kindIn = (id: number, of: number) => servers.get(of)!.membership.current.servers.find((s) => s.id === id)?.type;

/** The servers whose membership is the given version. */
const allAt = (ids: number[], version: bigint) => ids.every((id) => servers.get(id)!.membership.current.version === version);

beforeAll(async () => {
  await cluster.open([1, 2, 3, 4, 5]);
  const voters = [1, 2, 3].map((id) => line(id));
  await Promise.all([1, 2, 3].map((id) => start(id, voters, false)));
  // Spare 4 knows itself as an observer, spare 5 as a participant; both start outside.
  await start(4, [...voters, line(4, "observer")], true);
  await start(5, [...voters, line(5)], true);
  await until("a leader and two followers serving", () => [1, 2, 3].every((id) => servers.get(id)!.node.serving));
}, 60_000);

afterAll(() => cluster.stop());

describe("reconfig of roles", () => {
  it("adds an observer: it serves reads, forwards writes, and /zookeeper/config shows it; then removes it", async () => {
    const admin = await clientOf([1, 2, 3].find((id) => id !== leaderId())!);
    const viaLeader = await clientOf(leaderId()!);
    await viaLeader.create("/before-observer", "x");
    const added = await admin.reconfig({ joining: [line(4, "observer")] });
    expect(added.config!.servers.map((s) => [s.id, s.type])).toEqual([
      [1, "participant"],
      [2, "participant"],
      [3, "participant"],
      [4, "observer"],
    ]);
    expect(added.text).toContain(`\n${line(4, "observer")}\nversion=`);
    const version = added.stat.mzxid;
    await until("every server shows the observer", () => allAt([1, 2, 3, 4], version));
    await until("the observer serves", () => role(4) === "observer" && servers.get(4)!.node.serving === true);
    expect([1, 2, 3].every((id) => kindIn(4, id) === "observer")).toBe(true);

    const viaObserver = await clientOf(4);
    // Reads: what was written before it joined, and after.
    await viaLeader.create("/after-observer", "y");
    await viaObserver.sync("/");
    expect(await viaObserver.exists("/before-observer")).not.toBeNull();
    expect(Buffer.from((await viaObserver.getData("/after-observer")).data).toString()).toBe("y");
    // Writes: forwarded to the leader, committed by the voters.
    await viaObserver.create("/written-via-observer", "z");
    await viaLeader.sync("/");
    expect(Buffer.from((await viaLeader.getData("/written-via-observer")).data).toString()).toBe("z");
    const config = await viaObserver.getConfig();
    expect(config.text).toBe(added.text);
    expect(config.config!.servers.find((s) => s.id === 4)?.type).toBe("observer");
    // A voter count unchanged: the observer does not vote.
    expect(role(4)).toBe("observer");

    const removed = await admin.reconfig({ leaving: [4] });
    expect(removed.config!.servers.map((s) => s.id)).toEqual([1, 2, 3]);
    expect(removed.text).not.toContain("server.4=");
    await until("every member drops it", () => allAt([1, 2, 3], removed.stat.mzxid));
    expect((await viaLeader.getConfig()).text).toBe(removed.text);
    await viaLeader.create("/after-observer-removal", "x");
  });

  it("changes a member's role voter -> observer and back", async () => {
    const leader = leaderId()!;
    const member = [1, 2, 3].find((id) => id !== leader)!;
    const admin = await clientOf(leader);
    const demoted = await admin.reconfig({ joining: [line(member, "observer")] });
    expect(demoted.config!.servers.find((s) => s.id === member)?.type).toBe("observer");
    await until("every server shows it as an observer", () => allAt([1, 2, 3], demoted.stat.mzxid));
    await until("it observes", () => role(member) === "observer" && servers.get(member)!.node.serving === true);
    // Two voters remain: writes still commit, and the observer sees them.
    await admin.create("/while-observer", "x");
    const viaMember = await clientOf(member);
    await viaMember.sync("/");
    expect(await viaMember.exists("/while-observer")).not.toBeNull();
    await viaMember.create("/written-by-demoted", "x");

    const promoted = await admin.reconfig({ joining: [line(member, "participant")] });
    expect(promoted.config!.servers.find((s) => s.id === member)?.type).toBe("participant");
    await until("every server shows it as a voter", () => allAt([1, 2, 3], promoted.stat.mzxid));
    await until("it follows again", () => role(member) === "follower" && servers.get(member)!.node.serving === true);
    await viaMember.create("/after-promotion", "x");
    expect(promoted.config!.servers.map((s) => [s.id, s.type])).toEqual([1, 2, 3].map((id) => [id, "participant"]));
  });

  it("replaces a member: the new one is added, then the old one removed", async () => {
    const leader = leaderId()!;
    const old = [1, 2, 3].find((id) => id !== leader)!;
    const rest = [1, 2, 3].filter((id) => id !== old);
    const admin = await clientOf(rest.find((id) => id !== leader)!);
    // Removing the old one and adding the new one at once: the new voters would be {rest, 5},
    // and 5 is not yet synced; 2 of 3 are, which is a quorum, so ZooKeeper would accept it too.
    // The replacement asked for here is the safe order: grow first.
    const grown = await admin.reconfig({ joining: [line(5)] });
    expect(grown.config!.servers.map((s) => s.id)).toEqual([1, 2, 3, 5]);
    await until("every server shows four voters", () => allAt([1, 2, 3, 5], grown.stat.mzxid));
    await until("the new one follows", () => role(5) === "follower" && servers.get(5)!.node.serving === true);
    const shrunk = await admin.reconfig({ leaving: [old] });
    expect(shrunk.config!.servers.map((s) => [s.id, s.type])).toEqual([...rest, 5].map((id) => [id, "participant"]));
    await until("the remaining servers show it", () => allAt([...rest, 5], shrunk.stat.mzxid));
    await until("the old one no longer votes", () => role(old) === "observer");
    // The new voters commit without the old one: stop it and write.
    await servers.get(old)!.stop();
    servers.delete(old);
    const viaNew = await clientOf(5);
    await viaNew.create("/after-replace", "x");
    await viaNew.sync("/");
    expect(await viaNew.exists("/written-via-observer")).not.toBeNull();
    expect((await viaNew.getConfig()).text).toBe(shrunk.text);
  });
});
